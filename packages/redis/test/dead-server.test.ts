// A server that is not there, through each client of clients.ts on a real closed port: the same
// TscronError codes on all, and a lock() timeout that says what the client last saw.
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

describe.each(clients)('a dead server through $label', (flavour) => {
  it('lock() times out with the connection error as cause and in the message (client with an error listener)', async () => {
    const port = await sparePort();
    const test = flavour.standalone({ port, retryDelay: 100 });
    const seen: Error[] = [];
    test.onError((error) => seen.push(error));
    const listeners = test.listenerCount('error');
    try {
      const locker = new RedisLocker({ client: test.client, acquireTimeout: '1s' });
      const started = performance.now();
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(performance.now() - started).toBeLessThan(1500);
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(error.message).toBe(
        `RedisLocker lock timed out after 1000ms; the client last saw: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      // The user's listener saw every error, and the locker's listeners are gone again.
      expect(seen.length).toBeGreaterThan(0);
      expect(test.listenerCount('error')).toBe(listeners);
      expect(test.listenerCount('node error') + test.listenerCount('node-error')).toBe(0);
    } finally {
      test.disconnect();
    }
  });

  it('lockBatch() times out as lock() does, naming the connection error', async () => {
    const port = await sparePort();
    const test = flavour.standalone({ port, retryDelay: 100 });
    test.onError(() => undefined);
    const listeners = test.listenerCount('error');
    try {
      const locker = new RedisLocker({ client: test.client, acquireTimeout: 500 });
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
      expect(test.listenerCount('error')).toBe(listeners);
    } finally {
      test.disconnect();
    }
  });

  // node-redis throws an 'error' event nobody listens to, so its clients always have a listener.
  if (flavour.library === 'ioredis') {
    it('a client without an error listener keeps printing ioredis warnings, and the timeout still names the cause', async () => {
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const test = flavour.standalone({ port: await sparePort(), retryDelay: 100 });
      try {
        const locker = new RedisLocker({ client: test.client, acquireTimeout: 500 });
        const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
        expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
        expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
        expect(error.message).toMatch(/; the client last saw: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
        expect(test.listenerCount('error')).toBe(0);
        // ioredis printed its "Unhandled error event" lines all along: nothing silenced them.
        expect(printed.mock.calls.some((call) => String(call[0]).includes('Unhandled error event'))).toBe(
          true,
        );
      } finally {
        test.disconnect();
      }
    });
  }

  // ioredis queues a Cluster's calls while it looks for a node (a timeout, naming the node error);
  // node-redis fails them at once (a backend failure, with its error as cause).
  const clusterCode = flavour.library === 'ioredis' ? 'ERR_LOCK_TIMEOUT' : 'ERR_LOCK_BACKEND_FAILED';
  it(`a Cluster client whose nodes are all down fails with ${clusterCode} and a cause`, async () => {
    const test = await flavour.cluster([{ host: '127.0.0.1', port: await sparePort() }], true);
    test.onError(() => undefined);
    try {
      const locker = new RedisLocker({ client: test.client, acquireTimeout: 500 });
      const started = performance.now();
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(isTscronError(error, clusterCode)).toBe(true);
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).toContain((error.cause as Error).message);
      expect(test.listenerCount('node error') + test.listenerCount('node-error')).toBe(0);
    } finally {
      test.disconnect();
    }
  });

  it('without an offline queue lock() fails at once with ERR_LOCK_BACKEND_FAILED', async () => {
    const test = flavour.standalone({ port: await sparePort(), offlineQueue: false, retryDelay: 100 });
    test.onError(() => undefined);
    try {
      const started = performance.now();
      const error = await rejection(
        new RedisLocker({ client: test.client }).lock('job', { scheduledAt: at, signal: signal() }),
      );
      expect(performance.now() - started).toBeLessThan(500);
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect(error.cause).toBeInstanceOf(Error);
    } finally {
      test.disconnect();
    }
  });

  it('an elector says false within its retry period and close() does not hang', async () => {
    const test = flavour.standalone({ port: await sparePort(), retryDelay: 100 });
    test.onError(() => undefined);
    try {
      const elector = new RedisElector({ client: test.client, name: 'dead', lease: '1s', retryPeriod: 300 });
      const started = performance.now();
      expect(await elector.isLeader({ signal: signal() })).toBe(false);
      expect(performance.now() - started).toBeLessThan(600);
      await elector.close();
    } finally {
      test.disconnect();
    }
  });
});

describe.each(clients.filter((flavour) => flavour.library === 'node-redis'))(
  'a node-redis client that was never connected, through $label',
  (flavour) => {
    it('lock() fails at once with ERR_LOCK_BACKEND_FAILED, its "client is closed" error as cause', async () => {
      const test = flavour.standalone({ lazy: true });
      const error = await rejection(
        new RedisLocker({ client: test.client }).lock('job', { scheduledAt: at, signal: signal() }),
      );
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect((error.cause as Error).message).toMatch(/closed/);
    });
  },
);
