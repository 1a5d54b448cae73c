// RedisLocker.lockBatch and coalesced renewals and releases, on a throwaway server whose script calls
// are counted (INFO commandstats), through each client of clients.ts (the probe is ioredis 5).
import { Redis } from 'ioredis';
import { isTscronError, type Lock, type LockClaim } from 'tscron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocker, type RedisLockerOptions } from '../src/index.js';
import { readScript } from '../src/scripts.js';
import { clients, type TestClient } from './clients.js';
import {
  redisServerInstalled,
  scriptCalls,
  startThrowawayServer,
  type ThrowawayServer,
} from './throwaway-server.js';

const signal = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` claims on distinct keys for one occurrence. */
function claims(what: string, count: number): LockClaim[] {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  return Array.from({ length: count }, (_, i) => ({ key: `${what}-${i}`, scheduledAt: at }));
}

async function waitUntil(predicate: () => Promise<boolean>, timeout: number): Promise<void> {
  const start = performance.now();
  while (!(await predicate())) {
    if (performance.now() - start > timeout) throw new Error(`condition not met within ${timeout}ms`);
    await sleep(10);
  }
}

describe.skipIf(!redisServerInstalled).each(clients)('lockBatch through $label', (flavour) => {
  let server: ThrowawayServer;
  let probe: Redis;
  const clientsOpened: TestClient[] = [];
  const lockerOn = (options: Omit<RedisLockerOptions, 'client'> = {}) => {
    const client = flavour.standalone({ port: server.port });
    clientsOpened.push(client);
    return new RedisLocker({ client: client.client, minHold: 0, ...options });
  };

  beforeAll(async () => {
    server = await startThrowawayServer();
    probe = new Redis({ port: server.port });
    // Loaded up front, so that every count below is of EVALSHA calls alone (no NOSCRIPT retries).
    for (const file of ['acquire-batch.lua', 'extend.lua', 'release.lua']) {
      await probe.script('LOAD', readScript(file));
    }
  });

  afterAll(async () => {
    for (const client of clientsOpened) client.disconnect();
    probe?.disconnect();
    await server?.stop();
  });

  it('5,000 claims are one script call, the same claims lost elsewhere one more, and their 5,000 unlocks in one tick one more', async () => {
    const a = lockerOn();
    const b = lockerOn();
    const wanted = claims('burst', 5000);
    const before = await scriptCalls(probe);
    const locks = await a.lockBatch(wanted, { signal: signal() });
    expect(await scriptCalls(probe)).toBe(before + 1);
    expect(locks.every((lock) => lock?.fence === 1n)).toBe(true);
    expect(await probe.dbsize()).toBe(10_000); // an occurrence and a fence counter per job

    const lost = await b.lockBatch(wanted, { signal: signal() });
    expect(await scriptCalls(probe)).toBe(before + 2);
    expect(lost.every((lock) => lock === null)).toBe(true);

    await Promise.all(locks.map((lock) => lock?.unlock()));
    expect(await scriptCalls(probe)).toBe(before + 3);
    expect(await probe.dbsize()).toBe(5000); // only the fence counters are left
    await probe.flushdb();
  });

  it('renewals of a batch share script calls, and a lost lock aborts its own lost signal only', async () => {
    const locker = lockerOn({ ttl: 600, renewInterval: 200 });
    const wanted = claims('renewed', 1000);
    const locks = (await locker.lockBatch(wanted, { signal: signal() })) as Lock[];
    const before = await scriptCalls(probe);
    await sleep(750);
    // Past the claims' 600 ms lifetime: only renewals kept them.
    expect(await probe.dbsize()).toBe(2000);
    const renewals = (await scriptCalls(probe)) - before;
    // Three rounds are due in 750 ms; a loaded machine (other suites run beside this one) may run two.
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(renewals).toBeLessThan(15); // of 3,000 renewals
    expect(locks.some((lock) => lock.lost?.aborted)).toBe(false);

    await probe.del(locker.occurrenceKey('renewed-7', wanted[7]?.scheduledAt as Date));
    await waitUntil(async () => locks[7]?.lost?.aborted === true, 1000);
    expect(isTscronError(locks[7]?.lost?.reason, 'ERR_LOCK_LOST')).toBe(true);
    await sleep(250);
    expect(locks.filter((lock) => lock.lost?.aborted).length).toBe(1);
    await Promise.all(locks.map((lock) => lock.unlock()));
    expect(await probe.dbsize()).toBe(1000);
    await probe.flushdb();
  });

  it('unlocks in one tick are one call, yet each is token-checked, keeps minHold and settles on its own', async () => {
    const a = lockerOn({ minHold: 2000 });
    const c = lockerOn();
    const wanted = claims('release', 3);
    const [x, y, z] = (await a.lockBatch(wanted, { signal: signal() })) as [Lock, Lock, Lock];
    const key = (i: number) => a.occurrenceKey(`release-${i}`, wanted[i]?.scheduledAt as Date);
    // z's claim is taken over: its unlock must leave the new holder's claim alone.
    await probe.del(key(2));
    const taken = await c.lock('release-2', {
      signal: signal(),
      scheduledAt: wanted[2]?.scheduledAt as Date,
    });
    expect(taken).not.toBeNull();

    const before = await scriptCalls(probe);
    const gaveUp = new Error('the caller gave up');
    const outcomes = await Promise.allSettled([
      x.unlock(),
      y.unlock({ signal: AbortSignal.abort(gaveUp) }),
      z.unlock(),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(gaveUp);
    await waitUntil(async () => (await scriptCalls(probe)) === before + 1, 1000);

    // x and y (released all the same) stay claimed, without a token, until minHold has passed.
    for (const i of [0, 1]) {
      expect(await probe.get(key(i))).toMatch(/^:\d+$/);
      const left = await probe.pttl(key(i));
      expect(left).toBeGreaterThan(1000);
      expect(left).toBeLessThanOrEqual(2000);
    }
    expect(await probe.get(key(2))).toMatch(/^[\w-]+:\d+$/);
    await taken?.unlock();
    expect(await probe.exists(key(2))).toBe(0);
    await probe.flushdb();
  });

  it('a script that fails half-way rejects the batch with ERR_LOCK_BACKEND_FAILED and leaves nothing claimed', async () => {
    const locker = lockerOn();
    const wanted = claims('broken', 3);
    await probe.set(locker.fenceKey('broken-2'), 'not a counter');
    const error = await locker.lockBatch(wanted, { signal: signal() }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    // The first two were claimed before the script failed: they are released by their tokens.
    await waitUntil(async () => (await probe.dbsize()) === 3, 1000);
    expect(await probe.exists(locker.occurrenceKey('broken-0', wanted[0]?.scheduledAt as Date))).toBe(0);
    await probe.flushdb();
  });
});
