import { html } from './html.js';
import type { JobView, StateView } from './types.js';

/** The scheduler's state and the counts an operator looks at first. */
export function Header({
  state,
  jobs,
  live,
  replicas,
}: {
  state: StateView | null;
  jobs: readonly JobView[];
  live: boolean;
  /** Live replicas of the fleet; undefined without a fleet. */
  replicas: number | string | undefined;
}) {
  const running = jobs.filter((job) => job.running).length;
  const started = state?.started;
  return html`<header class="top">
    <h1>tscron</h1>
    <dl class="stats">
      <div>
        <dt>Scheduler</dt>
        <dd class=${started === false ? 'warn' : ''}>${started === undefined ? '…' : started ? 'running' : 'stopped'}</dd>
      </div>
      ${replicas === undefined ? null : html`<div><dt>Replicas</dt><dd>${replicas}</dd></div>`}
      <div><dt>Jobs</dt><dd>${jobs.length}</dd></div>
      <div><dt>Running</dt><dd>${running}</dd></div>
      <div>
        <dt>Failures, last hour</dt>
        <dd class=${state?.failuresLastHour ? 'warn' : ''}>${state?.failuresLastHour ?? '–'}</dd>
      </div>
      <div><dt>Updates</dt><dd>${live ? 'live' : 'reconnecting…'}</dd></div>
    </dl>
  </header>`;
}
