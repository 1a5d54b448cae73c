// The conformance suite every Locker backend runs against its real server.
import type { Lock, Locker } from '../distributed.js';
import { isTscronError } from '../errors.js';
import {
  type ContractCase,
  check,
  now,
  pendingTimersAfter,
  sleep,
  uniqueKey,
  waitFor,
} from './contract-support.js';
import { lockerBatchCases } from './locker-batch-contract.js';
import { BASE, checkUnreachable, lockerScope } from './locker-scope.js';

/** What the suite asks a backend's locker to be configured with, in milliseconds. */
export interface LockerContractSettings {
  /** Lifetime of an unrenewed lock. */
  ttl: number;
  /** Minimum time an occurrence stays claimed after it was acquired. */
  minHold: number;
  /** How often a held lock is renewed (shorter than `ttl`). */
  renewInterval: number;
  /** How long `lock()` may take before it rejects. */
  acquireTimeout: number;
}

/** One locker as the suite sees it: a separate instance (process) of the application. */
export interface ContractLocker {
  readonly locker: Locker;
  /** The process dies: renewals stop, nothing is unlocked (drop connections without releasing). */
  kill(): Promise<void>;
  /** The server becomes unreachable for this instance while it keeps running. Optional. */
  disconnect?(): Promise<void>;
  /** Orderly end: the backend's `close()`, then whatever the factory opened for this instance. */
  close(): Promise<void>;
}

/**
 * Hands the suite lockers that behave as separate instances, and a probe into the server. Every
 * key the suite uses is unique to its case. Clients the factory opens should arm no timers of their
 * own per command (for `pg.Pool`, set `idleTimeoutMillis: 0`): the suite counts pending timers.
 */
export interface LockerContractFactory {
  /** A locker with its own connection, as another process would have. */
  create(settings: LockerContractSettings): Promise<ContractLocker>;
  /** Two lockers sharing one client or pool. */
  createSharing(settings: LockerContractSettings): Promise<[ContractLocker, ContractLocker]>;
  /** A locker whose server cannot be reached (a closed port), or `undefined` to skip that check. */
  createUnreachable?(settings: LockerContractSettings): Promise<ContractLocker>;
  /** Whether the occurrence `scheduledAt` of `key` is claimed on the server now. */
  isHeld(key: string, scheduledAt: Date): Promise<boolean>;
  /** Removes the claim on the server, as if its TTL had passed. */
  expire(key: string, scheduledAt: Date): Promise<void>;
  /** Milliseconds until the claim expires as the server sees it, or -1 when it is free. */
  remainingTtl(key: string, scheduledAt: Date): Promise<number>;
  /** Called after every case. */
  cleanup?(): Promise<void>;
}

/** Options of {@link lockerContract}. */
export interface LockerContractOptions {
  /**
   * Tolerance of every timing check, in milliseconds: network round trips and a loaded machine.
   * @default 250
   */
  margin?: number;
  /**
   * The backend's lockers offer {@link Locker.lockBatch}: add the cases that check it (each fails
   * when the locker lacks the method).
   * @default false
   */
  batch?: boolean;
}

/** A case with the time budget it needs, in milliseconds (for the runner's timeout). */
export interface TimedContractCase extends ContractCase {
  timeout: number;
}

/**
 * The conformance cases for a {@link Locker} backend. Register each with any runner:
 * `for (const c of lockerContract(factory)) it(c.name, c.run, c.timeout)`.
 */
