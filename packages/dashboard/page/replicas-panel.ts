import { formatAge, formatOffset, formatTime, localZone } from './format.js';
import { html } from './html.js';
import type { ReplicaView } from './types.js';

export interface ReplicasPanelProps {
  /** null until the first read. */
  replicas: readonly ReplicaView[] | null;
  /** Why the last read failed, if it did (the list then shows the last good read). */
  error: string | null;
  /** The fleet's heartbeat interval in milliseconds: a replica not seen for longer is late. */
  heartbeatInterval: number;
}

/**
 * The fleet's live replicas, re-read every heartbeat: who they are, when each was last seen, and
 * its clock's offset from the fleet server's (what balance corrects for). The replica this page is
 * served by is marked.
 */
export function ReplicasPanel({ replicas, error, heartbeatInterval }: ReplicasPanelProps) {
  const now = Date.now();
  return html`<section class="replicas" aria-labelledby="replicas-title">
    <h2 id="replicas-title">
      Replicas${replicas ? html` <span class="muted">${replicas.length} live</span>` : null}
    </h2>
    ${error ? html`<p class="error-text" role="alert">Could not read the replicas: ${error}</p>` : null}
    ${
      replicas === null
        ? html`<p class="muted">Loading…</p>`
        : replicas.length === 0
          ? html`<p class="muted">No live replica (none has sent a heartbeat lately).</p>`
          : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Live replicas">
              <table class="runs replica-table">
                <thead>
                  <tr>
                    <th scope="col">Replica</th>
                    <th scope="col">Host</th>
                    <th scope="col">PID</th>
                    <th scope="col">Version</th>
                    <th scope="col">Started</th>
                    <th scope="col">Last seen</th>
                    <th scope="col" title="Its clock minus the fleet server's">Clock offset</th>
                  </tr>
                </thead>
                <tbody>
                  ${replicas.map(
                    (
                      replica,
                    ) => html`<tr key=${replica.id} class=${`replica${replica.self ? ' is-self' : ''}`}>
                      <td>
                        <span class="replica-name">${replica.id}</span>
                        ${replica.self ? html` <span class="badge self">this replica</span>` : null}
                      </td>
                      <td>${replica.host}</td>
                      <td>${replica.pid}</td>
                      <td>${replica.version}</td>
                      <td>${formatTime(replica.startedAt, localZone)}</td>
                      <td
                        class=${now - Date.parse(replica.lastSeen) > 2 * heartbeatInterval ? 'late-text' : ''}
                        title=${formatTime(replica.lastSeen, localZone)}
                      >${formatAge(replica.lastSeen, now)}</td>
                      <td>${formatOffset(replica.clockOffsetMs)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
    }
  </section>`;
}
