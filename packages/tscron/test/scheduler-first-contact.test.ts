// What a newcomer's first script meets: the task context, failures that are not silent by default,
// a shutdown that cannot crash the process, and a dead lock backend that does not pile up attempts.
import { inspect } from 'node:util';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  durationJob,
  type JobContext,
  type Lock,
  type Locker,
  type LockOptions,
  oneTimeJob,
  silentLogger,
} from '../src/index.js';
import { recordingLogger, setup } from './scheduler-helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the task context', () => {
  test('is an object of its own: spreading keeps every field, logging shows nothing internal', async () => {
    const { clock, scheduler } = setup({ logger: silentLogger });
    const seen: JobContext[] = [];
    const job = scheduler.newJob(
      durationJob('1s'),
      (context) => {
        seen.push({ ...context });
        if (context.attempt === 1) throw new Error('first try fails');
      },
      { name: 'ctx', retry: { attempts: 1 } },
    );
    scheduler.start();
    await clock.advance('1s');
    expect(seen).toHaveLength(2);
    const [first, second] = seen as [JobContext, JobContext];
    expect(Object.keys(first).sort()).toEqual(['attempt', 'job', 'lock', 'scheduledAt', 'signal']);
    expect(first.signal).toBeInstanceOf(AbortSignal);
    expect(first.scheduledAt.toISOString()).toBe('2026-01-01T00:00:01.000Z');
    expect(first.job).toBe(job);
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    const shown = inspect(first, { depth: 4 });
    expect(shown).toContain("name: 'ctx'");
    expect(shown).not.toMatch(/table|cfg|bySlot|flags/);
    await scheduler.shutdown();
  });

  test('a job logs and serialises as who it is and when it runs next', async () => {
    const { scheduler } = setup();
    const job = scheduler.newJob(durationJob('1m'), () => {}, { name: 'report', id: 'r1', tags: ['daily'] });
    scheduler.start();
    expect(JSON.parse(JSON.stringify(job))).toEqual({
      id: 'r1',
      name: 'report',
      tags: ['daily'],
      definition: { kind: 'duration', every: 60_000 },
      nextRun: '2026-01-01T00:01:00.000Z',
    });
    const shown = inspect(job);
    expect(shown).toContain("name: 'report'");
    expect(shown).not.toMatch(/table|cfg|slot/);
    await scheduler.shutdown();
  });

  test('each run gets the signal of its abort: removal aborts the runs of that job only', async () => {
    const { clock, scheduler } = setup();
    const signals = new Map<string, AbortSignal>();
    const task = (context: JobContext) => {
      signals.set(context.job.name, context.signal);
      return new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
    };
    const a = scheduler.newJob(oneTimeJob('immediately'), task, { name: 'a' });
    scheduler.newJob(oneTimeJob('immediately'), task, { name: 'b' });
    scheduler.start();
    await clock.advance(1);
    scheduler.removeJob(a.id);
    expect(signals.get('a')?.aborted).toBe(true);
    expect(signals.get('b')?.aborted).toBe(false);
    await scheduler.shutdown();
    expect(signals.get('b')?.aborted).toBe(true);
  });

  test('a run after a stop and a restart gets a fresh signal', async () => {
    const { clock, scheduler } = setup();
    const signals: AbortSignal[] = [];
    scheduler.newJob(durationJob('1s'), ({ signal }) => {
      signals.push(signal);
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    scheduler.start();
    await clock.advance('1s');
    await scheduler.stopJobs();
    scheduler.start();
    await clock.advance('1s');
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false]);
    await scheduler.shutdown();
  });
});

describe('failures are never silent by default', () => {
  const failing = () => {
    throw new Error('disk full');
  };

  test('a failed task with no listener or monitor is printed once with console.error', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { clock, scheduler } = setup();
    scheduler.newJob(durationJob('1s'), failing, { name: 'backup', retry: { attempts: 2 } });
    scheduler.start();
    await clock.advance('1s');
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[0]).toMatch(/job "backup" .* failed/);
    expect(printed.mock.calls[0]?.[1]).toMatchObject({ message: 'disk full' });
    await scheduler.shutdown();
  });

  test('a listener or monitor that hears of failures, or a logger, takes over; silentLogger drops them', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const heard: string[] = [];
    const logger = recordingLogger();
    const cases = [
      setup({
        globalJobOptions: { eventListeners: { afterJobRunsWithError: () => void heard.push('listener') } },
      }),
      setup({ monitor: { jobFailed: () => void heard.push('monitor') } }),
      setup({ logger }),
      setup({ logger: silentLogger }),
    ];
    for (const { scheduler } of cases) {
      scheduler.newJob(durationJob('1s'), failing, { name: 'backup' });
      scheduler.start();
    }
    for (const { clock } of cases) await clock.advance('1s');
    expect(printed).not.toHaveBeenCalled();
    expect(heard).toEqual(['listener', 'monitor']);
    expect(logger.lines).toContainEqual(['error', expect.stringMatching(/job "backup" .* failed/)]);
    for (const { scheduler } of cases) await scheduler.shutdown();
  });

  test('a lock error nobody hears of is printed once; with afterLockError it is not', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const locker: Locker = {
      lock: async () => {
        throw new Error('connection refused');
      },
    };
    const { clock, scheduler } = setup({ locker });
    const heard: unknown[] = [];
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'quiet' });
    scheduler.newJob(durationJob('1s'), () => {}, {
      name: 'heard',
      eventListeners: { afterLockError: (_id, _name, error) => void heard.push(error) },
    });
    scheduler.start();
    await clock.advance('1s');
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[0]).toMatch(/job "quiet": the locker failed; the run for .* is skipped/);
    expect(heard).toHaveLength(1);
    await scheduler.shutdown();
  });
});