export function lockerContract(
  factory: LockerContractFactory,
  options: LockerContractOptions = {},
): TimedContractCase[] {
  const margin = options.margin ?? 250;

  const scoped = lockerScope(factory, BASE);

  const at = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const opts = (scheduledAt: Date, signal = new AbortController().signal) => ({ signal, scheduledAt });
  const acquired = async (locker: Locker, key: string, scheduledAt: Date, what: string): Promise<Lock> => {
    const lock = await locker.lock(key, opts(scheduledAt));
    check(lock !== null, `${what}: lock(${key}) returned null for a free key`);
    return lock;
  };

  const batchCases = options.batch === true ? lockerBatchCases(factory, margin) : [];
  return [
    {
      name: 'acquire then unlock ten times in a row; the probe sees held, then free',
      timeout: 15_000,
      run: scoped(async (open) => {
        const { locker } = await open.one();
        const key = uniqueKey('cycle');
        const when = at();
        for (let round = 1; round <= 10; round++) {
          const lock = await acquired(locker, key, when, `round ${round}`);
          check(
            await factory.isHeld(key, when),
            `round ${round}: the probe sees the key free while it is held`,
          );
          await lock.unlock();
          check(
            !(await factory.isHeld(key, when)),
            `round ${round}: the probe sees the key held after unlock`,
          );
        }
      }),
    },
    {
      name: 'a second instance gets null for a held key; other keys and occurrences are independent',
      timeout: 10_000,
      run: scoped(async (open) => {
        const a = await open.one();
        const b = await open.one();
        const key = uniqueKey('excl');
        const other = uniqueKey('other');
        const when = at();
        const held = await acquired(a.locker, key, when, 'first instance');
        check((await b.locker.lock(key, opts(when))) === null, 'a second instance acquired a held key');
        check(
          (await a.locker.lock(key, opts(when))) === null,
          'the holding instance acquired its held key again',
        );
        const otherKey = await acquired(b.locker, other, when, 'another key');
        const later = new Date(when.getTime() + 1000);
        const otherOccurrence = await acquired(b.locker, key, later, 'another occurrence of the held key');
        await held.unlock();
        const after = await acquired(b.locker, key, when, 'after the holder unlocked');
        for (const lock of [otherKey, otherOccurrence, after]) await lock.unlock();
      }),
    },
    {
      name: 'two lockers sharing one client exclude each other',
      timeout: 10_000,
      run: scoped(async (open) => {
        const [x, y] = await open.sharing();
        const key = uniqueKey('shared');
        const when = at();
        const lock = await acquired(x.locker, key, when, 'first locker on the shared client');
        check(
          (await y.locker.lock(key, opts(when))) === null,
          'a second locker on the same client acquired a held key',
        );
        await lock.unlock();
        const second = await acquired(y.locker, key, when, 'second locker after unlock');
        check(
          (await x.locker.lock(key, opts(when))) === null,
          'the first locker acquired the key held by the second',
        );
        await second.unlock();
      }),
    },
    {
      name: 'a holder that dies without unlocking frees the key within TTL + margin, not before TTL - margin',
      timeout: 15_000,
      run: scoped(async (open) => {
        const ttl = 1000;
        const a = await open.one({ ttl, renewInterval: 300 });
        const b = await open.one({ ttl, renewInterval: 300 });
        const key = uniqueKey('dies');
        const when = at();
        const before = now();
        await acquired(a.locker, key, when, 'the holder');
        const after = now();
        await a.kill();
        let lock: Lock | null = null;
        await waitFor(
          async () => {
            lock = await b.locker.lock(key, opts(when));
            return lock !== null;
          },
          ttl + 3 * margin,
          'the key of a dead holder was never freed',
        );
        const freed = now();
        check(
          freed - before >= ttl - margin,
          `the key of a dead holder was free after ${Math.round(freed - before)}ms, TTL is ${ttl}ms`,
        );
        check(
          freed - after <= ttl + margin,
          `the key of a dead holder was freed after ${Math.round(freed - after)}ms, TTL is ${ttl}ms`,
        );
        await (lock as Lock | null)?.unlock();
      }),
    },
    {
      name: "a stale holder's unlock after expiry and takeover leaves the new holder holding",
      timeout: 10_000,
      run: scoped(async (open) => {
        const a = await open.one();
        const b = await open.one();
        const c = await open.one();
        const key = uniqueKey('stale-unlock');
        const when = at();
        const stale = await acquired(a.locker, key, when, 'the first holder');
        await factory.expire(key, when);
        const fresh = await acquired(b.locker, key, when, 'the new holder after expiry');
        await stale.unlock().catch(() => undefined);
        check(await factory.isHeld(key, when), "a stale holder's unlock freed the new holder's key");
        check(
          (await c.locker.lock(key, opts(when))) === null,
          'after a stale unlock a third instance got the key',
        );
        await fresh.unlock();
        check(!(await factory.isHeld(key, when)), "the new holder's unlock did not free the key");
      }),
    },
    {
      name: "a stale extend fails and leaves the new holder's TTL alone",
      timeout: 10_000,
      run: scoped(async (open) => {
        const a = await open.one({ ttl: 3000, renewInterval: 100 });
        const b = await open.one({ ttl: 1000, renewInterval: 900 });
        const key = uniqueKey('stale-extend');
        const when = at();
        const stale = await acquired(a.locker, key, when, 'the first holder');
        await factory.expire(key, when);
        const fresh = await acquired(b.locker, key, when, 'the new holder after expiry');
        const taken = now();
        check(stale.lost !== undefined, 'the lock has no `lost` signal');
        await waitFor(
          () => stale.lost?.aborted === true,
          100 + 2 * margin,
          'the stale holder never learnt it lost',
        );
        await sleep(300 - (now() - taken));
        const remaining = await factory.remainingTtl(key, when);
        check(remaining > 0, `the new holder's key is gone (${remaining}) after a stale extend`);
        check(
          remaining <= 1000 - 300 + margin,
          `a stale extend reset the new holder's TTL: ${remaining}ms left 300ms into a 1000ms TTL`,
        );
        await fresh.unlock();
      }),
    },
    {
      name: 'renewal keeps a long task locked for 3x TTL and stops after unlock (no key, no timer left)',
      timeout: 15_000,
      run: scoped(async (open) => {
        const ttl = 400;
        const a = await open.one({ ttl, renewInterval: 130 });
        const b = await open.one({ ttl, renewInterval: 130 });
        const key = uniqueKey('renew');
        const when = at();
        const pending = await pendingTimersAfter(async () => {
          const lock = await acquired(a.locker, key, when, 'the long task');
          const start = now();
          while (now() - start < 3.25 * ttl) {
            check(
              await factory.isHeld(key, when),
              `the lock expired ${Math.round(now() - start)}ms into the task`,
            );
            check(
              (await b.locker.lock(key, opts(when))) === null,
              `another instance took the key ${Math.round(now() - start)}ms into the task`,
            );
            check(lock.lost?.aborted !== true, 'lost aborted while the lock was renewed');
            await sleep(50);
          }
          await lock.unlock();
        }, 1000);
        check(!(await factory.isHeld(key, when)), 'the key is still held after unlock');
        check(pending === 0, `${pending} timer(s) still pending after unlock`);
        await sleep(2 * 130);
        check(!(await factory.isHeld(key, when)), 'a renewal after unlock recreated the key');
      }),
    },
    {
      name: 'when the lock is lost (key deleted, server gone) lock.lost aborts with ERR_LOCK_LOST within the renew interval',
      timeout: 15_000,
      run: scoped(async (open) => {
        const renewInterval = 300;
        const a = await open.one({ ttl: 1200, renewInterval });
        const key = uniqueKey('lost');
        const when = at();
        const lock = await acquired(a.locker, key, when, 'the holder');
        check(lock.lost !== undefined, 'the lock has no `lost` signal');
        check(!lock.lost.aborted, 'lost is aborted right after acquire');
        await factory.expire(key, when);
        await waitFor(
          () => lock.lost?.aborted === true,
          renewInterval + margin,
          'lost did not abort after the key was deleted',
        );
        check(
          isTscronError(lock.lost.reason, 'ERR_LOCK_LOST'),
          `lost aborted with ${String(lock.lost.reason)} instead of a TscronError ERR_LOCK_LOST`,
        );
        await lock.unlock().catch(() => undefined);
        const d = await open.one({ ttl: 1200, renewInterval });
        if (d.disconnect === undefined) return;
        const other = uniqueKey('gone');
        const second = await acquired(d.locker, other, when, 'the holder before the server goes');
        await d.disconnect();
        await waitFor(
          () => second.lost?.aborted === true,
          renewInterval + 2 * margin,
          'lost did not abort after the server went away',
        );
        check(
          isTscronError(second.lost?.reason, 'ERR_LOCK_LOST'),
          `lost aborted with ${String(second.lost?.reason)} instead of a TscronError ERR_LOCK_LOST`,
        );
      }),
    },
    {
      name: 'minimum hold: after an early unlock the occurrence stays claimed for the configured minimum',
      timeout: 15_000,
      run: scoped(async (open) => {
        for (const settings of [
          { ttl: 2000, minHold: 800, renewInterval: 600 },
          { ttl: 500, minHold: 1200, renewInterval: 150 },
        ]) {
          const a = await open.one(settings);
          const b = await open.one(settings);
          const key = uniqueKey('min-hold');
          const when = at();
          const before = now();
          const lock = await acquired(a.locker, key, when, 'the short task');
          const after = now();
          await lock.unlock();
          check(
            await factory.isHeld(key, when),
            `minHold ${settings.minHold}ms: the occurrence was freed at unlock`,
          );
          let second: Lock | null = null;
          await waitFor(
            async () => {
              second = await b.locker.lock(key, opts(when));
              return second !== null;
            },
            settings.minHold + 3 * margin,
            `minHold ${settings.minHold}ms: the occurrence was never freed`,
          );
          const freed = now();
          check(
            freed - before >= settings.minHold - margin,
            `minHold ${settings.minHold}ms: the occurrence was claimable ${Math.round(freed - before)}ms after acquire`,
          );
          check(
            freed - after <= settings.minHold + margin,
            `minHold ${settings.minHold}ms: the occurrence stayed claimed ${Math.round(freed - after)}ms`,
          );
          await (second as Lock | null)?.unlock();
        }
        const a = await open.one({ ttl: 1000, minHold: 200, renewInterval: 300 });
        const key = uniqueKey('min-hold-long');
        const when = at();
        const lock = await acquired(a.locker, key, when, 'the long task');
        await sleep(200 + margin);
        await lock.unlock();
        check(!(await factory.isHeld(key, when)), 'a task that ran past minHold left its occurrence claimed');
      }),
    },
    {
      name: 'fence strictly increases per key, also for acquires in the same millisecond',
      timeout: 15_000,
      run: scoped(async (open) => {
        const a = await open.one();
        const b = await open.one();
        const key = uniqueKey('fence');
        const when = at();
        let previous: bigint | undefined;
        for (let round = 0; round < 20; round++) {
          const lock = await acquired((round % 3 === 0 ? b : a).locker, key, when, `round ${round}`);
          check(
            typeof lock.fence === 'bigint',
            `round ${round}: lock.fence is ${typeof lock.fence}, not a bigint`,
          );
          check(
            previous === undefined || lock.fence > previous,
            `round ${round}: fence ${lock.fence} does not exceed the previous ${previous}`,
          );
          previous = lock.fence;
          await lock.unlock();
        }
        const [x, y] = await Promise.all([
          a.locker.lock(key, opts(new Date(when.getTime() + 1000))),
          b.locker.lock(key, opts(new Date(when.getTime() + 2000))),
        ]);
        check(x !== null && y !== null, 'two occurrences of one key could not be held together');
        check(x.fence !== y.fence, `two concurrent acquires of one key got the same fence ${x.fence}`);
        check(
          (x.fence ?? 0n) > (previous ?? 0n) && (y.fence ?? 0n) > (previous ?? 0n),
          'a later acquire got a smaller fence',
        );
        await x.unlock();
        await y.unlock();
      }),
    },
    {
      name: 'fuzz: 8 workers x 100 rounds x 2 keys on an unsynchronised counter: exact totals, no overlap',
      timeout: 60_000,
      run: scoped(async (open) => {
        const workers = await Promise.all(
          Array.from({ length: 8 }, () => open.one({ ttl: 5000, renewInterval: 1500 })),
        );
        const keys = [uniqueKey('fuzz-a'), uniqueKey('fuzz-b')] as const;
        const when = at();
        const counters = new Map<string, number>(keys.map((key) => [key, 0]));
        const holds = new Map<string, Array<[number, number]>>(keys.map((key) => [key, []]));
        const deadline = now() + 50_000;
        await Promise.all(
          workers.map(async ({ locker }, worker) => {
            for (let round = 0; round < 100; round++) {
              const key = keys[(worker + round) % 2] as string;
              for (;;) {
                check(now() < deadline, `worker ${worker} starved in round ${round}`);
                const lock = await locker.lock(key, opts(when));
                if (lock === null) {
                  await sleep(Math.random() * 2);
                  continue;
                }
                const start = now();
                const value = counters.get(key) as number;
                await new Promise((resolve) => setImmediate(resolve));
                counters.set(key, value + 1);
                holds.get(key)?.push([start, now()]);
                await lock.unlock();
                break;
              }
            }
          }),
        );
        for (const key of keys) {
          check(counters.get(key) === 400, `counter ${key} ended at ${counters.get(key)}, expected 400`);
          const intervals = (holds.get(key) ?? []).sort((p, q) => p[0] - q[0]);
          for (let i = 1; i < intervals.length; i++) {
            const [start] = intervals[i] as [number, number];
            const [, previousEnd] = intervals[i - 1] as [number, number];
            check(
              start >= previousEnd,
              `two holds of ${key} overlapped by ${(previousEnd - start).toFixed(3)}ms`,
            );
          }
        }
      }),
    },
    {
      name: 'occurrences: two schedulers with timers up to half an interval apart run each of 100 once',
      timeout: 30_000,
      run: scoped(async (open) => {
        const settings = { ttl: 2000, minHold: 500, renewInterval: 600 };
        const instances = [await open.one(settings), await open.one(settings)];
        const interval = 40;
        const count = 100;
        const name = uniqueKey('occurrence');
        const base = Math.ceil(Date.now() / interval) * interval + 200;
        const runs = new Array<number>(count).fill(0);
        const errors: unknown[] = [];
        const fired: Array<Promise<void>> = [];
        for (const { locker } of instances) {
          for (let n = 0; n < count; n++) {
            const scheduledAt = new Date(base + n * interval);
            const fireAt = scheduledAt.getTime() + Math.random() * (interval / 2);
            fired.push(
              (async () => {
                await sleep(fireAt - Date.now());
                try {
                  const lock = await locker.lock(name, opts(scheduledAt));
                  if (lock === null) return;
                  runs[n] = (runs[n] ?? 0) + 1;
                  await sleep(1);
                  await lock.unlock();
                } catch (error) {
                  errors.push(error);
                }
              })(),
            );
          }
        }
        await Promise.all(fired);
        check(errors.length === 0, `${errors.length} lock call(s) failed, first: ${String(errors[0])}`);
        const wrong = runs.map((r, n) => [n, r] as const).filter(([, r]) => r !== 1);
        check(
          wrong.length === 0,
          `occurrences not run exactly once: ${wrong
            .slice(0, 10)
            .map(([n, r]) => `#${n} ran ${r}x`)
            .join(', ')}`,
        );
      }),
    },
    {
      name: 'an aborted or timed-out acquire leaves no lock behind; an unreachable server rejects in time with a TscronError; bad keys throw',
      timeout: 20_000,
      run: scoped(async (open) => {
        const a = await open.one();
        const when = at();
        const aborted = new AbortController();
        aborted.abort();
        const key = uniqueKey('aborted');
        const early = await a.locker.lock(key, opts(when, aborted.signal)).then(
          () => 'resolved',
          () => 'rejected',
        );
        check(early === 'rejected', `lock() with an aborted signal ${early} instead of rejecting`);
        check(!(await factory.isHeld(key, when)), 'an aborted acquire left its key held');
        const keys: string[] = [];
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const k = uniqueKey(`timeout-${i}`);
            keys.push(k);
            const lock = await a.locker.lock(k, opts(when, AbortSignal.timeout(i % 4))).catch(() => null);
            await lock?.unlock();
          }),
        );
        for (const k of keys) {
          await waitFor(
            async () => !(await factory.isHeld(k, when)),
            1000 + margin,
            `a timed-out acquire left ${k} held`,
          );
        }
        await checkUnreachable(factory, margin, 'lock()', (locker) =>
          locker.lock(uniqueKey('unreachable'), opts(when)),
        );
        for (const bad of ['', 'k'.repeat(10_000)]) {
          const error = await (async () => a.locker.lock(bad, opts(when)))().then(
            () => undefined,
            (e: unknown) => e,
          );
          check(
            isTscronError(error, 'ERR_LOCK_KEY_INVALID'),
            `a key of ${bad.length} characters gave ${String(error)} instead of ERR_LOCK_KEY_INVALID`,
          );
        }
        const long = await acquired(
          a.locker,
          `${uniqueKey('long')}-${'k'.repeat(150)}`,
          when,
          'a 180-character key',
        );
        await long.unlock();
      }),
    },
    ...batchCases,
  ];
}
