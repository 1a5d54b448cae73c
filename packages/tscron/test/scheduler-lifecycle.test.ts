import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createScheduler, durationJob, isTscronError, oneTimeJob, systemClock } from '../src/index.js';
import { deferred, flush, rel, setup, T0 } from './scheduler-helpers.js';

describe('start', () => {
  test('nothing runs before start; start is idempotent', async () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const job = scheduler.newJob(durationJob('1s'), () => {
      runs.push(clock.now() - T0);
    });
    expect(job.nextRun()).toBeUndefined();
    await clock.advance('3s');
    expect(runs).toEqual([]);
    scheduler.start();
    scheduler.start();
    expect(rel(job.nextRun())).toBe(4000);
    await clock.advance('3s');
    expect(runs).toEqual([4000, 5000, 6000]);
    await scheduler.shutdown();
  });

  test('a job added to a running scheduler is scheduled at once', async () => {
    const { clock, scheduler } = setup();
    scheduler.start();
    await clock.advance(500);
    const runs: number[] = [];
    const job = scheduler.newJob(durationJob('1s'), () => {
      runs.push(clock.now() - T0);
    });
    expect(rel(job.nextRun())).toBe(1500);
    await clock.advance(2000);
    expect(runs).toEqual([1500, 2500]);
    await scheduler.shutdown();
  });

  test('an idle scheduler arms no timer', async () => {
    const { clock, scheduler } = setup();
    scheduler.start();
    expect(clock.pendingTimers()).toBe(0);
    const job = scheduler.newJob(durationJob('1h'), () => {});
    expect(clock.pendingTimers()).toBe(1);
    scheduler.removeJob(job.id);
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
  });
});

describe('stopJobs', () => {
  test('aborts running tasks, waits for them, and start works again', async () => {
    const { clock, scheduler } = setup();
    const signals: AbortSignal[] = [];
    const runs: number[] = [];
    scheduler.newJob(durationJob('1s'), ({ signal }) => {
      runs.push(clock.now() - T0);
      signals.push(signal);
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => setImmediate(resolve)));
    });
    scheduler.start();
    await clock.advance('1s');
    expect(runs).toEqual([1000]);
    let stopped = false;
    const stopping = scheduler.stopJobs().then(() => {
      stopped = true;
    });
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(DOMException);
    await stopping;
    expect(stopped).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance('5s');
    expect(runs).toEqual([1000]);
    // Restart: the schedule counts from the restart.
    scheduler.start();
    await clock.advance('2s');
    expect(runs).toEqual([1000, 7000, 8000]);
    await scheduler.shutdown();
  });

  test('rejects ERR_STOP_JOBS_TIMED_OUT when a task outlives stopTimeout', async () => {
    const { clock, scheduler } = setup({ stopTimeout: '2s' });
    scheduler.newJob(oneTimeJob('immediately'), () => new Promise(() => {}));
    scheduler.start();
    await clock.advance(0);
    const stopping = scheduler.stopJobs();
    const outcome = stopping.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await clock.advance(1999);
    await flush();
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await outcome;
    expect(isTscronError(error, 'ERR_STOP_JOBS_TIMED_OUT')).toBe(true);
    expect(String((error as Error).message)).toMatch(/1 run/);
    // The stuck task still holds its slot: shutdown waits for it again, up to stopTimeout.
    const shutting = scheduler.shutdown().catch((reason: unknown) => reason);
    await clock.advance('2s');
    expect(isTscronError(await shutting, 'ERR_STOP_JOBS_TIMED_OUT')).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('resolves at once when nothing runs', async () => {
    const { clock, scheduler } = setup();
    scheduler.newJob(durationJob('1s'), () => {});
    scheduler.start();
    await clock.advance('1s');
    await scheduler.stopJobs();
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
  });
});

