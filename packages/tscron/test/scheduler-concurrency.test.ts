import { describe, expect, test } from 'vitest';
import type { Clock } from '../src/clock.js';
import { durationJob, type JobContext, type JobStatus, type Monitor, oneTimeJob } from '../src/index.js';
import { rel, setup, T0 } from './scheduler-helpers.js';

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Tasks that take `ms` on the fake clock and record concurrency, per job and overall. */
function tracker(clock: Clock) {
  const perJob = new Map<string, number>();
  const state = {
    current: 0,
    max: 0,
    maxPerJob: 0,
    starts: [] as Array<[string, number | undefined, number]>,
  };
  const task =
    (ms: number) =>
    async ({ job, scheduledAt }: JobContext): Promise<void> => {
      state.current++;
      state.max = Math.max(state.max, state.current);
      const mine = (perJob.get(job.name) ?? 0) + 1;
      perJob.set(job.name, mine);
      state.maxPerJob = Math.max(state.maxPerJob, mine);
      state.starts.push([job.name, rel(scheduledAt), clock.now() - T0]);
      await sleep(clock, ms);
      perJob.set(job.name, (perJob.get(job.name) ?? 1) - 1);
      state.current--;
    };
  return { state, task };
}

function statusMonitor() {
  const statuses: Array<[string, JobStatus]> = [];
  const reached: Array<[string, string]> = [];
  const monitor: Monitor = {
    incrementJob: (_id, name, _tags, status) => statuses.push([name, status]),
    concurrencyLimitReached: (kind, job) => reached.push([kind, job.name]),
  };
  return { statuses, reached, monitor };
}

describe('singletonMode', () => {
  test("'reschedule' drops a run that finds the previous one running", async () => {
    const { monitor, statuses, reached } = statusMonitor();
    const { clock, scheduler } = setup({ monitor });
    const { state, task } = tracker(clock);
    scheduler.newJob(durationJob('1s'), task(2500), { name: 's', singletonMode: 'reschedule' });
    scheduler.start();
    await clock.advance('8s');
    expect(state.starts).toEqual([
      ['s', 1000, 1000],
      ['s', 4000, 4000],
      ['s', 7000, 7000],
    ]);
    expect(state.maxPerJob).toBe(1);
    expect(statuses.filter(([, status]) => status === 'singleton_rescheduled')).toHaveLength(5); // 2, 3, 5, 6, 8 s
    expect(reached).toContainEqual(['singleton', 's']);
    expect(scheduler.jobsWaitingInQueue()).toBe(0);
    await stop(clock, scheduler);
  });

  test("'wait' queues the run until the previous one ends", async () => {
    const { clock, scheduler } = setup();
    const { state, task } = tracker(clock);
    scheduler.newJob(durationJob('1s'), task(2500), { name: 'w', singletonMode: 'wait' });
    scheduler.start();
    await clock.advance('3s');
    expect(scheduler.jobsWaitingInQueue()).toBe(2);
    await clock.advance('3s');
    expect(state.starts).toEqual([
      ['w', 1000, 1000],
      ['w', 2000, 3500],
      ['w', 3000, 6000],
    ]);
    expect(state.maxPerJob).toBe(1);
    await stop(clock, scheduler);
    expect(scheduler.jobsWaitingInQueue()).toBe(0);
  });

  test('runNow goes through singleton mode too', async () => {
    const { monitor, statuses } = statusMonitor();
    const { clock, scheduler } = setup({ monitor });
    const { state, task } = tracker(clock);
    const job = scheduler.newJob(durationJob('10s'), task(5000), { name: 'r', singletonMode: 'reschedule' });
    scheduler.start();
    await clock.advance('10s');
    await job.runNow();
    expect(state.starts).toHaveLength(1);
    expect(statuses).toEqual([['r', 'singleton_rescheduled']]);
    await stop(clock, scheduler);
  });

  test('without singleton mode, runs overlap', async () => {
    const { clock, scheduler } = setup();
    const { state, task } = tracker(clock);
    scheduler.newJob(durationJob('1s'), task(2500), { name: 'o' });
    scheduler.start();
    await clock.advance('4s');
    expect(state.starts).toHaveLength(4);
    expect(state.maxPerJob).toBe(3);
    await stop(clock, scheduler);
  });
});

