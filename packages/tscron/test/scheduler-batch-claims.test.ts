// Runs due together claim their locks in batches (Locker.lockBatch), with back-pressure, not loss.
import { describe, expect, test } from 'vitest';
import {
  cronJob,
  durationJob,
  type Lock,
  type LockClaim,
  type Locker,
  type LockOptions,
  MemoryLocker,
  MemoryRunHistory,
  silentLogger,
} from '../src/index.js';
import type { FakeClock } from '../src/testing/index.js';
import { type Deferred, deferred, flush, recordingLogger, setup } from './scheduler-helpers.js';

/** A MemoryLocker that counts calls and can hold batch answers back until the test releases them. */
class CountingLocker implements Locker {
  readonly inner: MemoryLocker;
  singles = 0;
  readonly batches: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  hold: Deferred<void> | undefined;
  fail: Error | undefined;
  readonly signals: AbortSignal[] = [];

  constructor(clock: FakeClock) {
    this.inner = new MemoryLocker({ clock, minHold: '10s' });
  }

  lock(key: string, options: LockOptions): Promise<Lock | null> {
    this.singles++;
    return this.inner.lock(key, options);
  }

  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    this.batches.push(claims.length);
    this.signals.push(options.signal);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold !== undefined) {
        const held = this.hold.promise;
        await new Promise<void>((resolve, reject) => {
          void held.then(resolve);
          options.signal.addEventListener('abort', () => reject(options.signal.reason));
        });
      }
      if (this.fail !== undefined) throw this.fail;
      return await this.inner.lockBatch(claims, options);
    } finally {
      this.inFlight--;
    }
  }
}

describe('a burst through a batching locker', () => {
  const make = (count: number, extra = {}) => {
    const { clock, scheduler } = setup({ logger: silentLogger, ...extra });
    const locker = new CountingLocker(clock);
    const runs = new Map<string, number>();
    const lockErrors: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `tenant-${i}`;
      scheduler.newJob(cronJob('0 * * * *'), () => void runs.set(name, (runs.get(name) ?? 0) + 1), {
        name,
        locker,
        eventListeners: { afterLockError: (_id, jobName) => void lockErrors.push(jobName) },
      });
    }
    return { clock, scheduler, locker, runs, lockErrors };
  };

  test('50 jobs due at once: one lockBatch call of 50, no lock() call, each runs once', async () => {
    const { clock, scheduler, locker, runs } = make(50);
    scheduler.start();
    await clock.advance('1h');
    expect(locker.batches).toEqual([50]);
    expect(locker.singles).toBe(0);
    expect(runs.size).toBe(50);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    await scheduler.shutdown();
  });

  test('2,500 jobs: batches of at most 1,000, at most 4 calls in flight; a lone job uses lock()', async () => {
    const { clock, scheduler, locker, runs } = make(2500);
    scheduler.newJob(durationJob('7m'), () => {}, { name: 'alone', locker });
    scheduler.start();
    await clock.advance('7m');
    expect(locker.singles).toBe(1);
    await clock.advance('53m');
    expect(locker.batches).toEqual([1000, 1000, 500]);
    expect(locker.maxInFlight).toBeLessThanOrEqual(4);
    expect(runs.size).toBe(2500);
    await scheduler.shutdown();
  });

  test('back-pressure: claims wait behind slow calls and none is lost', async () => {
    const { clock, scheduler, locker, runs, lockErrors } = make(6000);
    locker.hold = deferred();
    scheduler.start();
    await clock.advance('1h');
    expect(locker.batches).toEqual([1000, 1000, 1000, 1000]);
    expect(runs.size).toBe(0);
    locker.hold.resolve();
    await clock.advance(1);
    expect(locker.batches).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(runs.size).toBe(6000);
    expect(lockErrors).toEqual([]);
    await scheduler.shutdown();
  });

  test('a failed batch fails each of its claims with afterLockError; the next burst claims again', async () => {
    const { clock, scheduler, locker, runs, lockErrors } = make(20);
    locker.fail = new Error('connection reset');
    scheduler.start();
    await clock.advance('1h');
    expect(lockErrors).toHaveLength(20);
    expect(runs.size).toBe(0);
    locker.fail = undefined;
    await clock.advance('1h');
    expect(runs.size).toBe(20);
    await scheduler.shutdown();
  });

  test('late claims: reported as falling behind; missedRuns skip drops them, once runs them late', async () => {
    const behind: Array<[number, number]> = [];
    const logger = recordingLogger();
    const { clock, scheduler } = setup({
      logger,
      monitor: { runsBehind: (n, worst) => void behind.push([n, worst]) },
    });
    const locker = new CountingLocker(clock);
    let skipped = 0;
    let late = 0;
    for (let i = 0; i < 10; i++) {
      scheduler.newJob(cronJob('0 * * * *'), () => void skipped++, {
        name: `skip-${i}`,
        locker,
        missedRuns: 'skip',
      });
      scheduler.newJob(cronJob('0 * * * *'), () => void late++, { name: `once-${i}`, locker });
    }
    locker.hold = deferred();
    scheduler.start();
    await clock.advance('1h');
    await clock.advance('1500ms');
    locker.hold.resolve();
    await clock.advance(1);
    expect(skipped).toBe(0);
    expect(late).toBe(10);
    expect(behind).toEqual([[1, 1500]]);
    expect(logger.lines).toContainEqual(['warn', expect.stringMatching(/^tscron: falling behind: 1 run/)]);
    await scheduler.shutdown();
  });

  test('shutdown aborts the calls in flight; a claim cut short is no lock error', async () => {
    const { clock, scheduler, locker, lockErrors } = make(30);
    locker.hold = deferred();
    scheduler.start();
    await clock.advance('1h');
    expect(locker.signals).toHaveLength(1);
    await scheduler.shutdown();
    expect(locker.signals[0]?.aborted).toBe(true);
    expect(lockErrors).toEqual([]);
  });
});

