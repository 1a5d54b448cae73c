import { formatDuration, formatTime, runDuration, runLateness } from './format.js';
import { html } from './html.js';
import { runKey, statusLabels } from './runs.js';
import type { RunView } from './types.js';

/** The last lines of a run's output: the history keeps 8 KB, more than a table cell should show. */
const tailLines = 20;

function tail(output: string): string {
  const lines = output.replace(/\n$/, '').split('\n');
  return lines.slice(-tailLines).join('\n');
}

export interface RunTableProps {
  runs: readonly RunView[];
  timeZone: string;
  /** The replica this page is served by: its runs are marked (with a shared history, the others' show too). */
  here: string | undefined;
}

/**
 * A job's run history, newest first, with the replica that ran each run next to its status. Wide on
 * purpose; its wrapper scrolls sideways on a phone.
 */
export function RunTable({ runs, timeZone, here }: RunTableProps) {
  if (runs.length === 0) return html`<p class="muted">No runs recorded yet.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Run history">
    <table class="runs">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Replica</th>
          <th scope="col">Scheduled</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Error / output</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (run) => html`<tr key=${runKey(run)} class="run">
            <td><span class=${`badge status-${run.status}`}>${statusLabels[run.status] ?? run.status}</span>
              ${run.attempts && run.attempts > 1 ? html` <span class="muted">(${run.attempts} attempts)</span>` : null}</td>
            <td class="run-replica">
              <span class="replica-name">${run.replica}</span>
              ${run.replica === here ? html` <span class="badge self">this replica</span>` : null}
            </td>
            <td>${formatTime(run.scheduledAt, timeZone)}</td>
            <td>
              ${formatTime(run.startedAt, timeZone)}
              ${runLateness(run) >= 1000 ? html` <span class="muted">(${formatDuration(runLateness(run))} late)</span>` : null}
            </td>
            <td>${run.status === 'running' ? html`<span class="muted">running…</span>` : formatDuration(runDuration(run))}</td>
            <td class="run-detail">
              ${run.error ? html`<p class="error-text">${run.error}</p>` : null}
              ${
                run.output
                  ? html`<details><summary>Output</summary><pre>${tail(run.output)}</pre></details>`
                  : null
              }
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
