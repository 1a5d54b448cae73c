// A MySQL server that is not there, on a real closed port. mysql2 reports the refused connection at
// once, so lock() fails with ERR_LOCK_BACKEND_FAILED (not a timeout) whose cause is that error, as
// with Redis and PostgreSQL; the elector says false; lockBatch fails the same way.
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { isTscronError } from 'tscron';
import { describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { sparePort } from '../../../test-support/services.js';
import { MySqlElector, MySqlLocker } from '../src/index.js';

const at = new Date('2030-01-01T00:00:00Z');
const signal = new AbortController().signal;

describe('a dead MySQL server', () => {
  it('lock() and lockBatch() through a pool reject at once with the connection error as cause', async () => {
    const port = await sparePort();
    const pool = mysqlPromise.createPool({ host: '127.0.0.1', port, user: 'nobody' });
    try {
      const locker = new MySqlLocker({ client: pool, acquireTimeout: '1s' });
      const started = performance.now();
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toMatch(/ECONNREFUSED/);
      const batch = await rejection(locker.lockBatch([{ key: 'job', scheduledAt: at }], { signal }));
      expect(isTscronError(batch, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('a callback-API pool is accepted and fails the same way', async () => {
    const pool = mysql.createPool({ host: '127.0.0.1', port: await sparePort(), user: 'nobody' });
    try {
      const locker = new MySqlLocker({ client: pool, acquireTimeout: '1s' });
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal }));
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });

  it('an elector says false within its retry period and close() does not hang', async () => {
    const pool = mysqlPromise.createPool({ host: '127.0.0.1', port: await sparePort(), user: 'nobody' });
    try {
      const elector = new MySqlElector({ client: pool, name: 'x', lease: '1s', retryPeriod: 300 });
      expect(await elector.isLeader({ signal })).toBe(false);
      await elector.close();
    } finally {
      await pool.end();
    }
  });
});
