import { formatDuration, formatTime, runDuration } from './format.js';
import { html } from './html.js';
import { NextRuns } from './next-runs.js';
import { statusLabels } from './runs.js';
import type { JobView } from './types.js';

export interface JobCardProps {
  job: JobView;
  open: boolean;
  busy: boolean;
  readOnly: boolean;
  /** The scheduler has a fleet: pause and resume apply to every replica. */
  fleet: boolean;
  onToggle(job: JobView): void;
  onAction(job: JobView, action: 'run' | 'pause' | 'resume'): void;
  children?: unknown;
}

/** One job: what it is, when it runs next, how its last run went, and its actions. */
export function JobCard({ job, open, busy, readOnly, fleet, onToggle, onAction, children }: JobCardProps) {
  const detailId = `job-${job.id}`;
  const words = job.description !== job.schedule.text ? job.description : undefined;
  const last = job.lastRun;
  const paused = job.paused || job.fleetPaused === true;
  return html`<li class=${`job${paused ? ' is-paused' : ''}`} data-job-id=${job.id}>
    <div class="job-head">
      <h3 class="job-name">
        <button type="button" class="link" aria-expanded=${open} aria-controls=${detailId} onClick=${() => onToggle(job)}>
          ${job.name}
        </button>
      </h3>
      ${
        job.fleetPaused
          ? html`<span class="badge state-paused state-fleet-paused">paused fleet-wide</span>`
          : job.paused
            ? html`<span class="badge state-paused">${fleet ? 'paused on this replica' : 'paused'}</span>`
            : null
      }
      ${job.running ? html`<span class="badge status-running">running</span>` : null}
    </div>
    <p class="schedule">
      ${words ? html`<span>${words}</span><span class="muted"> · </span>` : null}<code>${job.schedule.text}</code>
      <span class="muted"> · ${job.schedule.timeZone}</span>
    </p>
    ${
      job.tags.length > 0
        ? html`<ul class="tags" aria-label="Tags">${job.tags.map((tag) => html`<li key=${tag}>${tag}</li>`)}</ul>`
        : null
    }
    <div class="job-facts">
      <div>
        <h4>Last run</h4>
        ${
          last
            ? html`<p class="last-run">
                <span class=${`badge status-${last.status}`}>${statusLabels[last.status] ?? last.status}</span>
                ${last.status === 'running' ? null : html` ${formatDuration(runDuration(last))}`}
                <span class="muted"> · ${formatTime(last.startedAt, job.schedule.timeZone)}</span>
                ${
                  fleet
                    ? html`<span class="muted"> · on </span><span class="replica-name last-replica">${last.replica}</span>`
                    : null
                }
              </p>`
            : html`<p class="muted">never</p>`
        }
      </div>
      <div>
        <h4>Next runs${paused ? ' (paused)' : ''}</h4>
        <${NextRuns} runs=${job.nextRuns} shifted=${job.dstShifted} timeZone=${job.schedule.timeZone} paused=${paused} />
      </div>
    </div>
    ${
      readOnly
        ? null
        : html`<div class="actions">
            <button type="button" disabled=${busy} onClick=${() => onAction(job, 'run')}>Run now</button>
            ${
              paused
                ? html`<button type="button" disabled=${busy} title=${fleet ? 'Resume on every replica' : undefined} onClick=${() => onAction(job, 'resume')}>Resume</button>`
                : html`<button type="button" disabled=${busy} title=${fleet ? 'Pause on every replica' : undefined} onClick=${() => onAction(job, 'pause')}>Pause</button>`
            }
          </div>`
    }
    <div id=${detailId} hidden=${!open}>${open ? children : null}</div>
  </li>`;
}
