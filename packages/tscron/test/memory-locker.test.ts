import { describe, expect, it } from 'vitest';
import { isTscronError, type Lock, type Locker, type LockOptions, MemoryLocker } from '../src/index.js';
import {
  type ContractLocker,
  type LockerContractFactory,
  type LockerContractSettings,
  lockerContract,
} from '../src/testing/index.js';

/** Memory lockers that share one table, each behaving as a separate instance. */
function memoryFactory(
  wrap: (locker: MemoryLocker, table: MemoryLocker) => Locker = (l) => l,
): LockerContractFactory {
  const table = new MemoryLocker();
  const instance = (settings: LockerContractSettings): ContractLocker => {
    const locker = new MemoryLocker({ ...settings, shareWith: table });
    return {
      locker: wrap(locker, table),
      kill: async () => locker.abandon(),
      close: () => locker.close(),
    };
  };
  return {
    create: async (settings) => instance(settings),
    createSharing: async (settings) => [instance(settings), instance(settings)],
    isHeld: async (key, at) => table.peek(key, at) !== undefined,
    expire: async (key, at) => {
      table.evict(key, at);
    },
    remainingTtl: async (key, at) => table.peek(key, at)?.expiresIn ?? -1,
  };
}

describe('MemoryLocker passes the locker contract', () => {
  for (const c of lockerContract(memoryFactory(), { batch: true })) it(c.name, c.run, c.timeout);
});

describe('the locker contract catches broken lockers', () => {
  const broken: Array<[string, string, (locker: MemoryLocker, table: MemoryLocker) => Locker]> = [
    [
      'no mutual exclusion',
      'a second instance gets null',
      (locker) => ({
        lock: async (key, options) => (await locker.lock(key, options)) ?? { unlock: async () => {} },
      }),
    ],
    [
      'unlock ignores the token',
      "a stale holder's unlock",
      (locker, table) => ({
        lock: async (key: string, options: LockOptions) => {
          const lock = await locker.lock(key, options);
          if (lock === null) return null;
          return {
            ...lock,
            unlock: async () => {
              await lock.unlock();
              table.evict(key, options.scheduledAt);
            },
          } as Lock;
        },
      }),
    ],
    [
      'no renewal',
      'renewal keeps a long task',
      (locker) => ({
        lock: async (key, options) => {
          const lock = await locker.lock(key, options);
          locker.abandon();
          return lock;
        },
      }),
    ],
    [
      'constant fence',
      'fence strictly increases',
      (locker) => ({
        lock: async (key, options) => {
          const lock = await locker.lock(key, options);
          return lock && { fence: 1n, unlock: () => lock.unlock() };
        },
      }),
    ],
    [
      'no lockBatch though the suite is told it has one',
      'lockBatch: claims every free occurrence',
      (locker) => ({ lock: (key, options) => locker.lock(key, options) }),
    ],
    [
      'a batch that grants occurrences held elsewhere',
      'lockBatch: occurrences held elsewhere come back null',
      (locker) => ({
        lock: (key, options) => locker.lock(key, options),
        lockBatch: async (claims, options) =>
          Promise.all(
            claims.map(
              async ({ key, scheduledAt }) =>
                (await locker.lock(key, { signal: options.signal, scheduledAt })) ?? {
                  unlock: async () => {},
                },
            ),
          ),
      }),
    ],
    [
      'a batch that ignores its signal',
      'lockBatch: an aborted signal rejects',
      (locker) => ({
        lock: (key, options) => locker.lock(key, options),
        lockBatch: (claims) => locker.lockBatch(claims, { signal: new AbortController().signal }),
      }),
    ],
    [
      'an unlock that releases nothing',
      'minimum hold',
      (locker) => ({
        lock: async (key, options) => {
          const lock = await locker.lock(key, options);
          return lock && ({ unlock: async () => locker.abandon() } as Lock);
        },
      }),
    ],
  ];
  for (const [what, caseName, wrap] of broken) {
    it(`fails a locker with ${what}`, async () => {
      const c = lockerContract(memoryFactory(wrap), { batch: true }).find((x) => x.name.startsWith(caseName));
      expect(c, caseName).toBeDefined();
      await expect(c?.run()).rejects.toThrow(expect.objectContaining({ name: 'AssertionError' }));
    }, 20_000);
  }
});

describe('MemoryLocker', () => {
  const at = new Date('2030-01-01T00:00:00Z');
  const signal = new AbortController().signal;

  it('rejects bad options', () => {
    expect(() => new MemoryLocker({ ttl: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => new MemoryLocker({ ttl: '1s', renewInterval: '2s' })).toThrow(/renewInterval/);
    expect(() => new MemoryLocker({ minHold: 'soon' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DURATION' }),
    );
  });

  it('keys claims by occurrence and prefix', async () => {
    const a = new MemoryLocker({ keyPrefix: 'a:', minHold: 0 });
    const b = new MemoryLocker({ keyPrefix: 'b:', minHold: 0, shareWith: a });
    const first = await a.lock('job', { signal, scheduledAt: at });
    expect(first).not.toBeNull();
    expect(await b.lock('job', { signal, scheduledAt: at })).not.toBeNull();
    expect(await a.lock('job', { signal, scheduledAt: at })).toBeNull();
    expect(await a.lock('job', { signal, scheduledAt: new Date(at.getTime() + 1) })).not.toBeNull();
    await a.close();
    await b.close();
    expect(a.peek('job', at)).toBeUndefined();
  });

  it('throws ERR_LOCK_KEY_INVALID and ERR_INVALID_ARGUMENT', async () => {
    const locker = new MemoryLocker();
    const error = await locker.lock('', { signal, scheduledAt: at }).catch((e: unknown) => e);
    expect(isTscronError(error, 'ERR_LOCK_KEY_INVALID')).toBe(true);
    const bad = await locker
      .lock('x', { signal, scheduledAt: new Date(Number.NaN) })
      .catch((e: unknown) => e);
    expect(isTscronError(bad, 'ERR_INVALID_ARGUMENT')).toBe(true);
  });
});
