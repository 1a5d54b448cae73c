import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bounded,
  Campaign,
  Coalescer,
  callerDirectory,
  checkLockRequest,
  electorTimings,
  HeldLocks,
  lockerTimings,
  renewalWindow,
} from 'tscron/backend';
import { describe, expect, it } from 'vitest';
import { isTscronError, TscronError } from '../src/errors.js';

const never = new Promise<never>(() => undefined);
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('bounded', () => {
  it('rejects with ERR_LOCK_TIMEOUT naming the operation and the timeout', async () => {
    const error = await bounded(never, 20, 'TestLocker lock').catch((e: unknown) => e);
    expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
    expect((error as Error).message).toBe('TestLocker lock timed out after 20ms');
  });

  it('wraps a driver error as ERR_LOCK_BACKEND_FAILED with it as cause; passes a TscronError on', async () => {
    const driver = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = await bounded(Promise.reject(driver), 1000, 'TestLocker lock').catch((e: unknown) => e);
    expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    expect((error as Error).message).toBe('TestLocker lock failed: connect ECONNREFUSED 127.0.0.1:1');
    expect((error as Error).cause).toBe(driver);
    const own = new TscronError('ERR_INVALID_OPTION', 'newer schema');
    await expect(bounded(Promise.reject(own), 1000, 'x')).rejects.toBe(own);
  });

  it("rejects with the signal's reason and hands a late value to `late`", async () => {
    const controller = new AbortController();
    const late: string[] = [];
    const pending = bounded(later(30, 'claimed'), 1000, 'x', controller.signal, (v) => late.push(v));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await later(50, undefined);
    expect(late).toEqual(['claimed']);
  });
});

describe('HeldLocks', () => {
  const settings = { owner: 'TestLocker', renewInterval: 20, timeout: 200 };

  it('returns null when the occurrence is taken, a lock with the fence when claimed', async () => {
    const locks = new HeldLocks(settings);
    const ops = { extend: async () => true, release: async () => undefined };
    expect(await locks.acquire(Promise.resolve(null), ops)).toBeNull();
    const lock = await locks.acquire(Promise.resolve('42'), ops);
    expect(lock?.fence).toBe(42n);
    expect(locks.size).toBe(1);
    await locks.releaseAll();
    expect(locks.size).toBe(0);
  });

  it('aborts lost with ERR_LOCK_LOST, with the renewal error as cause', async () => {
    const locks = new HeldLocks(settings);
    const failure = new Error('READONLY');
    const gone = await locks.acquire(Promise.resolve(1), {
      extend: async () => false,
      release: async () => undefined,
    });
    const failing = await locks.acquire(Promise.resolve(2), {
      extend: () => Promise.reject(failure),
      release: async () => undefined,
    });
    await later(60, undefined);
    const expired = gone?.lost?.reason as TscronError;
    expect(isTscronError(expired, 'ERR_LOCK_LOST')).toBe(true);
    expect(expired.message).toBe('TestLocker: the lock expired or was taken over');
    expect(expired.cause).toBeUndefined();
    const reason = failing?.lost?.reason as TscronError;
    expect(isTscronError(reason, 'ERR_LOCK_LOST')).toBe(true);
    expect(isTscronError(reason.cause, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    expect((reason.cause as Error).cause).toBe(failure);
    expect(locks.size).toBe(0);
  });

  it('rejects an unlock that times out with ERR_LOCK_TIMEOUT', async () => {
    const locks = new HeldLocks({ ...settings, renewInterval: 1000, timeout: 20 });
    const lock = await locks.acquire(Promise.resolve(1), { extend: async () => true, release: () => never });
    const error = await lock?.unlock().catch((e: unknown) => e);
    expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
    expect((error as Error).message).toBe('TestLocker unlock timed out after 20ms');
  });
});

describe('Campaign', () => {
  it('leads after a successful first attempt and records a failed one', async () => {
    const ok = new Campaign({
      owner: 'TestElector',
      campaign: async () => true,
      resign: async () => undefined,
      lease: 1000,
      retryPeriod: 100,
    });
    expect(await ok.isLeader()).toBe(true);
    await ok.close(100);
    const failing = new Campaign({
      owner: 'TestElector',
      campaign: () => Promise.reject(new Error('down')),
      resign: async () => undefined,
      lease: 1000,
      retryPeriod: 100,
    });
    expect(await failing.isLeader()).toBe(false);
    expect(isTscronError(failing.lastError, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    await failing.close(100);
  });
});

describe('options and checks', () => {
  it('reads the shared defaults and rejects what is out of order', () => {
    expect(lockerTimings('L', {})).toEqual({ ttl: 30_000, minHold: 10_000, renewInterval: 10_000 });
    expect(lockerTimings('L', { ttl: '3s', minHold: 0 })).toEqual({
      ttl: 3000,
      minHold: 0,
      renewInterval: 1000,
    });
    expect(electorTimings('E', {})).toEqual({ lease: 15_000, retryPeriod: 2_000 });
    expect(() => lockerTimings('L', { ttl: '1s', renewInterval: '1s' })).toThrow(
      'L renewInterval (1000ms) must be shorter than ttl (1000ms)',
    );
    expect(() => electorTimings('E', { lease: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('checks lock requests', () => {
    expect(checkLockRequest('L', 'job', new Date(5))).toBe(5);
    expect(() => checkLockRequest('L', '', new Date(5))).toThrow(
      expect.objectContaining({ code: 'ERR_LOCK_KEY_INVALID' }),
    );
    expect(() => checkLockRequest('L', 'job', new Date(Number.NaN))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('callerDirectory names the folder of the calling module', () => {
    expect(join(callerDirectory(), 'backend.test.ts')).toBe(fileURLToPath(import.meta.url));
  });
});

describe('Coalescer', () => {
  it('calls made in one turn share one flush, each settled with its own result', async () => {
    const flushed: number[][] = [];
    const coalescer = new Coalescer<number, string>(async (items) => {
      flushed.push([...items]);
      return items.map((item) => `r${item}`);
    });
    const results = await Promise.all([coalescer.add(1), coalescer.add(2), coalescer.add(3)]);
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(await coalescer.add(4)).toBe('r4');
    expect(flushed).toEqual([[1, 2, 3], [4]]);
  });

  it('a failed flush rejects every caller of it, and the next flush starts afresh', async () => {
    let fail = true;
    const coalescer = new Coalescer<number, number>(async (items) => {
      if (fail) throw new Error('server gone');
      return items;
    });
    const outcomes = await Promise.allSettled([coalescer.add(1), coalescer.add(2)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await coalescer.add(3)).toBe(3);
  });

  it('with a window, calls a few milliseconds apart still share one flush', async () => {
    let flushes = 0;
    const coalescer = new Coalescer<number, number>(async (items) => {
      flushes++;
      return items;
    }, 30);
    const first = coalescer.add(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = coalescer.add(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(flushes).toBe(1);
  });
});

describe('renewalWindow', () => {
  it('is the least of the cap, a fifth of the renew interval and a quarter of the slack before the ttl', () => {
    expect(renewalWindow(30_000, 10_000, 1000)).toBe(1000);
    expect(renewalWindow(3000, 1000, 1000)).toBe(200);
    expect(renewalWindow(1200, 1000, 1000)).toBe(50);
  });
});
