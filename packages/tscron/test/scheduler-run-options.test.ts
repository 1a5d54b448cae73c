import { afterEach, describe, expect, test, vi } from 'vitest';
import { durationJob, oneTimeJob, TscronError } from '../src/index.js';
import { rel, setup, T0 } from './scheduler-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('missed runs', () => {
  test("default 'once': after a sleep, one late run, then the schedule goes on", async () => {
    const { clock, scheduler } = setup();
    const runs: Array<[number | undefined, number]> = [];
    scheduler.newJob(durationJob('10s'), ({ scheduledAt }) => {
      runs.push([rel(scheduledAt), clock.now() - T0]);
    });
    scheduler.start();
    await clock.advance('10s');
    // The machine sleeps for an hour: the wall clock jumps, timers do not move.
    await clock.set(clock.now() + 3_600_000);
    await clock.advance('20s');
    // The timer armed for 00:00:20 fires 10 s later by the monotonic clock, at 01:00:20 on the wall.
    expect(runs).toEqual([
      [10_000, 10_000],
      [20_000, 3_620_000],
      [3_630_000, 3_630_000],
    ]);
    await scheduler.shutdown();
  });

  test("'skip': occurrences noticed late are dropped", async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(
      durationJob('10s'),
      () => {
        runs.push(clock.now() - T0);
      },
      { missedRuns: 'skip' },
    );
    scheduler.start();
    await clock.advance('10s');
    await clock.set(clock.now() + 3_600_000);
    await clock.advance('20s');
    expect(runs).toEqual([10_000, 3_630_000]);
    await scheduler.shutdown();
  });

  test('a stalled event loop does not replay a backlog', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(durationJob('100ms'), () => {
      runs.push(clock.now() - T0);
    });
    scheduler.start();
    await clock.advance('100ms');
    await clock.set(clock.now() + 450); // a 450 ms stall
    await clock.advance('250ms');
    expect(runs).toEqual([100, 650, 700, 800]);
    await scheduler.shutdown();
  });

  test('a wall clock set back is noticed: duration jobs keep their period', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(durationJob('10s'), () => {
      runs.push(clock.now() - T0);
    });
    scheduler.start();
    await clock.advance('10s');
    await clock.set(clock.now() - 3_600_000);
    await clock.advance('60s');
    // Within one timer cap (30 s) the scheduler re-reads the clock and runs every 10 s again.
    const after = runs.filter((at) => at < 0);
    expect(after.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < after.length; i++)
      expect((after[i] as number) - (after[i - 1] as number)).toBe(10_000);
    await scheduler.shutdown();
  });
});

describe('jitter', () => {
  test('delays each run by a random time below jitter; scheduledAt is unchanged', async () => {
    const { clock, scheduler } = setup();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const runs: Array<[number | undefined, number]> = [];
    const job = scheduler.newJob(
      durationJob('10s'),
      ({ scheduledAt }) => {
        runs.push([rel(scheduledAt), clock.now() - T0]);
      },
      { jitter: '2s' },
    );
    scheduler.start();
    expect(rel(job.nextRun())).toBe(10_000);
    await clock.advance('25s');
    expect(runs).toEqual([
      [10_000, 11_000],
      [20_000, 21_000],
    ]);
    await scheduler.shutdown();
  });
});