describe('stops are not failures', () => {
  test('a task that rejects because its signal aborted at shutdown is not printed as a failure', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { clock, scheduler } = setup();
    scheduler.newJob(oneTimeJob('immediately'), ({ signal }) => {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    scheduler.newJob(oneTimeJob('immediately'), ({ signal }) => {
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError'))),
      );
    });
    scheduler.start();
    await clock.advance(1);
    await scheduler.shutdown();
    expect(printed).not.toHaveBeenCalled();
  });

  test('a timeout is still a failure', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { clock, scheduler } = setup();
    scheduler.newJob(oneTimeJob('immediately'), () => new Promise<void>(() => {}), {
      name: 'slow',
      timeout: '1s',
    });
    scheduler.start();
    await clock.advance('1001ms');
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]?.[1]).toMatchObject({ code: 'ERR_JOB_TIMED_OUT' });
    await scheduler.shutdown();
  });
});

describe('shutdown is safe as documented', () => {
  test('process.on("SIGTERM", () => scheduler.shutdown()) with a task outliving stopTimeout: logged, no unhandled rejection', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { clock, scheduler } = setup({ stopTimeout: '1s' });
      scheduler.newJob(oneTimeJob('immediately'), () => new Promise<void>(() => {}), { name: 'stuck' });
      scheduler.start();
      await clock.advance(1);
      void scheduler.shutdown(); // what the README's one-liner does: nobody handles the promise
      await clock.advance('1s');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(printed).toHaveBeenCalledWith(
        expect.stringMatching(/^tscron: shutdown: 1 run\(s\) still going after the stop timeout of 1s/),
      );
      // The shutdown is over: later calls resolve at once.
      await expect(scheduler.shutdown()).resolves.toBeUndefined();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('an awaited stopJobs that times out rejects with a message naming stopJobs', async () => {
    const { clock, scheduler } = setup({ stopTimeout: '1s', logger: silentLogger });
    scheduler.newJob(oneTimeJob('immediately'), () => new Promise<void>(() => {}));
    scheduler.start();
    await clock.advance(1);
    const stopped = scheduler.stopJobs();
    await clock.advance('1s');
    await expect(stopped).rejects.toMatchObject({
      code: 'ERR_STOP_JOBS_TIMED_OUT',
      message: expect.stringMatching(/^stopJobs: /),
    });
    await scheduler.shutdown({ signal: AbortSignal.abort() }).catch(() => {});
  });
});

/** A locker whose server never answers: each attempt waits until its signal aborts. */
class DeadLocker implements Locker {
  attempts = 0;
  pending = 0;
  lock(_key: string, { signal }: LockOptions): Promise<Lock | null> {
    this.attempts++;
    this.pending++;
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        this.pending--;
        reject(signal.reason);
      });
    });
  }
}

describe('a lock backend that does not answer', () => {
  test('a job keeps at most one lock attempt in flight; shutdown is not reported as a lock error', async () => {
    const logger = recordingLogger();
    const locker = new DeadLocker();
    const { clock, scheduler } = setup({ locker, logger });
    const lockErrors: unknown[] = [];
    scheduler.newJob(durationJob('1s'), () => {}, {
      name: 'every-second',
      eventListeners: { afterLockError: (_id, _name, error) => void lockErrors.push(error) },
    });
    scheduler.start();
    await clock.advance('5s');
    expect(locker.attempts).toBe(1);
    expect(locker.pending).toBe(1);
    expect(
      logger.lines.filter(([, line]) => line.includes('previous lock attempt is still pending')),
    ).toHaveLength(4);
    await scheduler.shutdown();
    expect(locker.pending).toBe(0);
    expect(lockErrors).toEqual([]);
  });
});

describe('timerSlack', () => {
  test('runs due closer together than the slack share a wake, a little late, never early', async () => {
    const { clock, scheduler } = setup({ timerSlack: '4ms' });
    const starts: Array<[number, number]> = [];
    const T = clock.now();
    for (const offset of [1000, 1001, 1002, 1003, 1005, 1020]) {
      scheduler.newJob(oneTimeJob(T + offset), ({ scheduledAt }) => {
        starts.push([scheduledAt.getTime() - T, clock.now() - T]);
      });
    }
    scheduler.start();
    await clock.advance('2s');
    expect(starts).toEqual([
      [1000, 1000],
      [1001, 1004],
      [1002, 1004],
      [1003, 1004],
      [1005, 1008],
      [1020, 1020],
    ]);
    expect(() => setup({ timerSlack: '2s' })).toThrow(/timerSlack: must be between 0 and 1s, got "2s"/);
    await scheduler.shutdown();
  });
});
