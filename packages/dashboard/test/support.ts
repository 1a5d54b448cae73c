// Shared set-up of the dashboard tests: real schedulers on a FakeClock, requests to `fetch` or HTTP.
import { createScheduler, type Job, type Scheduler, type SchedulerOptions, silentLogger } from 'tscron';
import { FakeClock } from 'tscron/testing';
import { createDashboard, type Dashboard, type DashboardOptions } from '../src/index.js';

export interface Setup {
  clock: FakeClock;
  scheduler: Scheduler;
  dashboard: Dashboard;
  /** A started job on `*\/5 * * * *` named "report". */
  job: Job;
}

/** A started UTC scheduler with one cron job, and a dashboard over it. */
export function setup(
  options: Omit<DashboardOptions, 'scheduler'> = {},
  schedulerOptions: SchedulerOptions = {},
): Setup {
  // Now, not a fixed instant: `api/state` counts the last hour's failures against the real clock.
  const clock = new FakeClock(Math.floor(Date.now() / 60_000) * 60_000);
  const scheduler = createScheduler({
    clock,
    timeZone: 'UTC',
    replica: 'replica-a',
    logger: silentLogger,
    ...schedulerOptions,
  });
  const job = scheduler.newJob({ kind: 'cron', expression: '*/5 * * * *', withSeconds: false }, () => {}, {
    name: 'report',
    tags: ['daily'],
  });
  scheduler.start();
  return { clock, scheduler, job, dashboard: createDashboard({ scheduler, ...options }) };
}

/** A request to the dashboard's fetch, as a browser on the same origin would make it. */
export function call(dashboard: Dashboard, path: string, init: RequestInit = {}): Promise<Response> {
  return dashboard.fetch(new Request(`http://dashboard.test${path}`, init));
}

/** Lets the scheduler's batched events and pending promise chains run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Reads SSE messages from a streaming response until `until` holds for the ones read so far. */
export async function readEvents(
  response: Response,
  until: (events: Array<{ event: string; data: unknown }>) => boolean,
): Promise<Array<{ event: string; data: unknown }>> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: unknown }> = [];
  let buffered = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      end = buffered.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}
