// Behaviour that follows gocron v2.22 where earlier tscron (and earlier gocron) differed: each case
// names the gocron change it follows.
import { describe, expect, test } from 'vitest';
import {
  atTime,
  cronJob,
  dailyJob,
  durationJob,
  type Job,
  type Monitor,
  oneTimeJob,
  silentLogger,
} from '../src/index.js';
import { rel, setup, T0 } from './scheduler-helpers.js';

/** A monitor that records job registrations and removals by job name, with the time they happened. */
function lifecycleMonitor(now: () => number): Monitor & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    jobRegistered: (job: Job) => void events.push(`+${job.name}@${rel(now())}`),
    jobUnregistered: (job: Job) => void events.push(`-${job.name}@${rel(now())}`),
  };
}

describe('beforeJobRunsSkipIfBeforeFuncErrors (gocron PR 932)', () => {
  test('a skipped run uses none of limitedRuns and sets no lastRun', async () => {
    const { clock, scheduler } = setup({ logger: silentLogger });
    let refuse = true;
    const runs: number[] = [];
    const job = scheduler.newJob(
      durationJob('1s'),
      () => {
        runs.push(clock.now() - T0);
      },
      {
        limitedRuns: 2,
        eventListeners: {
          beforeJobRunsSkipIfBeforeFuncErrors: () => {
            if (refuse) throw new Error('not yet');
          },
        },
      },
    );
    scheduler.start();
    await clock.advance('3s');
    expect(runs).toEqual([]);
    expect(job.lastRun()).toBeUndefined();
    expect(job.nextRun()).toBeDefined();
    refuse = false;
    await clock.advance('5s');
    expect(runs).toEqual([4000, 5000]);
    expect(rel(job.lastRun())).toBe(5000);
    expect(scheduler.jobs()).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('stopAt (gocron PR 922)', () => {
  test('the job leaves, and jobUnregistered fires, once its next run would be at or after stopAt', async () => {
    const clock = { now: () => 0 };
    const monitor = lifecycleMonitor(() => clock.now());
    const { clock: fake, scheduler } = setup({ monitor });
    clock.now = () => fake.now();
    const job = scheduler.newJob(durationJob('1s'), () => {}, { name: 'a', stopAt: T0 + 2500 });
    scheduler.start();
    await fake.advance('1s');
    expect(monitor.events).toEqual(['+a@0']);
    await fake.advance('1s');
    // The run at 2000 is the last: the next (3000) is after stopAt, so the job leaves with that run.
    expect(monitor.events).toEqual(['+a@0', '-a@2000']);
    expect(rel(job.lastRun())).toBe(2000);
    await scheduler.shutdown();
  });

  test('a run in progress when the job leaves is not aborted', async () => {
    const { clock, scheduler } = setup();
    let signal: AbortSignal | undefined;
    let ended = false;
    scheduler.newJob(
      durationJob('1s'),
      async (context) => {
        signal = context.signal;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 700));
        ended = true;
      },
      { stopAt: T0 + 1500 },
    );
    scheduler.start();
    await clock.advance('1100ms');
    expect(scheduler.jobs()).toHaveLength(1);
    await clock.advance('700ms');
    expect(ended).toBe(true);
    expect(signal?.aborted).toBe(false);
    expect(scheduler.jobs()).toEqual([]);
    await scheduler.shutdown();
  });

  test('a job added after its stopAt passed (scheduler started later) leaves at start', async () => {
    const { clock, scheduler } = setup();
    scheduler.newJob(cronJob('0 * * * *'), () => {}, { stopAt: T0 + 60_000 });
    await clock.advance('2m');
    scheduler.start();
    expect(scheduler.jobs()).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('limitedRuns', () => {
  test('the job leaves when its last run ends, not when it starts', async () => {
    const clock = { now: () => 0 };
    const monitor = lifecycleMonitor(() => clock.now());
    const { clock: fake, scheduler } = setup({ monitor });
    clock.now = () => fake.now();
    const job = scheduler.newJob(
      durationJob('1s'),
      () => new Promise<void>((resolve) => fake.setTimeout(resolve, 400)),
      { name: 'twice', limitedRuns: 2 },
    );
    scheduler.start();
    await fake.advance('2100ms');
    expect(job.isRunning()).toBe(true);
    expect(job.nextRun()).toBeUndefined();
    expect(scheduler.jobs()).toEqual([job]);
    await fake.advance('400ms');
    expect(monitor.events).toEqual(['+twice@0', '-twice@2400']);
    expect(scheduler.jobs()).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('lastRunCompletedAt (gocron LastRunCompletedAt)', () => {
  test('is when the last run ended; lastRun stays the dispatch time', async () => {
    const { clock, scheduler } = setup({ logger: silentLogger });
    let fail = false;
    const job = scheduler.newJob(durationJob('1s'), async () => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 250));
      if (fail) throw new Error('boom');
    });
    scheduler.start();
    expect(job.lastRunCompletedAt()).toBeUndefined();
    await clock.advance('1100ms');
    expect(rel(job.lastRun())).toBe(1000);
    expect(job.lastRunCompletedAt()).toBeUndefined();
    await clock.advance('200ms');
    expect(rel(job.lastRunCompletedAt())).toBe(1250);
    fail = true;
    await clock.advance('1s');
    expect(rel(job.lastRun())).toBe(2000);
    expect(rel(job.lastRunCompletedAt())).toBe(2250);
    scheduler.removeJob(job.id);
    expect(rel(job.lastRunCompletedAt())).toBe(2250);
    await scheduler.shutdown();
  });
});

describe('startAtPast (gocron WithStartDateTimePast)', () => {
  test('a past startAt anchors a duration job; the first run is the first occurrence after now', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const job = scheduler.newJob(
      durationJob('10s'),
      ({ scheduledAt }) => {
        runs.push(scheduledAt.getTime() - T0);
      },
      { startAt: T0 - 25_000, startAtPast: true },
    );
    scheduler.start();
    expect(job.nextRuns(3).map(rel)).toEqual([5000, 15_000, 25_000]);
    await clock.advance('20s');
    expect(runs).toEqual([5000, 15_000]);
    await scheduler.shutdown();
  });

  test('a past startAt anchors the interval of a daily job', async () => {
    const { scheduler } = setup();
    // Every 3 days at 06:00 counting from 2025-12-30: the next is 2026-01-02.
    const job = scheduler.newJob(dailyJob(3, [atTime(6)]), () => {}, {
      startAt: Date.UTC(2025, 11, 30),
      startAtPast: true,
    });
    scheduler.start();
    expect(job.nextRuns(2).map((d) => d.toISOString())).toEqual([
      '2026-01-02T06:00:00.000Z',
      '2026-01-05T06:00:00.000Z',
    ]);
    await scheduler.shutdown();
  });

  test('without it a past startAt is still an error', async () => {
    const { scheduler } = setup();
    expect(() => scheduler.newJob(durationJob('1s'), () => {}, { startAt: T0 - 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_WITH_START_DATE_TIME_PAST' }),
    );
    expect(() =>
      scheduler.newJob(durationJob('1s'), () => {}, { startAtPast: 1 as unknown as boolean }),
    ).toThrow(/startAtPast: must be a boolean, got 1/);
    await scheduler.shutdown();
  });
});

describe('startAtGrace (gocron WithStartAtGrace)', () => {
  test('a startAt that passed less than the grace ago runs once, late, at its own scheduledAt', async () => {
    const { clock, scheduler } = setup();
    const runs: Array<[number | undefined, number]> = [];
    scheduler.newJob(
      durationJob('10s'),
      ({ scheduledAt }) => {
        runs.push([rel(scheduledAt), clock.now() - T0]);
      },
      { startAt: T0 - 400, startAtGrace: '1s' },
    );
    scheduler.start();
    await clock.advance('10s');
    expect(runs).toEqual([
      [-400, 0],
      [9600, 9600],
    ]);
    expect(() =>
      scheduler.newJob(durationJob('1s'), () => {}, { startAt: T0 - 2000, startAtGrace: '1s' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_WITH_START_DATE_TIME_PAST' }));
    await scheduler.shutdown();
  });

  test('a cron occurrence missed by a few moments at start runs once, late', async () => {
    const { clock, scheduler } = setup();
    await clock.advance('400ms'); // "deployed" at 00:00:00.400, just after the midnight run
    const late: Array<number | undefined> = [];
    const strict: Array<number | undefined> = [];
    scheduler.newJob(cronJob('0 0 * * *'), ({ scheduledAt }) => void late.push(rel(scheduledAt)), {
      startAtGrace: '1s',
    });
    scheduler.newJob(cronJob('0 0 * * *'), ({ scheduledAt }) => void strict.push(rel(scheduledAt)));
    scheduler.newJob(cronJob('0 0 * * *'), ({ scheduledAt }) => void strict.push(rel(scheduledAt)), {
      startAtGrace: '100ms',
    });
    scheduler.start();
    await clock.advance('1s');
    expect(late).toEqual([0]);
    expect(strict).toEqual([]);
    await scheduler.shutdown();
  });

  test('a one-time job whose only instant passed within the grace still runs', async () => {
    const { clock, scheduler } = setup();
    const runs: Array<number | undefined> = [];
    scheduler.newJob(oneTimeJob(T0 - 300), ({ scheduledAt }) => void runs.push(rel(scheduledAt)), {
      startAtGrace: '1s',
    });
    scheduler.start();
    await clock.advance('10ms');
    expect(runs).toEqual([-300]);
    await scheduler.shutdown();
  });
});

describe('stopJobs and shutdown with a signal (gocron StopJobsWithContext / ShutdownWithContext)', () => {
  const slowTask = (clock: { setTimeout(fn: () => void, ms: number): unknown }) => () =>
    new Promise<void>((resolve) => clock.setTimeout(resolve, 60_000));

  test('the signal bounds the wait instead of stopTimeout', async () => {
    const { clock, scheduler } = setup({ stopTimeout: '1h', logger: silentLogger });
    scheduler.newJob(oneTimeJob('immediately'), slowTask(clock));
    scheduler.start();
    await clock.advance(1);
    const controller = new AbortController();
    const stopped = scheduler.stopJobs({ signal: controller.signal });
    controller.abort(new Error('deadline'));
    await expect(stopped).rejects.toMatchObject({
      code: 'ERR_STOP_JOBS_TIMED_OUT',
      message: expect.stringMatching(/^stopJobs: 1 run\(s\) still going after its signal aborted/),
      cause: expect.objectContaining({ message: 'deadline' }),
    });
    await clock.advance('1m');
    await scheduler.shutdown();
  });

  test('resolves when the runs end before the signal aborts', async () => {
    const { clock, scheduler } = setup();
    scheduler.newJob(oneTimeJob('immediately'), ({ signal }) => {
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    scheduler.start();
    await clock.advance(1);
    await expect(scheduler.shutdown({ signal: new AbortController().signal })).resolves.toBeUndefined();
  });

  test('an already aborted signal rejects at once when runs are in progress; messages name the call', async () => {
    const { clock, scheduler } = setup({ logger: silentLogger });
    scheduler.newJob(oneTimeJob('immediately'), slowTask(clock));
    scheduler.start();
    await clock.advance(1);
    await expect(scheduler.shutdown({ signal: AbortSignal.abort() })).rejects.toThrow(
      /^shutdown: 1 run\(s\)/,
    );
    // Later calls resolve at once.
    await expect(scheduler.shutdown()).resolves.toBeUndefined();
    expect(() => scheduler.stopJobs({ signal: 'soon' as unknown as AbortSignal })).not.toThrow();
  });

  test('bad options are a TscronError naming the value', () => {
    const { scheduler } = setup();
    expect(() => scheduler.stopJobs({ signal: 'soon' as unknown as AbortSignal })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('got "soon"') }),
    );
  });
});
