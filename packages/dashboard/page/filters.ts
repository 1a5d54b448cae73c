import { html } from './html.js';
import type { JobView } from './types.js';

export interface Filter {
  search: string;
  tag: string;
}

/** Jobs whose name or a tag contains the search text (any case), holding the chosen tag if one is. */
export function applyFilter(jobs: readonly JobView[], filter: Filter): JobView[] {
  const needle = filter.search.trim().toLowerCase();
  return jobs.filter(
    (job) =>
      (filter.tag === '' || job.tags.includes(filter.tag)) &&
      (needle === '' ||
        job.name.toLowerCase().includes(needle) ||
        job.tags.some((tag) => tag.toLowerCase().includes(needle))),
  );
}

export function Filters({
  jobs,
  filter,
  onChange,
}: {
  jobs: readonly JobView[];
  filter: Filter;
  onChange(filter: Filter): void;
}) {
  const tags = [...new Set(jobs.flatMap((job) => job.tags))].sort();
  return html`<form class="filters" role="search" onSubmit=${(event: Event) => event.preventDefault()}>
    <div>
      <label for="search">Search</label>
      <input
        id="search"
        type="search"
        placeholder="Job name or tag"
        value=${filter.search}
        onInput=${(event: Event) => onChange({ ...filter, search: (event.currentTarget as HTMLInputElement).value })}
      />
    </div>
    <div>
      <label for="tag">Tag</label>
      <select
        id="tag"
        value=${filter.tag}
        onChange=${(event: Event) => onChange({ ...filter, tag: (event.currentTarget as HTMLSelectElement).value })}
      >
        <option value="">All tags</option>
        ${tags.map((tag) => html`<option key=${tag} value=${tag}>${tag}</option>`)}
      </select>
    </div>
  </form>`;
}
