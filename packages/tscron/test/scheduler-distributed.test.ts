import { describe, expect, test } from 'vitest';
import { HeldLocks } from '../src/backend/held-locks.js';
import {
  createScheduler,
  durationJob,
  type Elector,
  type JobStatus,
  type Lock,
  type Locker,
  type LockOptions,
  MemoryLocker,
  oneTimeJob,
} from '../src/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { deferred, flush, rel, setup, T0 } from './scheduler-helpers.js';

/** A locker that grants a key to one holder at a time and records what it was asked. */
class TestLocker implements Locker {
  readonly calls: Array<{ key: string; scheduledAt: number | undefined }> = [];
  readonly held = new Set<string>();
  readonly events: string[] = [];
  mode: 'grant' | 'null' | 'reject' = 'grant';
  lost: AbortController | undefined;

  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    this.calls.push({ key, scheduledAt: rel(options.scheduledAt) });
    if (this.mode === 'reject') throw new Error('backend down');
    if (this.mode === 'null' || this.held.has(key)) return null;
    this.held.add(key);
    this.events.push(`lock:${key}`);
    const lost = new AbortController();
    this.lost = lost;
    return {
      fence: 1n,
      lost: lost.signal,
      unlock: async () => {
        this.held.delete(key);
        this.events.push(`unlock:${key}`);
      },
    };
  }
}

class TestElector implements Elector {
  leader: boolean | 'reject' = true;
  asked = 0;
  async isLeader(): Promise<boolean> {
    this.asked++;
    if (this.leader === 'reject') throw new Error('election failed');
    return this.leader;
  }
}

function statuses() {
  const seen: JobStatus[] = [];
  return {
    seen,
    monitor: { incrementJob: (_i: string, _n: string, _t: readonly string[], s: JobStatus) => seen.push(s) },
  };
}

