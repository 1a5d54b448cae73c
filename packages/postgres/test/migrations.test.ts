import pg from 'pg';
import { isTscronError } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { PostgresElector, PostgresFleet, PostgresLocker, PostgresRunHistory } from '../src/index.js';
import { names, readMigration, render } from '../src/schema.js';
import { url } from './support.js';
import { TransactionPooler } from './transaction-pooler.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const admin = up ? new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 }) : undefined;
const schema = `tscron_migrate_${process.pid}`;
const T = (table: string) => `"${schema}"."${table}"`;
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
  it('upgrades a database the previous version migrated: the claims keep version 3, the fleet and history get tables of their own', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
    try {
      // What @tscron/postgres did before the fleet: migrations 1 to 3 under its bookkeeping, by hand.
      const n = names('test', schema, 'legacy');
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await pool.query(
        `CREATE TABLE ${T('legacy_migrations')} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const [version, file] of [
        [1, '0001_locks.sql'],
        [2, '0002_leases.sql'],
        [3, '0003_expires_index.sql'],
      ] as const) {
        await pool.query(render(readMigration(file), n));
        await pool.query(`INSERT INTO ${T('legacy_migrations')} (version, name) VALUES ($1, $2)`, [
          version,
          file,
        ]);
      }
      const old = await new PostgresLocker({ client: pool, schema, table: 'legacy' }).lock('kept', {
        signal,
        scheduledAt: new Date(0),
      });
      expect(old?.fence).toBe(1n);

      const fresh = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
      try {
        const locker = new PostgresLocker({ client: fresh, schema, table: 'legacy' });
        const fleet = new PostgresFleet({ client: fresh, schema });
        const history = new PostgresRunHistory({ client: fresh, schema });
        await Promise.all([locker.migrate(), fleet.migrate(), history.migrate()]);
        expect(await locker.lock('kept', { signal, scheduledAt: new Date(0) })).toBeNull();
        const next = await locker.lock('new', { signal, scheduledAt: new Date(0) });
        expect(next?.fence).toBeGreaterThan(1n); // the fence sequence went on
        await next?.unlock();
        await fleet.pause('job');
        expect(await fleet.pausedJobs()).toEqual(['job']);
        await history.record({
          jobId: 'id',
          jobName: 'job',
          scheduledAt: new Date(),
          startedAt: new Date(),
          status: 'running',
          replica: 'r',
        });
      } finally {
        await fresh.end();
      }
      // The previous version reads max(version) of its bookkeeping only, and still starts.
      const versions = async (table: string) =>
        (await pool.query(`SELECT version, name FROM ${T(table)} ORDER BY version`)).rows;
      expect((await versions('legacy_migrations')).map((r) => r.version)).toEqual([1, 2, 3]);
      expect(await versions('tscron_fleet_migrations')).toEqual([
        { version: 1, name: 'fleet_0001_tables.sql' },
      ]);
      expect(await versions('tscron_runs_migrations')).toEqual([
        { version: 1, name: 'history_0001_runs.sql' },
      ]);
      await old?.unlock();
    } finally {
      await pool.end();
    }
  });

  it('refuses a fleet or history given the tables of another component, naming both', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
    try {
      await new PostgresLocker({ client: pool, schema, table: 'shared' }).migrate();
      const onLocks = await rejection(new PostgresFleet({ client: pool, schema, table: 'shared' }).migrate());
      expect(isTscronError(onLocks, 'ERR_INVALID_OPTION')).toBe(true);
      expect(onLocks.message).toMatch(/"0003_expires_index\.sql", which is not one of PostgresFleet/);
      await new PostgresRunHistory({ client: pool, schema, table: 'runs_first' }).migrate();
      const onRuns = await rejection(
        new PostgresLocker({ client: pool, schema, table: 'runs_first' }).migrate(),
      );
      expect(onRuns.message).toMatch(
        /"history_0001_runs\.sql", which is not one of PostgresLocker and PostgresElector/,
      );
      // The tables of the first stay as they were.
      expect((await pool.query(`SELECT version FROM ${T('shared_migrations')}`)).rows).toHaveLength(3);
    } finally {
      await pool.end();
    }
  });

  it('applies the fleet and history migrations once when replicas start together, and refuses a newer fleet', async () => {
    const pools = Array.from(
      { length: 4 },
      () => new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 }),
    );
    try {
      await Promise.all(
        pools.flatMap((client) => [
          new PostgresFleet({ client, schema, table: 'together' }).migrate(),
          new PostgresRunHistory({ client, schema, table: 'together_runs' }).migrate(),
        ]),
      );
      expect((await pools[0]!.query(`SELECT version FROM ${T('together_migrations')}`)).rows).toEqual([
        { version: 1 },
      ]);
      await pools[0]!.query(
        `INSERT INTO ${T('together_migrations')} (version, name) VALUES (2, 'fleet_0002_later.sql')`,
      );
      const other = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
      const error = await rejection(
        new PostgresFleet({ client: other, schema, table: 'together' }).pause('x'),
      );
      await other.end();
      expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(error.message).toMatch(/at schema version 2, newer than the 1/);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
  it('creates a missing schema once when the locker, the fleet and the history migrate into it at once', async () => {
    const fresh = `${schema}_new`;
    const pools = Array.from(
      { length: 3 },
      () => new pg.Pool({ connectionString: url, max: 3, idleTimeoutMillis: 0 }),
    );
    try {
      await Promise.all(
        pools.flatMap((client) => [
          new PostgresLocker({ client, schema: fresh }).migrate(),
          new PostgresFleet({ client, schema: fresh }).migrate(),
          new PostgresRunHistory({ client, schema: fresh }).migrate(),
        ]),
      );
      const { rows } = await pools[0]!.query(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE $2 ORDER BY tablename',
        [fresh, '%migrations'],
      );
      expect(rows.map((r) => r.tablename)).toEqual([
        'tscron_fleet_migrations',
        'tscron_locks_migrations',
        'tscron_runs_migrations',
      ]);
    } finally {
      await pools[0]!.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
