import pg from 'pg';
import { isTscronError } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { PostgresElector, PostgresLocker } from '../src/index.js';
import { url } from './support.js';
import { TransactionPooler } from './transaction-pooler.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const admin = up ? new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 }) : undefined;
const schema = `tscron_migrate_${process.pid}`;
afterAll(async () => {
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin?.end();
});
const signal = new AbortController().signal;

describe.skipIf(!up)('PostgreSQL migrations', () => {
  it('does no I/O in the constructor and applies the numbered migrations once, concurrently', async () => {
    const pools = Array.from(
      { length: 5 },
      () => new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 }),
    );
    try {
      const lockers = pools.map((client) => new PostgresLocker({ client, schema, table: 'jobs' }));
      for (const pool of pools) expect(pool.totalCount).toBe(0);
      await Promise.all(lockers.map((locker) => locker.migrate()));
      const { rows } = await pools[0]!.query(
        `SELECT version, name FROM "${schema}"."jobs_migrations" ORDER BY version`,
      );
      expect(rows).toEqual([
        { version: 1, name: '0001_locks.sql' },
        { version: 2, name: '0002_leases.sql' },
        { version: 3, name: '0003_expires_index.sql' },
      ]);
      const lock = await lockers[1]!.lock('job', { signal, scheduledAt: new Date() });
      expect(lock?.fence).toBe(1n);
      await lock?.unlock();
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a database whose schema is newer than the package', async () => {
    const client = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
    try {
      await new PostgresLocker({ client, schema, table: 'future' }).migrate();
      await client.query(
        `INSERT INTO "${schema}"."future_migrations" (version, name) VALUES (999, 'from the future')`,
      );
      // A fresh pool: a process remembers which table sets it has migrated already.
      const fresh = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
      const locker = new PostgresLocker({ client: fresh, schema, table: 'future' });
      const error = await locker.lock('job', { signal, scheduledAt: new Date() }).catch((e: unknown) => e);
      expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(String(error)).toMatch(/version 999/);
      await fresh.end();
      const elector = new PostgresElector({
        client,
        name: 'x',
        schema,
        table: 'future',
        retryPeriod: 100,
        lease: 500,
      });
      await expect(elector.migrate()).resolves.toBeUndefined(); // same pool as the first migrate: cached
      const other = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
      await expect(
        new PostgresElector({ client: other, name: 'x', schema, table: 'future' }).migrate(),
      ).rejects.toThrow(/newer/);
      await other.end();
      await elector.close();
    } finally {
      await client.end();
    }
  });

  it('rejects bad options without touching the server', () => {
    const client = { query: async () => ({ rows: [], rowCount: 0 }) };
    expect(() => new PostgresLocker({ client, table: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => new PostgresLocker({ client, ttl: '1s', renewInterval: '1s' })).toThrow(/renewInterval/);
    expect(() => new PostgresElector({ client, name: '' })).toThrow(/name/);
    expect(() => new PostgresLocker({ client: {} as never })).toThrow(/client/);
  });

  it('works through a transaction pooler that rotates server connections and refuses session state', async () => {
    const pooler = new TransactionPooler(url, 3);
    try {
      await expect(pooler.query('SET statement_timeout = 1000')).rejects.toThrow(/session state/);
      await expect(pooler.query('SELECT pg_advisory_lock(1)')).rejects.toThrow(/session state/);
      const locker = new PostgresLocker({ client: pooler, schema, table: 'pooled', minHold: 0 });
      let fence = 0n;
      for (let i = 0; i < 20; i++) {
        const lock = await locker.lock('job', { signal, scheduledAt: new Date(0) });
        expect(lock?.fence).toBeGreaterThan(fence);
        fence = lock?.fence ?? 0n;
        await lock?.unlock();
      }
      expect(pooler.used.size).toBeGreaterThan(1);
    } finally {
      await pooler.end();
    }
  });
});
