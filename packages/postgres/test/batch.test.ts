// PostgresLocker.lockBatch and the coalescing of renewals and unlocks, counted in statements.
import pg from 'pg';
import { isTscronError, type Lock, type LockClaim } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { type PgClient, PostgresLocker } from '../src/index.js';
import { openProbe, schema, table, url } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const probe: pg.Pool | undefined = up ? await openProbe() : undefined;
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await probe?.end();
});
const L = `"${schema}"."${table}"`;
const signal = new AbortController().signal;

/** What a statement does: `CLAIM`, `RENEW`, `RELEASE`, or its first word. */
function kind(text: string): string {
  if (/^INSERT/.test(text)) return 'CLAIM';
  if (/RETURNING l\.key, l\.token/.test(text)) return 'RENEW';
  if (/\bgone AS\b/.test(text)) return 'RELEASE';
  return /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
}

/** A pool that counts the statements sent through it, by {@link kind}, and can fail them. */
function counting(): PgClient & { count: Map<string, number>; total(): number; failing: RegExp | null } {
  const pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  pools.push(pool);
  const count = new Map<string, number>();
  const client = {
    count,
    failing: null as RegExp | null,
    total: () => [...count.values()].reduce((a, b) => a + b, 0),
    totalCount: 0,
    connect: () => pool.connect(),
    query: async (text: string, values?: unknown[]) => {
      const word = kind(text);
      count.set(word, (count.get(word) ?? 0) + 1);
      if (client.failing?.test(text)) throw new Error('the statement failed on purpose');
      return pool.query(text, values);
    },
  };
  return client;
}

let run = 0;
function claims(count: number, at: Date): LockClaim[] {
  const base = `batch-${process.pid}-${++run}`;
  return Array.from({ length: count }, (_, i) => ({ key: `${base}-${i}`, scheduledAt: at }));
}

