// The conformance cases of Locker.lockBatch, for backends that offer it (lockerContract's `batch`).
import type { BatchLocker } from '../claim-batcher.js';
import type { Lock, LockClaim, Locker } from '../distributed.js';
import { check, now, uniqueKey, waitFor } from './contract-support.js';
import type { LockerContractFactory, TimedContractCase } from './locker-contract.js';
import { BASE, checkUnreachable, lockerScope } from './locker-scope.js';

function batching(locker: Locker): BatchLocker {
  check(
    typeof locker.lockBatch === 'function',
    'the locker has no lockBatch(), though the suite was told it offers one',
  );
  return locker as BatchLocker;
}

const signal = () => new AbortController().signal;

/** `count` claims on distinct keys, all for the occurrence `at`. */
function claims(what: string, count: number, at: Date): LockClaim[] {
  const base = uniqueKey(what);
  return Array.from({ length: count }, (_, i) => ({ key: `${base}-${i}`, scheduledAt: at }));
}

async function unlockAll(locks: ReadonlyArray<Lock | null>): Promise<void> {
  await Promise.all(locks.map((lock) => lock?.unlock()));
}

/** The batch cases; `lockerContract(factory, { batch: true })` includes them. */
export function lockerBatchCases(factory: LockerContractFactory, margin: number): TimedContractCase[] {
  const scoped = lockerScope(factory, BASE);
  const at = () => new Date(Math.floor(Date.now() / 1000) * 1000);

  return [
    {
      name: 'lockBatch: claims every free occurrence in order, each seen held, with a fence; an empty batch is []',
      timeout: 15_000,
      run: scoped(async (open) => {
        const locker = batching((await open.one()).locker);
        check((await locker.lockBatch([], { signal: signal() })).length === 0, 'an empty batch was not []');
        const when = at();
        const wanted = claims('batch-all', 200, when);
        const locks = await locker.lockBatch(wanted, { signal: signal() });
        check(locks.length === wanted.length, `200 claims gave ${locks.length} results`);
        for (const [i, lock] of locks.entries()) {
          check(lock !== null, `claim ${i} of a free batch came back null`);
          if (lock.fence !== undefined) check(lock.fence > 0n, `claim ${i} has fence ${lock.fence}`);
        }
        for (const i of [0, 99, 199]) {
          const claim = wanted[i] as LockClaim;
          check(await factory.isHeld(claim.key, when), `the probe sees claim ${i} of the batch free`);
        }
        await unlockAll(locks);
        for (const i of [0, 199]) {
          const claim = wanted[i] as LockClaim;
          check(!(await factory.isHeld(claim.key, when)), `claim ${i} is still held after unlock`);
        }
      }),
    },
    {
      name: 'lockBatch: occurrences held elsewhere come back null, the rest are claimed; lock() agrees',
      timeout: 15_000,
      run: scoped(async (open) => {
        const a = await open.one();
        const b = batching((await open.one()).locker);
        const when = at();
        const wanted = claims('batch-mixed', 10, when);
        const heldElsewhere = new Set([1, 4, 9]);
        const held: Lock[] = [];
        for (const i of heldElsewhere) {
          const claim = wanted[i] as LockClaim;
          const lock = await a.locker.lock(claim.key, { signal: signal(), scheduledAt: when });
          check(lock !== null, `lock() of free claim ${i} returned null`);
          held.push(lock);
        }
        const locks = await b.lockBatch(wanted, { signal: signal() });
        for (const [i, lock] of locks.entries()) {
          if (heldElsewhere.has(i)) check(lock === null, `claim ${i}, held by another instance, was granted`);
          else check(lock !== null, `free claim ${i} came back null`);
        }
        const again = wanted[0] as LockClaim;
        check(
          (await a.locker.lock(again.key, { signal: signal(), scheduledAt: when })) === null,
          'lock() was granted an occurrence a batch holds',
        );
        await unlockAll([...held, ...locks]);
      }),
    },
    {
      name: 'lockBatch: three instances racing over the same 300 occurrences win each exactly once',
      timeout: 20_000,
      run: scoped(async (open) => {
        const lockers = [
          batching((await open.one()).locker),
          batching((await open.one()).locker),
          batching((await open.one()).locker),
        ];
        const when = at();
        const wanted = claims('batch-race', 300, when);
        // Each instance sees the burst in its own order, as replicas whose timers differ would.
        const orders = [wanted, [...wanted].reverse(), [...wanted.slice(150), ...wanted.slice(0, 150)]];
        const results = await Promise.all(
          lockers.map((locker, i) => locker.lockBatch(orders[i] as LockClaim[], { signal: signal() })),
        );
        const winners = new Map<string, number>();
        for (const [i, locks] of results.entries()) {
          for (const [j, lock] of locks.entries()) {
            if (lock === null) continue;
            const key = (orders[i] as LockClaim[])[j]?.key as string;
            check(!winners.has(key), `${key} was won by instances ${winners.get(key)} and ${i}`);
            winners.set(key, i);
          }
        }
        check(
          winners.size === wanted.length,
          `${wanted.length - winners.size} occurrences were won by nobody`,
        );
        await Promise.all(results.map(unlockAll));
      }),
    },
    {
      name: 'lockBatch: a claimed occurrence stays claimed for minHold after unlock, then is free',
      timeout: 15_000,
      run: scoped(async (open) => {
        const minHold = 1000;
        const a = batching((await open.one({ minHold })).locker);
        const b = batching((await open.one({ minHold })).locker);
        const when = at();
        const wanted = claims('batch-hold', 5, when);
        const start = now();
        const locks = await a.lockBatch(wanted, { signal: signal() });
        await unlockAll(locks);
        const during = await b.lockBatch(wanted, { signal: signal() });
        if (now() - start < minHold - margin) {
          check(
            during.every((lock) => lock === null),
            'an occurrence was claimed again within minHold of its first claim',
          );
        }
        await unlockAll(during);
        // Polled through the probe: re-claiming to poll would hold what it won for another minHold,
        // and claims spread over several servers (a Cluster) come free a little apart.
        await waitFor(
          async () => {
            for (const claim of wanted) if (await factory.isHeld(claim.key, when)) return false;
            return true;
          },
          minHold + 4 * margin,
          'occurrences did not come free after minHold',
        );
        const later = await b.lockBatch(wanted, { signal: signal() });
        check(
          later.every((lock) => lock !== null),
          'occurrences the probe sees free were not all claimed by a batch',
        );
        await unlockAll(later);
      }),
    },
    {
      name: 'lockBatch: an aborted signal rejects and claims nothing; an unreachable server rejects in time with a TscronError',
      timeout: 20_000,
      run: scoped(async (open) => {
        const locker = batching((await open.one()).locker);
        const when = at();
        const wanted = claims('batch-aborted', 3, when);
        const outcome = await locker.lockBatch(wanted, { signal: AbortSignal.abort() }).then(
          () => 'resolved',
          () => 'rejected',
        );
        check(outcome === 'rejected', `lockBatch() with an aborted signal ${outcome}`);
        for (const claim of wanted) {
          check(!(await factory.isHeld(claim.key, when)), 'an aborted batch left an occurrence claimed');
        }
        await checkUnreachable(factory, margin, 'lockBatch()', (locker) =>
          batching(locker).lockBatch(claims('batch-down', 3, when), { signal: signal() }),
        );
      }),
    },
  ];
}
