// A PostgreSQL server that is not there, on a real closed port. pg reports the refused connection at
// once, so lock() fails with ERR_LOCK_BACKEND_FAILED (not a timeout) whose cause is that error and
// whose message names it; the elector says false. Pinned here so that a timeout without a cause
// cannot creep in.
import pg from 'pg';
import { isTscronError } from 'tscron';
import { describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { sparePort } from '../../../test-support/services.js';
import { PostgresElector, PostgresLocker } from '../src/index.js';

const at = new Date('2030-01-01T00:00:00Z');

describe('a dead PostgreSQL server', () => {
  it('lock() through a pool rejects at once with the connection error as cause and in the message', async () => {
    const port = await sparePort();
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'nobody' });
    pool.on('error', () => undefined);
    try {
      const locker = new PostgresLocker({ client: pool, acquireTimeout: '1s' });
      const started = performance.now();
      const error = await rejection(
        locker.lock('job', { scheduledAt: at, signal: new AbortController().signal }),
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toMatch(new RegExp(`failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
    } finally {
      await pool.end();
    }
  });

  it('an elector says false within its retry period and close() does not hang', async () => {
    const port = await sparePort();
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'nobody' });
    pool.on('error', () => undefined);
    try {
      const elector = new PostgresElector({ client: pool, name: 'x', lease: '1s', retryPeriod: 300 });
      expect(await elector.isLeader({ signal: new AbortController().signal })).toBe(false);
      await elector.close();
    } finally {
      await pool.end();
    }
  });
});
