import { formatTime, utcOffset } from './format.js';
import { html } from './html.js';

export interface NextRunsProps {
  runs: readonly string[];
  /** From the server, parallel to `runs`: the run comes just after a daylight-saving change. */
  shifted: readonly boolean[] | undefined;
  timeZone: string;
  paused: boolean;
}

/**
 * The next runs on the job's own wall clock. A run just after a daylight-saving change is marked, with
 * the new UTC offset: its wall time may have moved (02:30 in a spring gap runs at 03:30) or the gap
 * before it is an hour off.
 */
export function NextRuns({ runs, shifted, timeZone, paused }: NextRunsProps) {
  if (runs.length === 0) return html`<p class="muted">No future runs.</p>`;
  return html`<ol class=${paused ? 'next-runs paused-runs' : 'next-runs'}>
    ${runs.map((iso, i) => {
      const offset = shifted?.[i] ? utcOffset(iso, timeZone) : '';
      return html`<li key=${iso}>
        <time datetime=${iso}>${formatTime(iso, timeZone)}</time>
        ${
          shifted?.[i]
            ? html` <abbr class="dst" title=${`After a daylight-saving change: the UTC offset is now ${offset}`}
                >DST ${offset}</abbr
              >`
            : null
        }
      </li>`;
    })}
  </ol>`;
}