describe('locker', () => {
  test('is asked per run with the job name and scheduledAt; the lock is held through the task', async () => {
    const locker = new TestLocker();
    const { clock, scheduler } = setup({ locker });
    const gate = deferred();
    scheduler.newJob(
      durationJob('1s'),
      async () => {
        locker.events.push('task');
        await gate.promise;
        locker.events.push('task done');
      },
      { name: 'report' },
    );
    scheduler.start();
    await clock.advance('1s');
    expect(locker.calls).toEqual([{ key: 'report', scheduledAt: 1000 }]);
    expect(locker.held.has('report')).toBe(true);
    gate.resolve();
    await flush();
    expect(locker.events).toEqual(['lock:report', 'task', 'task done', 'unlock:report']);
    expect(locker.held.size).toBe(0);
    await scheduler.shutdown();
  });

  test('null: the run is skipped with status skip; a rejection calls afterLockError', async () => {
    const locker = new TestLocker();
    const { seen, monitor } = statuses();
    const { clock, scheduler } = setup({ locker, monitor });
    const log: string[] = [];
    let runs = 0;
    const job = scheduler.newJob(
      durationJob('1s'),
      () => {
        runs++;
      },
      {
        name: 'j',
        eventListeners: {
          afterLockError: (id, name, error) => log.push(`${id === job.id}:${name}:${String(error)}`),
          beforeJobRuns: () => log.push('before'),
        },
      },
    );
    scheduler.start();
    locker.mode = 'null';
    await clock.advance('1s');
    locker.mode = 'reject';
    await clock.advance('1s');
    locker.mode = 'grant';
    await clock.advance('1s');
    expect(runs).toBe(1);
    expect(seen).toEqual(['skip', 'skip', 'success']);
    expect(log).toEqual(['true:j:Error: backend down', 'before']);
    expect(job.lastRun()?.getTime()).toBe(T0 + 3000);
    await scheduler.shutdown();
  });

  test("the job's locker wins over the scheduler's; false disables it", async () => {
    const shared = new TestLocker();
    const own = new TestLocker();
    const { clock, scheduler } = setup({ locker: shared });
    scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'a' });
    scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'b', locker: own });
    scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'c', locker: false });
    scheduler.start();
    await clock.advance(0);
    expect(shared.calls.map((call) => call.key)).toEqual(['a']);
    expect(own.calls.map((call) => call.key)).toEqual(['b']);
    await scheduler.shutdown();
  });

  test('limitedRuns under a locker: the last run is not aborted when the job leaves', async () => {
    const locker = new TestLocker();
    const { clock, scheduler } = setup({ locker });
    const signals: AbortSignal[] = [];
    scheduler.newJob(
      durationJob('1s'),
      async ({ signal }) => {
        signals.push(signal);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 100));
      },
      { name: 'limited', limitedRuns: 1 },
    );
    scheduler.start();
    await clock.advance('1050ms');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
    // The job leaves when its last run ends, not when it starts.
    expect(scheduler.jobs()).toHaveLength(1);
    await clock.advance('100ms');
    expect(scheduler.jobs()).toEqual([]);
    await clock.advance('2s');
    expect(signals).toHaveLength(1);
    expect(locker.events).toEqual(['lock:limited', 'unlock:limited']);
    await scheduler.shutdown();
  });

  test('held through retries, released once after', async () => {
    const locker = new TestLocker();
    const { clock, scheduler } = setup({ locker });
    let calls = 0;
    scheduler.newJob(
      oneTimeJob('immediately'),
      () => {
        calls++;
        locker.events.push(`attempt ${calls}`);
        if (calls < 3) throw new Error('again');
      },
      { name: 'r', retry: { attempts: 3, delay: 100 } },
    );
    scheduler.start();
    await clock.advance(500);
    expect(locker.events).toEqual(['lock:r', 'attempt 1', 'attempt 2', 'attempt 3', 'unlock:r']);
    await scheduler.shutdown();
  });

  test("a lost lock aborts the task's signal", async () => {
    const locker = new TestLocker();
    const { clock, scheduler } = setup({ locker });
    let signal: AbortSignal | undefined;
    scheduler.newJob(
      oneTimeJob('immediately'),
      (context) =>
        new Promise<void>((resolve) => {
          signal = context.signal;
          context.signal.addEventListener('abort', () => resolve());
        }),
      { name: 'l' },
    );
    scheduler.start();
    await clock.advance(0);
    expect(signal?.aborted).toBe(false);
    locker.lost?.abort(new Error('renewal failed'));
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toEqual(new Error('renewal failed'));
    await flush();
    expect(locker.events).toEqual(['lock:l', 'unlock:l']);
    await scheduler.shutdown();
  });

  test('a lost lock aborts its own run only, though runs of a job share a signal where they can', async () => {
    // Locks as the backends make them (renewed, reporting loss through a callback); a key's claim is
    // lost when its renewal finds it gone.
    const gone = new Set<string>();
    const held = new HeldLocks({ owner: 'TestLocker', renewInterval: 10, timeout: 1000 });
    const claim = (key: string, scheduledAt: Date) =>
      held.acquire(Promise.resolve(1), {
        extend: async () => !gone.has(`${key}@${rel(scheduledAt)}`),
        release: async () => undefined,
      });
    // Runs due together are claimed in batches: their runs have no signal of their own yet.
    const locker: Locker = {
      lock: (key, { scheduledAt }) => claim(key, scheduledAt),
      lockBatch: (claims) => Promise.all(claims.map(({ key, scheduledAt }) => claim(key, scheduledAt))),
    };
    const { clock, scheduler } = setup({ locker });
    const signals = new Map<string, AbortSignal>();
    for (const name of ['a', 'b']) {
      scheduler.newJob(
        durationJob(1000),
        ({ signal, scheduledAt }) =>
          new Promise<void>((resolve) => {
            signals.set(`${name}@${rel(scheduledAt)}`, signal);
            signal.addEventListener('abort', () => resolve());
          }),
        { name },
      );
    }
    scheduler.start();
    await clock.advance(2000);
    expect([...signals.keys()].sort()).toEqual(['a@1000', 'a@2000', 'b@1000', 'b@2000']);
    const until = async (condition: () => boolean) => {
      for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
    };
    gone.add('a@1000');
    await until(() => signals.get('a@1000')?.aborted === true);
    expect(signals.get('a@1000')?.reason).toMatchObject({ code: 'ERR_LOCK_LOST' });
    expect(signals.get('a@2000')?.aborted).toBe(false);
    gone.add('a@2000');
    await until(() => signals.get('a@2000')?.aborted === true);
    expect(signals.get('a@2000')?.reason).toMatchObject({ code: 'ERR_LOCK_LOST' });
    expect(signals.get('b@1000')?.aborted).toBe(false);
    expect(signals.get('b@2000')?.aborted).toBe(false);
    // Both runs ended: the next one gets a signal that is not aborted.
    await clock.advance(1000);
    expect(signals.get('a@3000')?.aborted).toBe(false);
    await scheduler.shutdown({ signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  });

  test('stopJobs while a lock is being acquired: the task does not run and the lock is released', async () => {
    const gate = deferred<Lock | null>();
    const released: string[] = [];
    const locker: Locker = { lock: () => gate.promise };
    const { clock, scheduler } = setup({ locker });
    let runs = 0;
    scheduler.newJob(
      oneTimeJob('immediately'),
      () => {
        runs++;
      },
      { name: 's' },
    );
    scheduler.start();
    await clock.advance(0);
    const stopping = scheduler.stopJobs();
    gate.resolve({ unlock: async () => void released.push('s') });
    await stopping;
    expect(runs).toBe(0);
    expect(released).toEqual(['s']);
    await scheduler.shutdown();
  });

  test('duration jobs under a locker count from the epoch, so replicas agree', async () => {
    const { clock, scheduler } = setup({ locker: new TestLocker() });
    await clock.advance(1234);
    scheduler.start();
    const job = scheduler.newJob(durationJob('10s'), () => {}, { name: 'aligned' });
    expect(job.nextRun()?.getTime()).toBe(T0 + 10_000);
    const free = scheduler.newJob(durationJob('10s'), () => {}, { name: 'free', locker: false });
    expect(free.nextRun()?.getTime()).toBe(T0 + 11_234);
    await scheduler.shutdown();
  });

  test('an anonymous task needs a name under a locker or an elector', async () => {
    const anonymous = [() => {}][0] as () => void;
    for (const options of [{ locker: new TestLocker() }, { elector: new TestElector() }]) {
      const { scheduler } = setup(options);
      expect(() => scheduler.newJob(durationJob('1s'), anonymous)).toThrow(
        expect.objectContaining({ code: 'ERR_JOB_NAME_REQUIRED' }),
      );
      scheduler.newJob(durationJob('1s'), anonymous, { name: 'named' });
      scheduler.newJob(durationJob('1s'), function named() {});
      await scheduler.shutdown();
    }
    const { scheduler } = setup({ locker: new TestLocker() });
    scheduler.newJob(durationJob('1s'), anonymous, { locker: false });
    await scheduler.shutdown();
  });

  test('two schedulers sharing a MemoryLocker run each occurrence once', async () => {
    const clock = new FakeClock(T0);
    const first = new MemoryLocker({ clock, ttl: '5s', minHold: '500ms' });
    const second = new MemoryLocker({ clock, ttl: '5s', minHold: '500ms', shareWith: first });
    const runs: Array<[string, number | undefined]> = [];
    const schedulers = [first, second].map((locker, index) => {
      const scheduler = createScheduler({ clock, timeZone: 'UTC', locker });
      scheduler.newJob(
        durationJob('1s'),
        ({ scheduledAt }) => {
          runs.push([`s${index}`, rel(scheduledAt)]);
        },
        { name: 'shared' },
      );
      scheduler.start();
      return scheduler;
    });
    await clock.advance('5s');
    expect(runs.map(([, at]) => at)).toEqual([1000, 2000, 3000, 4000, 5000]);
    for (const scheduler of schedulers) await scheduler.shutdown();
    await first.close();
    await second.close();
  });
});

