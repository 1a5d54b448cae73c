// A server that is not there, through ioredis 5 and 6 on a real closed port: the same TscronError
// codes on both, and a lock() timeout that says what the client last saw.
import { isTscronError } from 'tscron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { sparePort } from '../../../test-support/services.js';
import { RedisElector, RedisLocker } from '../src/index.js';
import { clients } from './clients.js';

const at = new Date('2030-01-01T00:00:00Z');
const signal = () => new AbortController().signal;

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(clients)('a dead server through $label', ({ Redis, Cluster }) => {
  it('lock() times out with the connection error as cause and in the message (client with an error listener)', async () => {
    const port = await sparePort();
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 100 });
    const seen: Error[] = [];
    client.on('error', (error) => seen.push(error));
    try {
      const locker = new RedisLocker({ client, acquireTimeout: '1s' });
      const started = performance.now();
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(performance.now() - started).toBeLessThan(1500);
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toBe(
        `RedisLocker lock timed out after 1000ms; the client last saw: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      // The user's listener saw every error, and the locker's listener is gone again.
      expect(seen.length).toBeGreaterThan(0);
      expect(client.listenerCount('error')).toBe(1);
      expect(client.listenerCount('node error')).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('lockBatch() times out as lock() does, naming the connection error', async () => {
    const port = await sparePort();
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    try {
      const locker = new RedisLocker({ client, acquireTimeout: 500 });
      const claims = [
        { key: 'a', scheduledAt: at },
        { key: 'b', scheduledAt: at },
      ];
      const error = await rejection(locker.lockBatch(claims, { signal: signal() }));
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toBe(
        `RedisLocker lockBatch timed out after 500ms; the client last saw: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      expect(client.listenerCount('error')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('a client without an error listener keeps printing ioredis warnings, and the timeout still names the cause', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const port = await sparePort();
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 100 });
    try {
      const locker = new RedisLocker({ client, acquireTimeout: 500 });
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toMatch(/; the client last saw: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      expect(client.listenerCount('error')).toBe(0);
      // ioredis printed its "Unhandled error event" lines all along: nothing silenced them.
      expect(printed.mock.calls.some((call) => String(call[0]).includes('Unhandled error event'))).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('a Cluster client whose nodes are all down times out with a cause too', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: await sparePort() }]);
    client.on('error', () => undefined);
    try {
      const locker = new RedisLocker({ client, acquireTimeout: 500 });
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).toContain(`; the client last saw: ${(error.cause as Error).message}`);
      expect(client.listenerCount('node error')).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('without an offline queue lock() fails at once with ERR_LOCK_BACKEND_FAILED', async () => {
    const client = new Redis({ port: await sparePort(), enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      const error = await rejection(
        new RedisLocker({ client }).lock('job', { scheduledAt: at, signal: signal() }),
      );
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect(error.cause).toBeInstanceOf(Error);
    } finally {
      client.disconnect();
    }
  });

  it('an elector says false within its retry period and close() does not hang', async () => {
    const client = new Redis({ port: await sparePort(), retryStrategy: () => 100 });
    client.on('error', () => undefined);
    try {
      const elector = new RedisElector({ client, name: 'dead', lease: '1s', retryPeriod: 300 });
      const started = performance.now();
      expect(await elector.isLeader({ signal: signal() })).toBe(false);
      expect(performance.now() - started).toBeLessThan(600);
      await elector.close();
    } finally {
      client.disconnect();
    }
  });
});