async function heldCount(locker: PostgresLocker, wanted: readonly LockClaim[]): Promise<number> {
  const keys = wanted.map((claim) => locker.occurrenceKey(claim.key, claim.scheduledAt));
  const { rows } = await (probe as pg.Pool).query(
    `SELECT count(*)::int AS n FROM ${L} WHERE key = ANY($1::text[]) AND expires_at > now()`,
    [keys],
  );
  return rows[0]?.n as number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!up)('PostgresLocker.lockBatch', () => {
  it('claims 5,000 occurrences in one statement; a second instance loses them in one; 5,000 unlocks are one more', async () => {
    const a = counting();
    const b = counting();
    const first = new PostgresLocker({ client: a, schema, table, minHold: 0 });
    const second = new PostgresLocker({ client: b, schema, table, minHold: 0 });
    await Promise.all([first.migrate(), second.migrate()]);
    a.count.clear();
    b.count.clear();
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const wanted = claims(5000, at);
    const locks = await first.lockBatch(wanted, { signal });
    expect(Object.fromEntries(a.count)).toEqual({ CLAIM: 1 });
    expect(locks.every((lock) => lock !== null)).toBe(true);
    expect(new Set(locks.map((lock) => lock?.fence)).size).toBe(5000);
    expect(await heldCount(first, wanted)).toBe(5000);

    const extra = claims(10, at);
    const mixed = await second.lockBatch([...wanted.slice(0, 2000), ...extra], { signal });
    expect(Object.fromEntries(b.count)).toEqual({ CLAIM: 1 });
    expect(mixed.slice(0, 2000).every((lock) => lock === null)).toBe(true);
    expect(mixed.slice(2000).every((lock) => lock !== null)).toBe(true);

    a.count.clear();
    await Promise.all(locks.map((lock) => lock?.unlock()));
    expect(Object.fromEntries(a.count)).toEqual({ RELEASE: 1 });
    expect(await heldCount(first, wanted)).toBe(0);
    await second.close();
    expect(await heldCount(second, extra)).toBe(0);
  }, 20_000);

  it('coalesces unlocks made together into one statement; each settles on its own', async () => {
    const client = counting();
    const locker = new PostgresLocker({ client, schema, table, minHold: 0 });
    const other = new PostgresLocker({ client: probe as pg.Pool, schema, table, minHold: 0 });
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const wanted = claims(4, at);
    const single = (await locker.lock(wanted[0]?.key as string, { signal, scheduledAt: at })) as Lock;
    const batch = (await locker.lockBatch(wanted.slice(1), { signal })) as Lock[];
    // The third claim expires and another instance takes it over: its stale unlock must not free it.
    const stale = wanted[3] as LockClaim;
    await (probe as pg.Pool).query(`DELETE FROM ${L} WHERE key = $1`, [
      locker.occurrenceKey(stale.key, stale.scheduledAt),
    ]);
    const taker = await other.lock(stale.key, { signal, scheduledAt: at });
    expect(taker).not.toBeNull();

    client.count.clear();
    const outcomes = await Promise.allSettled([
      single.unlock(),
      batch[0]?.unlock(),
      batch[1]?.unlock({ signal: AbortSignal.abort() }),
      batch[2]?.unlock(),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    await sleep(50); // the aborted caller gave up waiting; its release went out with the others
    expect(Object.fromEntries(client.count)).toEqual({ RELEASE: 1 });
    expect(await heldCount(locker, wanted.slice(0, 3))).toBe(0);
    expect(await heldCount(locker, [stale])).toBe(1);
    await taker?.unlock();

    // A failed statement rejects every unlock that shared it, each with the driver's error as cause.
    const again = (await locker.lockBatch(claims(2, at), { signal })) as Lock[];
    client.failing = /\bgone AS\b/;
    const failed = await Promise.allSettled(again.map((lock) => lock.unlock()));
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(isTscronError(reason, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect(String((reason as Error).cause)).toMatch(/on purpose/);
    }
    client.failing = null;
    await locker.close();
  }, 15_000);

  it('renews a batch together, one statement per round; a lost lock aborts `lost` with ERR_LOCK_LOST alone', async () => {
    const client = counting();
    const renewInterval = 200;
    const locker = new PostgresLocker({ client, schema, table, ttl: 1000, minHold: 0, renewInterval });
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const wanted = claims(500, at);
    const locks = (await locker.lockBatch(wanted, { signal })) as Lock[];
    client.count.clear();
    const victim = wanted[7] as LockClaim;
    await (probe as pg.Pool).query(`DELETE FROM ${L} WHERE key = $1`, [
      locker.occurrenceKey(victim.key, victim.scheduledAt),
    ]);
    const started = performance.now();
    await sleep(renewInterval * 5 + 100);
    const rounds = client.count.get('RENEW') ?? 0;
    // One statement per round for 500 locks (five rounds; one spare for a late timer).
    expect(rounds).toBeGreaterThanOrEqual(4);
    expect(rounds).toBeLessThanOrEqual(6);
    const lost = locks[7]?.lost as AbortSignal;
    expect(lost.aborted).toBe(true);
    expect(isTscronError(lost.reason, 'ERR_LOCK_LOST')).toBe(true);
    expect(locks.filter((lock) => lock.lost?.aborted).length).toBe(1);
    expect(await heldCount(locker, wanted)).toBe(499);
    expect(performance.now() - started).toBeLessThan(3000);
    await locker.close();
    expect(await heldCount(locker, wanted)).toBe(0);
  }, 15_000);

  it('rejects like lock(): bad claims throw, an aborted signal claims nothing, a timeout is ERR_LOCK_TIMEOUT', async () => {
    const client = counting();
    const locker = new PostgresLocker({ client, schema, table, minHold: 0, acquireTimeout: 300 });
    await locker.migrate();
    const at = new Date();
    await expect(locker.lockBatch([{ key: '', scheduledAt: at }], { signal })).rejects.toMatchObject({
      code: 'ERR_LOCK_KEY_INVALID',
    });
    await expect(
      locker.lockBatch(
        [
          { key: 'twice', scheduledAt: at },
          { key: 'twice', scheduledAt: at },
        ],
        { signal },
      ),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const reason = new Error('stop');
    client.count.clear();
    await expect(locker.lockBatch(claims(3, at), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(client.total()).toBe(0);
    // A batch stuck behind a slow statement gives up at acquireTimeout and releases what it won late.
    const slow = counting();
    const late = new PostgresLocker({ client: slow, schema, table, minHold: 0, acquireTimeout: 300 });
    await late.migrate();
    const query = slow.query;
    slow.query = async (text, values) => {
      if (kind(text) === 'CLAIM') await sleep(600);
      return query(text, values);
    };
    const wanted = claims(3, at);
    const error = await late.lockBatch(wanted, { signal }).catch((e: unknown) => e);
    expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
    await sleep(600);
    expect(await heldCount(late, wanted)).toBe(0);
  }, 15_000);
});