describe("claims later than the locker's minHold", () => {
  /** As CountingLocker, and says how long its claims hold, so that the scheduler bounds claims by it. */
  class HoldingLocker extends CountingLocker {
    readonly minHold = 2000;
  }

  test('claims still waiting for their turn after minHold are not sent: skipped as missed, with one warning', async () => {
    const logger = recordingLogger();
    const history = new MemoryRunHistory({ perJob: 1 });
    const { clock, scheduler } = setup({ logger, history });
    const locker = new HoldingLocker(clock);
    let runs = 0;
    for (let i = 0; i < 6000; i++) {
      scheduler.newJob(cronJob('0 * * * *'), () => void runs++, { name: `tenant-${i}`, locker });
    }
    locker.hold = deferred();
    scheduler.start();
    await clock.advance('1h');
    expect(locker.batches).toEqual([1000, 1000, 1000, 1000]);
    await clock.advance('3s');
    locker.hold.resolve();
    await clock.advance(1);
    // The four batches sent in time run; the 2,000 claims still waiting were never sent.
    expect(locker.batches).toEqual([1000, 1000, 1000, 1000]);
    expect(runs).toBe(4000);
    const warnings = logger.lines.filter(([level, line]) => level === 'warn' && line.includes('minHold'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[1]).toContain("could not be sent within half the locker's minHold of 2s");
    // The others go to debug, and are counted in the next such warning.
    expect(
      logger.lines.filter(([level, line]) => level === 'debug' && line.includes('minHold')),
    ).toHaveLength(1999);
    await flush();
    const statuses = (await history.list({ limit: 10_000 })).map((run) => run.status);
    expect(statuses.filter((status) => status === 'missed')).toHaveLength(2000);
    expect(statuses.filter((status) => status === 'success')).toHaveLength(4000);
    await scheduler.shutdown();
  });

  test('after a stall longer than minHold, the late occurrence is not claimed; with minHold 0 it runs late', async () => {
    for (const minHold of ['2s', 0] as const) {
      const logger = recordingLogger();
      const { clock, scheduler } = setup({ logger });
      const locker = new MemoryLocker({ clock, minHold });
      const ran: number[] = [];
      scheduler.newJob(durationJob('10s'), ({ scheduledAt }) => void ran.push(scheduledAt.getTime()), {
        name: 'stalled',
        locker,
      });
      scheduler.start();
      await clock.advance('2s');
      // The process stalls: its timer fires a minute late by the wall clock.
      await clock.set(clock.now() + 60_000);
      await clock.advance('8s');
      const tooLate = logger.lines.some(([, line]) => line.includes("within half the locker's minHold"));
      if (minHold === 0) {
        expect(ran).toHaveLength(1);
        expect(tooLate).toBe(false);
      } else {
        expect(ran).toEqual([]);
        expect(tooLate).toBe(true);
      }
      await scheduler.shutdown();
    }
  });
});
