import { afterEach, describe, expect, test, vi } from 'vitest';
import { clearCronCache } from '../src/cron/compile.js';
// weeklyJob is not in the barrel yet; import it from its module.
import { weeklyJob } from '../src/definitions.js';
import {
  atTime,
  createScheduler,
  cronJob,
  dailyJob,
  durationJob,
  durationRandomJob,
  type Job,
  monthlyJob,
  nextRuns,
  oneTimeJob,
} from '../src/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { deferred, flush, rel, setup, T0 } from './scheduler-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('newJob', () => {
  test('returns a handle with id, name, tags and definition', async () => {
    const { scheduler } = setup();
    function nightly() {}
    const definition = durationJob('1m');
    const job = scheduler.newJob(definition, nightly, { tags: ['a', 'b'] });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.name).toBe('nightly');
    expect(job.tags).toEqual(['a', 'b']);
    expect(job.definition).toBe(definition);
    expect(job.lastRun()).toBeUndefined();
    expect(job.isRunning()).toBe(false);
    expect(job.isPaused()).toBe(false);
    const named = scheduler.newJob(durationJob('1m'), () => {}, { name: 'custom', id: 'my-id' });
    expect(named.name).toBe('custom');
    expect(named.id).toBe('my-id');
    // An anonymous task without a name option is named by its id.
    const anonymous = scheduler.newJob(durationJob('1m'), [() => {}][0] as () => void);
    expect(anonymous.name).toBe(anonymous.id);
    await scheduler.shutdown();
  });

  test('rejects a missing task, a bad definition and a duplicate id', async () => {
    const { scheduler } = setup();
    expect(() => scheduler.newJob(durationJob('1m'), undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_NEW_JOB_TASK_NIL' }),
    );
    expect(() => scheduler.newJob({ kind: 'nope' } as never, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => scheduler.newJob(null as never, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => scheduler.newJob({ kind: 'duration', every: 0 }, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_DURATION_JOB_INTERVAL_ZERO' }),
    );
    scheduler.newJob(durationJob('1m'), () => {}, { id: 'x' });
    expect(() => scheduler.newJob(durationJob('1m'), () => {}, { id: 'x' })).toThrow(/"x" exists already/);
    expect(scheduler.jobs()).toHaveLength(1);
    await scheduler.shutdown();
  });

  test('a one-time job with every instant past is rejected; past instants beside future ones are dropped', async () => {
    const { clock, scheduler } = setup();
    expect(() => scheduler.newJob(oneTimeJob(T0 - 1), () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST' }),
    );
    expect(() => scheduler.newJob(oneTimeJob([T0 - 20, T0 - 10]), () => {})).toThrow(
      /2025-12-31T23:59:59\.990Z/,
    );
    const runs: number[] = [];
    const job = scheduler.newJob(oneTimeJob([T0 + 10, T0 - 10]), ({ scheduledAt }) => {
      runs.push(scheduledAt.getTime() - T0);
    });
    scheduler.start();
    expect(job.nextRuns(5).map(rel)).toEqual([10]);
    await clock.advance('1s');
    expect(runs).toEqual([10]);
    await scheduler.shutdown();
  });
});

describe('jobs, removeJob, removeByTags', () => {
  test('jobs() lists in creation order; removal by id and by tags', async () => {
    const { scheduler } = setup();
    const a = scheduler.newJob(durationJob('1m'), () => {}, { name: 'a', tags: ['x'] });
    const b = scheduler.newJob(durationJob('1m'), () => {}, { name: 'b', tags: ['y'] });
    const c = scheduler.newJob(durationJob('1m'), () => {}, { name: 'c', tags: ['x', 'z'] });
    const d = scheduler.newJob(durationJob('1m'), () => {}, { name: 'd' });
    expect(scheduler.jobs().map((job) => job.name)).toEqual(['a', 'b', 'c', 'd']);
    scheduler.removeJob(b.id);
    expect(() => scheduler.removeJob(b.id)).toThrow(expect.objectContaining({ code: 'ERR_JOB_NOT_FOUND' }));
    expect(() => scheduler.removeJob('unknown')).toThrow(/"unknown"/);
    scheduler.removeByTags();
    scheduler.removeByTags('nothing');
    expect(scheduler.jobs()).toHaveLength(3);
    scheduler.removeByTags('z', 'x');
    expect(scheduler.jobs()).toEqual([d]);
    expect(a.nextRun()).toBeUndefined();
    expect(c.nextRun()).toBeUndefined();
    await scheduler.shutdown();
  });

  test('removing a job while it runs aborts its signal; the run ends on its own', async () => {
    const { clock, scheduler } = setup();
    const gate = deferred();
    let signal: AbortSignal | undefined;
    const job = scheduler.newJob(durationJob('1s'), async (context) => {
      signal = context.signal;
      await gate.promise;
    });
    scheduler.start();
    await clock.advance('1s');
    expect(job.isRunning()).toBe(true);
    scheduler.removeJob(job.id);
    expect(signal?.aborted).toBe(true);
    expect(job.isRunning()).toBe(true);
    expect(scheduler.jobs()).toEqual([]);
    gate.resolve();
    await flush();
    expect(job.isRunning()).toBe(false);
    await clock.advance('5s');
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
  });

  test('jobs() keeps creation order through many removals, re-added slots and updates', async () => {
    const { scheduler } = setup();
    const made = Array.from({ length: 100 }, (_, i) =>
      scheduler.newJob(durationJob('1m'), () => {}, { name: `j${i}` }),
    );
    // Enough removals to compact the order list; new jobs then reuse the freed slots.
    for (const job of made) if (Number(job.name.slice(1)) % 5 !== 0) scheduler.removeJob(job.id);
    const added = Array.from({ length: 10 }, (_, i) =>
      scheduler.newJob(durationJob('1m'), () => {}, { name: `n${i}` }),
    );
    scheduler.update(made[10]?.id as string, durationJob('2m'), () => {}, { name: 'j10-updated' });
    const expected = [
      ...made.filter((_, i) => i % 5 === 0).map((job) => job.name),
      ...added.map((job) => job.name),
    ];
    expect(scheduler.jobs().map((job) => job.name)).toEqual(expected);
    expect(expected).toContain('j10-updated');
    await scheduler.shutdown();
  });

  test('a removed job keeps its last run, and a job in its freed slot does not touch it', async () => {
    const { clock, scheduler } = setup();
    const old = scheduler.newJob(durationJob('1s'), () => {});
    scheduler.start();
    await clock.advance('2s');
    const lastRun = old.lastRun();
    expect(rel(lastRun)).toBe(2000);
    scheduler.removeJob(old.id);
    const next = scheduler.newJob(durationJob('1s'), () => {});
    await clock.advance('3s');
    expect(rel(next.lastRun())).toBe(5000);
    expect(old.lastRun()).toEqual(lastRun);
    expect(old.nextRun()).toBeUndefined();
    expect(old.nextRuns(3)).toEqual([]);
    expect(old.isRunning()).toBe(false);
    await scheduler.shutdown();
    // Shut down, jobs keep their last runs too.
    expect(rel(next.lastRun())).toBe(5000);
  });

  test('an id is the same every time it is read, and finds its job', async () => {
    const { scheduler } = setup();
    const job = scheduler.newJob(durationJob('1m'), () => {});
    const listed = scheduler.jobs()[0] as Job;
    expect(listed.id).toBe(job.id);
    expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(job.name).toBe(job.id);
    scheduler.removeJob(listed.id);
    expect(scheduler.jobs()).toEqual([]);
    await scheduler.shutdown();
  });

  test('a job can remove itself from its task', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const job: Job = scheduler.newJob(durationJob('1s'), () => {
      runs++;
      scheduler.removeJob(job.id);
    });
    scheduler.start();
    await clock.advance('5s');
    expect(runs).toBe(1);
    await scheduler.shutdown();
  });
});

describe('nextRun and nextRuns', () => {
  const definitions = {
    duration: durationJob('90s'),
    cron: cronJob('*/20 9-17 * * MON-FRI'),
    daily: dailyJob(2, [atTime(9, 30), atTime(18)]),
    weekly: weeklyJob(2, [1, 4], [atTime(8)]),
    monthly: monthlyJob(1, [1, -1], [atTime(0, 5)]),
    oneTime: oneTimeJob([T0 + 5000, T0 + 86_400_000]),
  };
  for (const [kind, definition] of Object.entries(definitions)) {
    test(`agree with nextRuns() for a ${kind} job started at from`, async () => {
      const { scheduler } = setup();
      const job = scheduler.newJob(definition, () => {});
      scheduler.start();
      expect(job.nextRuns(6)).toEqual(nextRuns(definition, 6, { from: T0, timeZone: 'UTC' }));
      expect(job.nextRun()).toEqual(job.nextRuns(1)[0]);
      await scheduler.shutdown();
    });
  }

  test('jobs sharing a cron expression each follow their own zone and DST policy', async () => {
    clearCronCache();
    const from = Date.UTC(2026, 2, 7, 12); // the day before New York springs forward
    const clock = new FakeClock(from);
    const newYork = createScheduler({ clock, timeZone: 'America/New_York' });
    const london = createScheduler({ clock, timeZone: 'Europe/London' });
    const definition = cronJob('30 2 * * *'); // 02:30 does not exist in New York on 8 March 2026
    const shifted = newYork.newJob(definition, () => {});
    const skipped = newYork.newJob(definition, () => {}, { dstPolicy: 'skip' });
    const inLondon = london.newJob(definition, () => {});
    newYork.start();
    london.start();
    const iso = (job: Job) => job.nextRuns(2).map((date) => date.toISOString());
    expect(iso(shifted)).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(iso(skipped)).toEqual(['2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    expect(iso(inLondon)).toEqual(['2026-03-08T02:30:00.000Z', '2026-03-09T02:30:00.000Z']);
    // And they run then: the compiled expression is looked up again for each run.
    await clock.advance(Date.UTC(2026, 2, 9, 7) - from);
    expect(shifted.lastRun()?.toISOString()).toBe('2026-03-09T06:30:00.000Z');
    expect(skipped.lastRun()?.toISOString()).toBe('2026-03-09T06:30:00.000Z');
    expect(inLondon.lastRun()?.toISOString()).toBe('2026-03-09T02:30:00.000Z');
    await Promise.all([newYork.shutdown(), london.shutdown()]);
  });

  test('follow the runs already made, and stop at stopAt and limitedRuns', async () => {
    const { clock, scheduler } = setup();
    const job = scheduler.newJob(durationJob('1s'), () => {}, { stopAt: T0 + 5500 });
    const limited = scheduler.newJob(durationJob('1s'), () => {}, { limitedRuns: 3 });
    scheduler.start();
    await clock.advance('2s');
    expect(job.nextRuns(10).map(rel)).toEqual([3000, 4000, 5000]);
    expect(limited.nextRuns(10).map(rel)).toEqual([3000]);
    expect(job.nextRuns(0)).toEqual([]);
    expect(() => job.nextRuns(-1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await scheduler.shutdown();
  });

  test('a durationRandom job lists only its next run', async () => {
    const { scheduler } = setup();
    const job = scheduler.newJob(durationRandomJob('1s', '2s'), () => {});
    scheduler.start();
    expect(job.nextRuns(5)).toHaveLength(1);
    await scheduler.shutdown();
  });
});

describe('durationRandom and oneTime', () => {
  test('a durationRandom job waits between min and max each time', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(durationRandomJob('1s', '2s'), () => {
      runs.push(clock.now());
    });
    scheduler.start();
    await clock.advance('30s');
    expect(runs.length).toBeGreaterThanOrEqual(15);
    let previous = T0;
    for (const at of runs) {
      expect(at - previous).toBeGreaterThanOrEqual(1000);
      expect(at - previous).toBeLessThan(2000);
      previous = at;
    }
    await scheduler.shutdown();
  });

  test('one-time jobs run once at each instant, or immediately', async () => {
    const { clock, scheduler } = setup();
    const runs: string[] = [];
    scheduler.newJob(oneTimeJob('immediately'), () => {
      runs.push(`now@${clock.now() - T0}`);
    });
    const listed = scheduler.newJob(oneTimeJob([T0 + 3000, new Date(T0 + 1000)]), ({ scheduledAt }) => {
      runs.push(`at@${rel(scheduledAt)}`);
    });
    scheduler.start();
    await clock.advance('10s');
    expect(runs).toEqual(['now@0', 'at@1000', 'at@3000']);
    expect(listed.nextRun()).toBeUndefined();
    await scheduler.shutdown();
  });

  test('delays beyond 2^31-1 ms work', async () => {
    const { clock, scheduler } = setup();
    const at = T0 + 40 * 86_400_000; // 40 days
    const runs: number[] = [];
    scheduler.newJob(oneTimeJob(at), () => {
      runs.push(clock.now());
    });
    scheduler.start();
    await clock.advance('959h59m59s');
    expect(runs).toEqual([]);
    await clock.advance('1s');
    expect(runs).toEqual([at]);
    await scheduler.shutdown();
  });
});

describe('the task', () => {
  test('receives signal, job and scheduledAt; runs at the scheduled instants without drift', async () => {
    const { clock, scheduler } = setup();
    const seen: Array<[number | undefined, number, boolean]> = [];
    let handle: Job | undefined;
    const job = scheduler.newJob(durationJob('1s'), async ({ signal, job, scheduledAt }) => {
      handle = job;
      seen.push([rel(scheduledAt), clock.now() - T0, signal.aborted]);
      await clock.advance(0); // a no-op advance inside a task is harmless
    });
    scheduler.start();
    await clock.advance('3s');
    expect(handle).toBe(job);
    expect(seen).toEqual([
      [1000, 1000, false],
      [2000, 2000, false],
      [3000, 3000, false],
    ]);
    expect(rel(job.lastRun())).toBe(3000);
    await scheduler.shutdown();
  });

  test('nothing a task throws, rejects with or never settles escapes', async () => {
    const { clock, scheduler } = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const errors: unknown[] = [];
    const eventListeners = {
      afterJobRunsWithError: (_id: string, _name: string, error: unknown) => errors.push(error),
    };
    const thrown = new Error('thrown');
    scheduler.newJob(
      durationJob('1s'),
      () => {
        throw thrown;
      },
      { eventListeners, name: 'throws' },
    );
    scheduler.newJob(durationJob('1s'), () => Promise.reject('a string'), {
      eventListeners,
      name: 'rejects',
    });
    scheduler.newJob(
      durationJob('1s'),
      () => {
        throw 42;
      },
      { eventListeners, name: 'non-error' },
    );
    scheduler.newJob(durationJob('1s'), () => new Promise(() => {}), { eventListeners, name: 'never' });
    scheduler.newJob(
      durationJob('1s'),
      // A thenable whose then() throws.
      () => badThenable,
      {
        eventListeners,
        name: 'thenable',
      },
    );
    scheduler.start();
    await clock.advance('2s');
    await flush();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(errors).toContain(thrown);
    expect(errors).toContain('a string');
    expect(errors).toContain(42);
    expect(errors.filter((error) => error instanceof Error && error.message === 'bad thenable')).toHaveLength(
      2,
    );
    expect(errors).toHaveLength(8);
    const stopping = scheduler.shutdown().catch((error: unknown) => error);
    await clock.advance('10s');
    expect(await stopping).toMatchObject({ code: 'ERR_STOP_JOBS_TIMED_OUT' });
  });
});

const badThenable = Object.defineProperty({}, 'then', {
  value: () => {
    throw new Error('bad thenable');
  },
});

describe('runNow', () => {
  test('runs at once without moving the schedule', async () => {
    const { clock, scheduler } = setup();
    const runs: Array<number | undefined> = [];
    const job = scheduler.newJob(durationJob('10s'), ({ scheduledAt }) => {
      runs.push(rel(scheduledAt));
    });
    scheduler.start();
    await clock.advance('3s');
    await job.runNow();
    expect(runs).toEqual([3000]);
    expect(rel(job.lastRun())).toBe(3000);
    expect(rel(job.nextRun())).toBe(10_000);
    await clock.advance('7s');
    expect(runs).toEqual([3000, 10_000]);
    await scheduler.shutdown();
  });

  test('as gocron: a one-time job that ran can run again; runNow during a singleton run is dropped', async () => {
    const { clock, scheduler } = setup();
    let oneTime = 0;
    const once = scheduler.newJob(oneTimeJob('immediately'), () => {
      oneTime++;
    });
    let singleton = 0;
    const single = scheduler.newJob(
      durationJob('10s'),
      () => {
        singleton++;
        return new Promise<void>((resolve) => clock.setTimeout(resolve, 200));
      },
      { startAt: 'immediately', singletonMode: 'reschedule' },
    );
    scheduler.start();
    await clock.advance(100);
    await once.runNow();
    await single.runNow();
    await clock.advance(1000);
    expect(oneTime).toBe(2);
    expect(singleton).toBe(1);
    expect(rel(single.nextRun())).toBe(10_000);
    await scheduler.shutdown();
  });

  test('as gocron: a one-time job under a wait limit with limitedRuns 1 runs once', async () => {
    const { clock, scheduler } = setup({ limitConcurrentJobs: { limit: 1, mode: 'wait' } });
    let runs = 0;
    scheduler.newJob(
      oneTimeJob('immediately'),
      () => {
        runs++;
      },
      { limitedRuns: 1 },
    );
    scheduler.start();
    await clock.advance(150);
    await scheduler.shutdown();
    expect(runs).toBe(1);
  });

  test('fails when the scheduler is not started, or the job is gone', async () => {
    const { scheduler } = setup();
    const job = scheduler.newJob(durationJob('10s'), () => {});
    await expect(job.runNow()).rejects.toMatchObject({ code: 'ERR_JOB_RUN_NOW_FAILED' });
    scheduler.start();
    scheduler.removeJob(job.id);
    await expect(job.runNow()).rejects.toThrow(/no longer in the scheduler/);
    await scheduler.shutdown();
  });
});

describe('pause and resume', () => {
  test('a paused job does not run; resume goes on from the next occurrence', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const job = scheduler.newJob(durationJob('1s'), () => {
      runs.push(clock.now() - T0);
    });
    scheduler.start();
    await clock.advance('2s');
    job.pause();
    job.pause();
    expect(job.isPaused()).toBe(true);
    expect(job.nextRun()).toBeUndefined();
    await clock.advance('3500ms');
    expect(runs).toEqual([1000, 2000]);
    job.resume();
    job.resume();
    expect(job.isPaused()).toBe(false);
    expect(rel(job.nextRun())).toBe(6000);
    await clock.advance('1s');
    expect(runs).toEqual([1000, 2000, 6000]);
    await job.runNow(); // runNow works on a paused job too
    await scheduler.shutdown();
  });

  test('a job paused before start stays paused', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const job = scheduler.newJob(durationJob('1s'), () => {
      runs++;
    });
    job.pause();
    scheduler.start();
    await clock.advance('3s');
    expect(runs).toBe(0);
    job.resume();
    await clock.advance('1s');
    expect(runs).toBe(1);
    await scheduler.shutdown();
  });
});

describe('update', () => {
  test('keeps the id and place, aborts the run in progress, applies the new schedule', async () => {
    const { clock, scheduler } = setup();
    const gate = deferred();
    const signals: AbortSignal[] = [];
    const first = scheduler.newJob(
      durationJob('1s'),
      async ({ signal }) => {
        signals.push(signal);
        await gate.promise;
      },
      { name: 'v1' },
    );
    const other = scheduler.newJob(durationJob('1h'), () => {});
    scheduler.start();
    await clock.advance('1s');
    expect(first.isRunning()).toBe(true);
    const runs: number[] = [];
    const updated = scheduler.update(
      first.id,
      durationJob('5s'),
      () => {
        runs.push(clock.now() - T0);
      },
      { name: 'v2' },
    );
    expect(signals[0]?.aborted).toBe(true);
    expect(updated.id).toBe(first.id);
    expect(first.name).toBe('v2');
    expect(scheduler.jobs()).toEqual([updated, other]);
    expect(rel(first.nextRun())).toBe(6000);
    gate.resolve();
    await clock.advance('10s');
    expect(runs).toEqual([6000, 11_000]);
    expect(() => scheduler.update('missing', durationJob('1s'), () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_JOB_NOT_FOUND' }),
    );
    // A bad update leaves the job as it was.
    expect(() => scheduler.update(first.id, durationJob('1s'), () => {}, { limitedRuns: 0 })).toThrow();
    expect(first.name).toBe('v2');
    await scheduler.shutdown();
  });
});

describe('limitedRuns', () => {
  test('the job is removed after N runs; the last run is not aborted', async () => {
    const { clock, scheduler } = setup();
    const signals: AbortSignal[] = [];
    const job = scheduler.newJob(
      durationJob('1s'),
      ({ signal }) => {
        signals.push(signal);
      },
      { limitedRuns: 2 },
    );
    scheduler.start();
    await clock.advance('5s');
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => !signal.aborted)).toBe(true);
    expect(scheduler.jobs()).toEqual([]);
    expect(job.nextRun()).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
  });

  test('runNow counts as a run', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const job = scheduler.newJob(
      durationJob('1s'),
      () => {
        runs++;
      },
      { limitedRuns: 2 },
    );
    scheduler.start();
    await job.runNow();
    await clock.advance('5s');
    expect(runs).toBe(2);
    await expect(job.runNow()).rejects.toMatchObject({ code: 'ERR_JOB_RUN_NOW_FAILED' });
    await scheduler.shutdown();
  });
});

describe('startAt and stopAt', () => {
  test("startAt 'immediately' runs at start, then on the definition's schedule", async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(
      durationJob('10s'),
      () => {
        runs.push(clock.now() - T0);
      },
      { startAt: 'immediately' },
    );
    scheduler.newJob(
      cronJob('* * * * *'),
      () => {
        runs.push(-(clock.now() - T0));
      },
      { startAt: 'immediately' },
    );
    await clock.advance('5s');
    scheduler.start();
    await clock.advance('60s');
    expect(runs).toEqual([5000, -5000, 15_000, 25_000, 35_000, 45_000, 55_000, -60_000, 65_000]);
    await scheduler.shutdown();
  });

  test('startAt an instant: the first run there, then every interval from it', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const job = scheduler.newJob(
      durationJob('10s'),
      () => {
        runs.push(clock.now() - T0);
      },
      { startAt: new Date(T0 + 2500) },
    );
    scheduler.start();
    expect(job.nextRuns(3).map(rel)).toEqual([2500, 12_500, 22_500]);
    await clock.advance('30s');
    expect(runs).toEqual([2500, 12_500, 22_500]);
    await scheduler.shutdown();
  });

  test('stopAt: no run at or after it; the job leaves the scheduler (as gocron since v2.17)', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const job = scheduler.newJob(
      durationJob('1s'),
      () => {
        runs.push(clock.now() - T0);
      },
      { stopAt: T0 + 3000 },
    );
    scheduler.start();
    await clock.advance('10s');
    expect(runs).toEqual([1000, 2000]);
    expect(job.nextRun()).toBeUndefined();
    expect(scheduler.jobs()).toEqual([]);
    expect(rel(job.lastRun())).toBe(2000);
    await expect(job.runNow()).rejects.toThrow(/no longer in the scheduler/);
    await scheduler.shutdown();
  });

  test('validation: past start, past stop, start after stop', async () => {
    const { scheduler } = setup();
    const task = () => {};
    expect(() => scheduler.newJob(durationJob('1s'), task, { startAt: T0 - 1 })).toThrow(
      expect.objectContaining({
        code: 'ERR_WITH_START_DATE_TIME_PAST',
        message: expect.stringContaining('2025-12-31T23:59:59.999Z'),
      }),
    );
    expect(() => scheduler.newJob(durationJob('1s'), task, { stopAt: new Date(T0 - 1) })).toThrow(
      expect.objectContaining({ code: 'ERR_WITH_STOP_DATE_TIME_PAST' }),
    );
    expect(() => scheduler.newJob(durationJob('1s'), task, { startAt: T0 + 10, stopAt: T0 + 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_START_TIME_LATER_THAN_END_TIME' }),
    );
    expect(() => scheduler.newJob(durationJob('1s'), task, { startAt: new Date(Number.NaN) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    await scheduler.shutdown();
  });
});

describe('signal option', () => {
  test('aborting it removes the job and aborts its run', async () => {
    const { clock, scheduler } = setup();
    const controller = new AbortController();
    const gate = deferred();
    let runSignal: AbortSignal | undefined;
    const job = scheduler.newJob(
      durationJob('1s'),
      async ({ signal }) => {
        runSignal = signal;
        await gate.promise;
      },
      { signal: controller.signal },
    );
    scheduler.start();
    await clock.advance('1s');
    controller.abort(new Error('bye'));
    expect(scheduler.jobs()).toEqual([]);
    expect(runSignal?.aborted).toBe(true);
    expect(runSignal?.reason).toEqual(new Error('bye'));
    expect(job.nextRun()).toBeUndefined();
    gate.resolve();
    await scheduler.shutdown();
  });

  test('an already aborted signal: the job never joins', async () => {
    const { scheduler } = setup();
    const job = scheduler.newJob(durationJob('1s'), () => {}, { signal: AbortSignal.abort() });
    scheduler.start();
    expect(scheduler.jobs()).toEqual([]);
    expect(job.nextRun()).toBeUndefined();
    await scheduler.shutdown();
  });
});

describe('intervalFromCompletion', () => {
  test('the next run counts from the end of the previous one', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.newJob(
      durationJob('1s'),
      async () => {
        runs.push(clock.now() - T0);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 500));
      },
      { intervalFromCompletion: true },
    );
    scheduler.start();
    await clock.advance('5s');
    expect(runs).toEqual([1000, 2500, 4000]);
    await scheduler.shutdown();
  });

  test('other kinds ignore it, as gocron does (so it can be a global option)', async () => {
    const { clock, scheduler } = setup({ globalJobOptions: { intervalFromCompletion: true } });
    const runs: number[] = [];
    scheduler.newJob(cronJob('* * * * * *', { withSeconds: true }), () => {
      runs.push(clock.now() - T0);
      return new Promise<void>((resolve) => clock.setTimeout(resolve, 300));
    });
    scheduler.start();
    await clock.advance('3500ms');
    expect(runs).toEqual([1000, 2000, 3000]);
    await scheduler.shutdown();
  });
});