describe('limitConcurrentJobs', () => {
  test("'reschedule' drops runs beyond the limit", async () => {
    const { monitor, statuses, reached } = statusMonitor();
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 2, mode: 'reschedule' }, monitor });
    const { state, task } = tracker(clock);
    for (const name of ['a', 'b', 'c', 'd']) scheduler.newJob(durationJob('10s'), task(1500), { name });
    scheduler.start();
    await clock.advance('10s');
    expect(state.starts).toHaveLength(2);
    expect(statuses.filter(([, status]) => status === 'skip')).toHaveLength(2);
    expect(reached.filter(([kind]) => kind === 'limit')).toHaveLength(2);
    expect(scheduler.jobsWaitingInQueue()).toBe(0);
    await clock.advance('10s');
    expect(state.starts).toHaveLength(4);
    expect(state.max).toBe(2);
    await stop(clock, scheduler);
  });

  test("'wait' queues runs beyond the limit and starts them as slots free", async () => {
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 2, mode: 'wait' } });
    const { state, task } = tracker(clock);
    for (const name of ['a', 'b', 'c', 'd', 'e']) scheduler.newJob(durationJob('10s'), task(1000), { name });
    scheduler.start();
    await clock.advance('10s');
    expect(scheduler.jobsWaitingInQueue()).toBe(3);
    await clock.advance('3s');
    expect(scheduler.jobsWaitingInQueue()).toBe(0);
    expect(state.starts.map(([, scheduledAt, startedAt]) => [scheduledAt, startedAt])).toEqual([
      [10_000, 10_000],
      [10_000, 10_000],
      [10_000, 11_000],
      [10_000, 11_000],
      [10_000, 12_000],
    ]);
    expect(new Set(state.starts.map(([name]) => name)).size).toBe(5);
    expect(state.max).toBe(2);
    await stop(clock, scheduler);
  });

  test('the limit counts runNow too', async () => {
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 1, mode: 'wait' } });
    const { state, task } = tracker(clock);
    const a = scheduler.newJob(durationJob('1h'), task(1000), { name: 'a' });
    const b = scheduler.newJob(durationJob('1h'), task(1000), { name: 'b' });
    scheduler.start();
    await a.runNow();
    await b.runNow();
    expect(scheduler.jobsWaitingInQueue()).toBe(1);
    await clock.advance('2s');
    expect(state.starts.map(([name, , startedAt]) => [name, startedAt])).toEqual([
      ['a', 0],
      ['b', 1000],
    ]);
    await stop(clock, scheduler);
  });
});

describe('singleton mode and the limit together', () => {
  for (const [limitMode, singletonMode] of [
    ['reschedule', 'reschedule'],
    ['wait', 'wait'],
    ['wait', 'reschedule'],
    ['reschedule', 'wait'],
  ] as const) {
    test(`limit '${limitMode}' with singleton '${singletonMode}': never over the limit, never overlapping`, async () => {
      const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 2, mode: limitMode } });
      const { state, task } = tracker(clock);
      for (let i = 0; i < 10; i++) {
        scheduler.newJob(durationJob('100ms'), task(50 + 30 * (i % 4)), { name: `job${i}`, singletonMode });
      }
      scheduler.start();
      await clock.advance('3s');
      expect(state.max).toBe(2);
      expect(state.maxPerJob).toBe(1);
      expect(state.starts.length).toBeGreaterThan(40);
      await stop(clock, scheduler);
    });
  }

  test("under a 'wait' limit, a singleton 'wait' run waits for its job, not dropped (gocron drops it)", async () => {
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 3, mode: 'wait' } });
    const { state, task } = tracker(clock);
    scheduler.newJob(durationJob('1s'), task(1500), { name: 'w', singletonMode: 'wait' });
    scheduler.start();
    await clock.advance('4s');
    expect(state.starts).toEqual([
      ['w', 1000, 1000],
      ['w', 2000, 2500],
      ['w', 3000, 4000],
    ]);
    await stop(clock, scheduler);
  });

  test('a removed job leaves the queue', async () => {
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 1, mode: 'wait' } });
    const { state, task } = tracker(clock);
    scheduler.newJob(oneTimeJob(T0 + 1000), task(1000), { name: 'first' });
    const queued = scheduler.newJob(oneTimeJob(T0 + 1000), task(1000), { name: 'second' });
    scheduler.start();
    await clock.advance('1s');
    expect(scheduler.jobsWaitingInQueue()).toBe(1);
    scheduler.removeJob(queued.id);
    expect(scheduler.jobsWaitingInQueue()).toBe(0);
    await clock.advance('3s');
    expect(state.starts.map(([name]) => name)).toEqual(['first']);
    await stop(clock, scheduler);
  });
});

async function stop(clock: { advance(ms: number): Promise<void> }, scheduler: { shutdown(): Promise<void> }) {
  const done = scheduler.shutdown();
  await clock.advance(10_000);
  await done;
}
