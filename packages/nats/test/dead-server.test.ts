// A server that is not there: a connection whose server went away (it keeps reconnecting) makes
// lock() and lockBatch() time out with ERR_LOCK_TIMEOUT, a closed connection fails them at once with
// ERR_LOCK_BACKEND_FAILED and the client's error as cause, as for Redis and PostgreSQL; an elector
// says false within its retry period and close() does not hang.
import { isTscronError } from 'tscron';
import { describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { NatsElector, NatsLocker } from '../src/index.js';
import { connectTo, openProxy, up } from './support.js';

const at = new Date('2030-01-01T00:00:00Z');
const signal = () => new AbortController().signal;

/** A connection through a proxy that is then cut: the client keeps trying to reconnect. */
async function strandedConnection() {
  const proxy = await openProxy();
  const client = await connectTo(proxy.port);
  await proxy.cut();
  return client;
}

describe.skipIf(!up)('a NATS server that went away', () => {
  it('lock() rejects with ERR_LOCK_TIMEOUT within acquireTimeout', async () => {
    const client = await strandedConnection();
    try {
      const locker = new NatsLocker({ client, acquireTimeout: 500 });
      const started = performance.now();
      const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
      expect(performance.now() - started).toBeLessThan(900);
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect(error.message).toBe('NatsLocker lock timed out after 500ms');
    } finally {
      await client.close();
    }
  });

  it('lockBatch() rejects with ERR_LOCK_TIMEOUT as lock() does', async () => {
    const client = await strandedConnection();
    try {
      const locker = new NatsLocker({ client, acquireTimeout: 500 });
      const claims = [
        { key: 'a', scheduledAt: at },
        { key: 'b', scheduledAt: at },
      ];
      const error = await rejection(locker.lockBatch(claims, { signal: signal() }));
      expect(isTscronError(error, 'ERR_LOCK_TIMEOUT')).toBe(true);
      expect(error.message).toBe('NatsLocker lockBatch timed out after 500ms');
    } finally {
      await client.close();
    }
  });

  it('a closed connection fails lock() at once with ERR_LOCK_BACKEND_FAILED naming the cause', async () => {
    const client = await connectTo();
    await client.close();
    const locker = new NatsLocker({ client, acquireTimeout: '1s' });
    const started = performance.now();
    const error = await rejection(locker.lock('job', { scheduledAt: at, signal: signal() }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toBe(`NatsLocker lock failed: ${(error.cause as Error).message}`);
  });

  it('an elector says false within its retry period and close() does not hang', async () => {
    const client = await strandedConnection();
    try {
      const elector = new NatsElector({ client, name: 'dead', lease: '1s', retryPeriod: 300 });
      const started = performance.now();
      expect(await elector.isLeader({ signal: signal() })).toBe(false);
      expect(performance.now() - started).toBeLessThan(600);
      const closing = performance.now();
      await elector.close();
      expect(performance.now() - closing).toBeLessThan(600);
    } finally {
      await client.close();
    }
  });
});
