import { describe, expect, test } from 'vitest';
import { cronJob, durationJob, type JobOptions, MemoryRunHistory, type RunRecord } from '../src/index.js';
import { type FleetSetup, fleetOf, runLog } from './fleet-helpers.js';
import { flush, setup, T0 } from './scheduler-helpers.js';

const MINUTE = 60_000;
const EVERY_MINUTE = cronJob('* * * * *');

/**
 * Three replicas (clocks -300/0/+300 ms) running `job` as "report", each recording its runs in a
 * history of its own. The fleet runs it up to 00:01:30 (the last completed occurrence is
 * `completed`), then is down.
 */
async function fleetThatWentDown(options: JobOptions, definition = EVERY_MINUTE, completed = MINUTE) {
  const histories = new Map<string, MemoryRunHistory>();
  const fleet = fleetOf([-300, 0, 300], {
    fleet: { heartbeat: '1s' },
    scheduler: (id) => {
      const history = new MemoryRunHistory();
      histories.set(id, history);
      return { history };
    },
  });
  const log = runLog();
  for (const r of fleet.replicas) {
    r.scheduler.newJob(
      definition,
      ({ scheduledAt }) =>
        void log.runs.push({ replica: r.id, at: scheduledAt.getTime(), startedAt: fleet.clock.now() }),
      { name: 'report', ...options },
    );
    r.scheduler.start();
  }
  await fleet.clock.advance('90s');
  expect(Math.max(...log.runs.map((run) => run.at - T0))).toBe(completed);
  for (const r of fleet.replicas) await r.scheduler.stopJobs();
  expect(await fleet.server.replicas()).toEqual([]);
  expect((await fleet.server.lastCompleted(['report'])).get('report')?.getTime()).toBe(T0 + completed);
  log.runs.length = 0;
  return { ...fleet, log, histories };
}

/** Starts every replica again and lets the first heartbeats and the catch-up runs through. */
async function restart(fleet: FleetSetup): Promise<void> {
  for (const r of fleet.replicas) r.scheduler.start();
  await fleet.clock.advance('100ms');
}

