// Migrations on a fresh database: applied once by replicas starting together, idempotent, a newer
// schema refused; bad options rejected without I/O.
import mysql from 'mysql2/promise';
import { isTscronError } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { MySqlElector, MySqlLocker } from '../src/index.js';
import { statements } from '../src/schema.js';
import { url } from './support.js';

const up = await serviceAvailable('MariaDB', url, 3306);
const admin = up ? mysql.createPool({ uri: url, connectionLimit: 2 }) : undefined;
const database = `tscron_migrate_${process.pid}`;
afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin?.end();
});
const signal = new AbortController().signal;
const pool = () => mysql.createPool({ uri: url, connectionLimit: 2 });

describe.skipIf(!up)('MySQL migrations', () => {
  it('does no I/O in the constructor and applies the numbered migrations once, concurrently, on a fresh database', async () => {
    await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin?.query(`CREATE DATABASE \`${database}\``);
    const pools = Array.from({ length: 5 }, pool);
    try {
      let connects = 0;
      for (const p of pools) p.pool.on('connection', () => connects++);
      const lockers = pools.map((client) => new MySqlLocker({ client, database, table: 'jobs' }));
      expect(connects).toBe(0);
      await Promise.all(lockers.map((locker) => locker.migrate()));
      const [rows] = await admin!.query(
        `SELECT version, name FROM \`${database}\`.jobs_migrations ORDER BY version`,
      );
      expect(rows).toEqual([
        { version: 1, name: '0001_locks.sql' },
        { version: 2, name: '0002_leases.sql' },
      ]);
      const lock = await lockers[1]!.lock('job', { signal, scheduledAt: new Date() });
      expect(lock?.fence).toBe(2n);
      await lock?.unlock();
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('is idempotent: a second run changes nothing, and a migration cut short is completed', async () => {
    const client = pool();
    try {
      await new MySqlLocker({ client, database, table: 'again' }).migrate();
      await client.query(`DELETE FROM \`${database}\`.again_migrations WHERE version = 2`);
      // A fresh pool: a process remembers which table sets it has migrated already.
      const fresh = pool();
      await new MySqlElector({ client: fresh, name: 'x', database, table: 'again' }).migrate();
      await new MySqlLocker({ client: fresh, database, table: 'again' }).migrate();
      await fresh.end();
      const [rows] = await client.query(
        `SELECT version FROM \`${database}\`.again_migrations ORDER BY version`,
      );
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
      const [tables] = await client.query(
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
        [database],
      );
      expect((tables as Array<{ t: string }>).map((r) => r.t).filter((t) => t.startsWith('again'))).toEqual([
        'again',
        'again_leases',
        'again_migrations',
      ]);
    } finally {
      await client.end();
    }
  });

  it('refuses a database whose schema is newer than the package', async () => {
    const client = pool();
    try {
      await new MySqlLocker({ client, database, table: 'future' }).migrate();
      await client.query(
        `INSERT INTO \`${database}\`.future_migrations (version, name) VALUES (999, 'from the future')`,
      );
      const fresh = pool();
      const locker = new MySqlLocker({ client: fresh, database, table: 'future' });
      const error = await locker.lock('job', { signal, scheduledAt: new Date() }).catch((e: unknown) => e);
      expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(String(error)).toMatch(/version 999/);
      await expect(
        new MySqlElector({ client: fresh, name: 'x', database, table: 'future' }).migrate(),
      ).rejects.toThrow(/newer/);
      await fresh.end();
    } finally {
      await client.end();
    }
  });

  it('splits a migration file into its statements', () => {
    const n = {
      locks: '`l`',
      leases: '`s`',
      migrations: '`m`',
      fenceIndex: '`f`',
      expiresIndex: '`e`',
      id: '.l',
    };
    expect(
      statements(
        '-- a comment; with a semicolon\nCREATE TABLE {{locks}} (a INT);\n\nCREATE TABLE {{leases}} (b INT);\n',
        n,
      ),
    ).toEqual(['CREATE TABLE `l` (a INT)', 'CREATE TABLE `s` (b INT)']);
  });

  it('rejects bad options without touching the server', () => {
    const client = { query: async () => [[], []] as [unknown, unknown] };
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_OPTION' });
    expect(() => new MySqlLocker({ client, table: '' })).toThrow(invalid);
    expect(() => new MySqlLocker({ client, table: 'x'.repeat(60) })).toThrow(/table/);
    expect(() => new MySqlLocker({ client, database: '' })).toThrow(/database/);
    expect(() => new MySqlLocker({ client, keyPrefix: 'p'.repeat(201) })).toThrow(/keyPrefix/);
    expect(() => new MySqlLocker({ client, ttl: '1s', renewInterval: '1s' })).toThrow(/renewInterval/);
    expect(() => new MySqlLocker({ client, ttl: 'soon' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DURATION' }),
    );
    expect(() => new MySqlElector({ client, name: '' })).toThrow(/name/);
    expect(() => new MySqlElector({ client, name: 'x', lease: '1s', retryPeriod: '2s' })).toThrow(invalid);
    expect(() => new MySqlLocker({ client: {} as never })).toThrow(/client/);
    expect(() => new MySqlElector({ client: undefined as never, name: 'x' })).toThrow(invalid);
  });
});