describe('elector', () => {
  test('only the leader runs; false skips with status skip; a rejection calls afterLockError', async () => {
    const elector = new TestElector();
    const locker = new TestLocker();
    const { seen, monitor } = statuses();
    const { clock, scheduler } = setup({ elector, locker, monitor });
    const errors: string[] = [];
    let runs = 0;
    scheduler.newJob(
      durationJob('1s'),
      () => {
        runs++;
      },
      { name: 'e', eventListeners: { afterLockError: (_id, _name, error) => errors.push(String(error)) } },
    );
    scheduler.start();
    await clock.advance('1s');
    elector.leader = false;
    await clock.advance('1s');
    elector.leader = 'reject';
    await clock.advance('1s');
    expect(runs).toBe(1);
    expect(elector.asked).toBe(3);
    expect(seen).toEqual(['success', 'skip', 'skip']);
    expect(errors).toEqual(['Error: election failed']);
    // As in gocron, with an elector the locker is not consulted.
    expect(locker.calls).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('the lock in the task context', () => {
  test('a task reads the fence of the lock it runs under', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const locker = new MemoryLocker({ clock });
    const scheduler = createScheduler({ clock, locker, timeZone: 'UTC' });
    const fences: Array<bigint | undefined> = [];
    scheduler.newJob(durationJob('1s'), ({ lock }) => void fences.push(lock?.fence), { name: 'fenced' });
    scheduler.start();
    await clock.advance('3s');
    await scheduler.shutdown();
    expect(fences).toHaveLength(3);
    expect(fences.every((fence) => typeof fence === 'bigint')).toBe(true);
    expect(fences[0]! < fences[1]! && fences[1]! < fences[2]!).toBe(true);
  });

  test('without a locker there is no lock', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const scheduler = createScheduler({ clock, timeZone: 'UTC' });
    const locks: unknown[] = [];
    scheduler.newJob(durationJob('1s'), ({ lock }) => void locks.push(lock), { name: 'plain' });
    scheduler.start();
    await clock.advance('1s');
    await scheduler.shutdown();
    expect(locks).toEqual([undefined]);
  });
});