describe('catch-up after downtime', () => {
  test("'once': the latest occurrence the fleet missed runs once fleet-wide, with its scheduledAt", async () => {
    const fleet = await fleetThatWentDown({ catchUpWithin: '10m' });
    await fleet.clock.advance('3m'); // down across 00:02, 00:03 and 00:04
    await restart(fleet);
    expect(fleet.log.runs.map((run) => run.at - T0)).toEqual([4 * MINUTE]);
    // A normal record, with the occurrence as its scheduledAt, on the replica that ran it.
    await flush();
    const records: RunRecord[] = [];
    for (const history of fleet.histories.values())
      records.push(...(await history.list({ jobName: 'report' })));
    const caughtUp = records.filter((record) => record.scheduledAt.getTime() === T0 + 4 * MINUTE);
    expect(caughtUp.map((record) => [record.status, record.replica])).toEqual([
      ['success', fleet.log.runs[0]!.replica],
    ]);
    // Then the schedule goes on as usual.
    await fleet.clock.advance('60s');
    expect(fleet.log.runs.map((run) => run.at - T0)).toEqual([4 * MINUTE, 5 * MINUTE]);
    expect((await fleet.server.lastCompleted(['report'])).get('report')?.getTime()).toBe(T0 + 5 * MINUTE);
    await fleet.close();
  });

  test("'all': each missed occurrence runs once fleet-wide, in order", async () => {
    const fleet = await fleetThatWentDown({ catchUpWithin: '10m', missedRuns: 'all' });
    await fleet.clock.advance('3m');
    await restart(fleet);
    expect(fleet.log.runs.map((run) => run.at - T0).sort((a, b) => a - b)).toEqual(
      [2, 3, 4].map((m) => m * MINUTE),
    );
    // Started together, the replicas share the catch-up: each occurrence once, oldest first on each.
    for (const r of fleet.replicas) {
      const mine = fleet.log.runs.filter((run) => run.replica === r.id).map((run) => run.at);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    for (const r of fleet.replicas) {
      expect(r.logger.lines.filter(([, m]) => /falling behind|skipped/.test(m))).toEqual([]);
    }
    await fleet.close();
  });

  test("'all' replays at most the latest 100", async () => {
    const fleet = await fleetThatWentDown(
      { catchUpWithin: '1h', missedRuns: 'all' },
      cronJob('*/30 * * * * *', { withSeconds: true }),
      90_000,
    );
    // Down for 70 minutes: 120 half-minutes within the last hour, of which the latest 100 run.
    // (Restarted between two occurrences: the clocks 300 ms apart agree on the latest.)
    await fleet.clock.advance('70m10s');
    await restart(fleet);
    const restartedAt = fleet.clock.now() - 100;
    const ran = fleet.log.runs.map((run) => run.at).sort((a, b) => a - b);
    expect(ran).toHaveLength(100);
    expect(new Set(ran).size).toBe(100);
    // The latest 100 half-minutes before the restart.
    const latest = Math.floor(restartedAt / 30_000) * 30_000;
    expect(ran[99]).toBe(latest);
    expect(ran[0]).toBe(latest - 99 * 30_000);
    await fleet.close();
  });

  test('catchUpWithin bounds how far back: older occurrences are not replayed', async () => {
    const fleet = await fleetThatWentDown({ catchUpWithin: '2m30s', missedRuns: 'all' });
    await fleet.clock.advance('9m'); // down across 00:02 ... 00:10; restarted at 00:10:30.1
    await restart(fleet);
    expect(fleet.log.runs.map((run) => run.at - T0).sort((a, b) => a - b)).toEqual(
      [8, 9, 10].map((m) => m * MINUTE),
    );
    await fleet.close();
  });

  test("nothing to catch up: a job never completed, one within its catchUpWithin, missedRuns 'skip'", async () => {
    const fleet = fleetOf([0, 0], { fleet: { heartbeat: '1s' } });
    const log = runLog();
    await fleet.server.recordCompleted('skipper', new Date(T0 - 5 * MINUTE));
    for (const r of fleet.replicas) {
      const record = ({ scheduledAt, job }: { scheduledAt: Date; job: { name: string } }) =>
        void log.runs.push({ replica: job.name, at: scheduledAt.getTime(), startedAt: 0 });
      r.scheduler.newJob(EVERY_MINUTE, record, { name: 'fresh', catchUpWithin: '1h' });
      r.scheduler.newJob(EVERY_MINUTE, record, { name: 'skipper', catchUpWithin: '1h', missedRuns: 'skip' });
      r.scheduler.start();
    }
    await fleet.clock.advance('100ms');
    expect(log.runs).toEqual([]);
    await fleet.close();
  });

  test('a job with catchUpWithin added to a started scheduler catches up; others joining with it share one read', async () => {
    const fleet = fleetOf([0], { fleet: { heartbeat: '1s' } });
    const [r] = fleet.replicas;
    const reads: string[][] = [];
    const lastCompleted = r!.fleet.lastCompleted.bind(r!.fleet);
    r!.fleet.lastCompleted = (names) => {
      reads.push([...names]);
      return lastCompleted(names);
    };
    r!.scheduler.start();
    await fleet.clock.advance('10m');
    await fleet.server.recordCompleted('hourly', new Date(T0 - 60 * MINUTE));
    await fleet.server.recordCompleted('minutely', new Date(T0 + 7 * MINUTE));
    const log = runLog();
    const task = ({ scheduledAt, job }: { scheduledAt: Date; job: { name: string } }) =>
      void log.runs.push({ replica: job.name, at: scheduledAt.getTime(), startedAt: fleet.clock.now() });
    r!.scheduler.newJob(cronJob('0 * * * *'), task, { name: 'hourly', catchUpWithin: '1h' });
    r!.scheduler.newJob(EVERY_MINUTE, task, { name: 'minutely', catchUpWithin: '1h', missedRuns: 'all' });
    r!.scheduler.newJob(EVERY_MINUTE, task, { name: 'plain' });
    await flush();
    await flush();
    expect(reads).toEqual([['hourly', 'minutely']]);
    expect(log.runs.map((run) => [run.replica, run.at - T0])).toEqual([
      ['hourly', 0],
      ['minutely', 8 * MINUTE],
      ['minutely', 9 * MINUTE],
      ['minutely', 10 * MINUTE],
    ]);
    // Their completions reach the fleet as one call per job.
    await flush();
    expect(r!.fleet.completed.map(({ name, at }) => [name, at - T0])).toEqual([
      ['hourly', 0],
      ['minutely', 10 * MINUTE],
    ]);
    await fleet.close();
  });

  test('completions are told to the fleet off the run path, one call per job and turn; a failing fleet is logged once', async () => {
    const fleet = fleetOf([0], { fleet: { heartbeat: '10s' } });
    const [r] = fleet.replicas;
    let runs = 0;
    for (let i = 0; i < 5; i++) {
      r!.scheduler.newJob(durationJob('1s'), () => void runs++, { name: `job-${i}`, catchUpWithin: '1m' });
    }
    r!.scheduler.newJob(durationJob('1s'), () => void runs++, { name: 'untracked' });
    r!.scheduler.start();
    await fleet.clock.advance('1s');
    expect(runs).toBe(6);
    expect(r!.fleet.completed).toEqual([0, 1, 2, 3, 4].map((i) => ({ name: `job-${i}`, at: T0 + 1000 })));
    // A failing fleet slows no run down, and is logged once.
    r!.fleet.down = true;
    await fleet.clock.advance('3s');
    expect(runs).toBe(24);
    expect(r!.fleet.completed.length).toBeGreaterThan(5);
    const warnings = r!.logger.lines.filter(([level, m]) => level === 'warn' && /failed to record/.test(m));
    expect(warnings).toHaveLength(1);
    r!.fleet.down = false;
    await fleet.clock.advance('1s');
    const last = await fleet.server.lastCompleted(['job-0', 'untracked']);
    expect([...last].map(([name, at]) => [name, at.getTime() - T0])).toEqual([['job-0', 5000]]);
    await fleet.close();
  });
});

describe('missedRuns without a fleet', () => {
  test("catchUpWithin has no effect, and 'all' runs a stalled process's missed occurrences as 'once' does", async () => {
    for (const missedRuns of ['once', 'all'] as const) {
      const { clock, scheduler } = setup();
      const runs: number[] = [];
      scheduler.newJob(durationJob('1m'), ({ scheduledAt }) => void runs.push(scheduledAt.getTime() - T0), {
        name: 'tick',
        missedRuns,
        catchUpWithin: '1h',
      });
      scheduler.start();
      await clock.advance('1m');
      // The machine slept for 4.5 minutes: its timer for 00:02 fires at 00:06:30.
      await clock.set(T0 + 5.5 * MINUTE);
      await clock.advance('90s');
      // 00:02 ran once, late; 00:03 to 00:06 were not replayed; then 00:07 on time.
      expect(runs, missedRuns).toEqual([MINUTE, 2 * MINUTE, 7 * MINUTE]);
      await scheduler.shutdown();
    }
  });
});
