import { html } from './html.js';
import { RunChart } from './run-chart.js';
import { RunTable } from './run-table.js';
import type { JobView, RunView } from './types.js';

/** The open job's recent runs: a chart of duration and lateness, then the table. */
export function JobDetail({ job, runs }: { job: JobView; runs: readonly RunView[] | null }) {
  if (runs === null) return html`<p class="muted">Loading runs…</p>`;
  return html`<section class="detail" aria-label=${`Run history of ${job.name}`}>
    <h4>Recent runs</h4>
    <${RunChart} runs=${runs} />
    <${RunTable} runs=${runs} timeZone=${job.schedule.timeZone} here=${job.replica} />
  </section>`;
}