describe('shutdown', () => {
  test('is final: newJob throws, jobs() is empty, later calls resolve at once', async () => {
    const { clock, scheduler } = setup();
    const job = scheduler.newJob(durationJob('1s'), () => {});
    scheduler.start();
    await scheduler.shutdown();
    expect(clock.pendingTimers()).toBe(0);
    expect(scheduler.jobs()).toEqual([]);
    expect(() => scheduler.newJob(durationJob('1s'), () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEDULER_SHUT_DOWN' }),
    );
    expect(() => scheduler.update(job.id, durationJob('1s'), () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEDULER_SHUT_DOWN' }),
    );
    await expect(job.runNow()).rejects.toMatchObject({ code: 'ERR_JOB_RUN_NOW_FAILED' });
    scheduler.start(); // a no-op now
    expect(clock.pendingTimers()).toBe(0);
    await scheduler.shutdown();
    await scheduler.stopJobs();
    expect(job.nextRun()).toBeUndefined();
  });

  test('concurrent calls share one shutdown; it waits for running tasks', async () => {
    const { clock, scheduler } = setup();
    const gate = deferred();
    scheduler.newJob(oneTimeJob('immediately'), () => gate.promise);
    scheduler.start();
    await clock.advance(0);
    const first = scheduler.shutdown();
    const second = scheduler.shutdown();
    expect(second).toBe(first);
    let done = false;
    void first.then(() => {
      done = true;
    });
    await flush();
    expect(done).toBe(false);
    gate.resolve();
    await first;
    expect(done).toBe(true);
  });

  test('after a stop timeout, no timer of a stuck run stays pending', async () => {
    const { clock, scheduler } = setup({ stopTimeout: 100 });
    scheduler.newJob(oneTimeJob('immediately'), () => new Promise(() => {}), {
      timeout: '1h',
      name: 'stuck',
    });
    scheduler.start();
    await clock.advance(0);
    const shutting = scheduler.shutdown();
    const result = shutting.catch((error: unknown) => error);
    await clock.advance(100);
    expect(isTscronError(await result, 'ERR_STOP_JOBS_TIMED_OUT')).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    await expect(scheduler.shutdown()).resolves.toBeUndefined();
  });

  test('Symbol.asyncDispose shuts down', async () => {
    const { clock, scheduler } = setup();
    {
      await using disposable = scheduler;
      disposable.newJob(durationJob('1s'), () => {});
      disposable.start();
      expect(clock.pendingTimers()).toBe(1);
    }
    expect(clock.pendingTimers()).toBe(0);
    expect(() => scheduler.newJob(durationJob('1s'), () => {})).toThrow(/shut down/);
  });

  test('with the system clock, no timer is left once shutdown resolved', async () => {
    const pending = new Set<unknown>();
    const clock = {
      now: () => systemClock.now(),
      setTimeout(fn: () => void, ms: number) {
        const handle = systemClock.setTimeout(() => {
          pending.delete(handle);
          fn();
        }, ms);
        pending.add(handle);
        return handle;
      },
      clearTimeout(handle: unknown) {
        pending.delete(handle);
        systemClock.clearTimeout(handle);
      },
    };
    const scheduler = createScheduler({ timeZone: 'UTC', clock });
    scheduler.newJob(durationJob('1h'), () => {});
    scheduler.newJob(durationJob('5h'), () => {}, { timeout: '1m' });
    scheduler.start();
    expect(pending.size).toBe(1);
    await scheduler.shutdown();
    expect(pending.size).toBe(0);
  });

  const runScript = (body: string) => {
    const source = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `const { createScheduler, durationJob } = await import(${JSON.stringify(source)});\n${body}`;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
  };

  test('a started scheduler with a run ahead keeps the process alive until it shuts down', () => {
    const child = runScript(`
      const scheduler = createScheduler();
      let runs = 0;
      scheduler.newJob(durationJob('100ms'), () => {
        if (++runs === 3) void scheduler.shutdown();
      });
      scheduler.start();
      process.on('exit', () => console.log('runs', runs));
    `);
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('runs 3');
    expect(child.status).toBe(0);
  });

  test('a run waiting to retry keeps the process alive', () => {
    const child = runScript(`
      const { oneTimeJob } = await import(${JSON.stringify(fileURLToPath(new URL('../src/index.ts', import.meta.url)))});
      const scheduler = createScheduler({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
      let tries = 0;
      scheduler.newJob(oneTimeJob('immediately'), () => {
        if (++tries === 1) throw new Error('first try');
        void scheduler.shutdown();
      }, { retry: { attempts: 1, delay: '300ms' } });
      scheduler.start();
      process.on('exit', () => console.log('tries', tries));
    `);
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('tries 2');
  });

  test('with unref: true, the timer does not keep the process alive', () => {
    const started = Date.now();
    const child = runScript(`
      const scheduler = createScheduler({ unref: true });
      scheduler.newJob(durationJob('1h'), () => {});
      scheduler.start();
      console.log('started');
    `);
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('started');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