describe('timeout', () => {
  test('aborts the signal; the run fails with ERR_JOB_TIMED_OUT and frees its slot', async () => {
    const { clock, scheduler } = setup();
    const errors: unknown[] = [];
    let signal: AbortSignal | undefined;
    const job = scheduler.newJob(
      durationJob('10s'),
      (context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      {
        name: 'slow',
        timeout: '3s',
        singletonMode: 'reschedule',
        eventListeners: { afterJobRunsWithError: (_id, _name, error) => errors.push(error) },
      },
    );
    scheduler.start();
    await clock.advance('12999ms');
    expect(signal?.aborted).toBe(false);
    expect(job.isRunning()).toBe(true);
    await clock.advance(1);
    expect(signal?.aborted).toBe(true);
    expect(job.isRunning()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TscronError);
    expect(errors[0]).toMatchObject({ name: 'TscronError', code: 'ERR_JOB_TIMED_OUT' });
    expect((errors[0] as Error).message).toBe('job "slow" timed out after 3s');
    expect(signal?.reason).toBe(errors[0]);
    await clock.advance('9s'); // the next run is not blocked by the stuck one
    expect(errors).toHaveLength(1);
    expect(job.isRunning()).toBe(true);
    const stopping = scheduler.shutdown();
    await clock.advance('3s');
    await stopping;
  });
});

describe('retry', () => {
  test('retries a failed run with delay and backoff, within the same run', async () => {
    const { clock, scheduler } = setup();
    const attempts: number[] = [];
    const signals = new Set<AbortSignal>();
    const failures: unknown[] = [];
    const successes: string[] = [];
    scheduler.newJob(
      oneTimeJob(T0 + 1000),
      ({ signal }) => {
        attempts.push(clock.now() - T0);
        signals.add(signal);
        if (attempts.length < 4) throw new Error(`attempt ${attempts.length}`);
      },
      {
        retry: { attempts: 3, delay: '1s', backoff: 2 },
        eventListeners: {
          afterJobRunsWithError: (_id, _name, error) => failures.push(error),
          afterJobRuns: (_id, name) => successes.push(name),
        },
        name: 'flaky',
      },
    );
    scheduler.start();
    await clock.advance('20s');
    expect(attempts).toEqual([1000, 2000, 4000, 8000]);
    expect(signals.size).toBe(1);
    expect(failures).toEqual([]);
    expect(successes).toEqual(['flaky']);
    await scheduler.shutdown();
  });

  test('gives up after the attempts with the last error', async () => {
    const { clock, scheduler } = setup();
    const failures: unknown[] = [];
    let calls = 0;
    scheduler.newJob(
      oneTimeJob('immediately'),
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      {
        retry: { attempts: 2 },
        eventListeners: { afterJobRunsWithError: (_id, _name, error) => failures.push(error) },
      },
    );
    scheduler.start();
    await clock.advance(10);
    expect(calls).toBe(3);
    expect(failures).toEqual([new Error('failure 3')]);
    await scheduler.shutdown();
  });

  test('stopJobs ends a run that waits to retry', async () => {
    const { clock, scheduler } = setup();
    let calls = 0;
    const failures: unknown[] = [];
    scheduler.newJob(
      oneTimeJob('immediately'),
      () => {
        calls++;
        throw new Error('nope');
      },
      {
        retry: { attempts: 5, delay: '1m' },
        eventListeners: { afterJobRunsWithError: (_id, _name, error) => failures.push(error) },
      },
    );
    scheduler.start();
    await clock.advance(10);
    await scheduler.stopJobs();
    expect(calls).toBe(1);
    expect(failures).toEqual([new Error('nope')]);
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
  });
});

describe('intervalFromCompletion with skipped runs', () => {
  test('a run dropped by the concurrency limit or the elector still plans the next one', async () => {
    let leader = true;
    const { clock, scheduler } = setup({
      limitConcurrentJobs: { limit: 1, mode: 'reschedule' },
      elector: { isLeader: async () => leader },
    });
    const runs: Array<[string, number]> = [];
    scheduler.newJob(
      durationJob('1s'),
      () => {
        runs.push(['blocker', clock.now() - T0]);
        return new Promise<void>((resolve) => clock.setTimeout(resolve, 1500));
      },
      { name: 'blocker', startAt: T0 + 500, limitedRuns: 1 },
    );
    scheduler.newJob(
      durationJob('1s'),
      () => {
        runs.push(['steady', clock.now() - T0]);
      },
      { name: 'steady', intervalFromCompletion: true },
    );
    scheduler.start();
    await clock.advance('2500ms'); // 1 s: dropped (limit), 2 s: runs
    leader = false;
    await clock.advance('1s'); // 3 s: skipped (not leader)
    leader = true;
    await clock.advance('1s'); // 4 s: runs
    expect(runs).toEqual([
      ['blocker', 500],
      ['steady', 2000],
      ['steady', 4000],
    ]);
    await scheduler.shutdown();
  });
});
