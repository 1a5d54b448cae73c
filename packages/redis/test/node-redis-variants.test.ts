// node-redis clients that are not plain createClient() ones work too: a node-redis 4 client in
// legacy mode (callback commands, promises under `client.v4`; tscron sends through `v4`), and a
// node-redis 6 client pool (createClientPool, whose sendCommand takes a pooled connection).
import { createClientPool } from 'redis';
import { createClient } from 'redis4';
import { describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { RedisElector, RedisLocker } from '../src/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);
const signal = new AbortController().signal;

/** Locks, unlocks and elects through `client`; `exists` and `del` inspect and clean up the server. */
async function locksAndElects(
  client: ConstructorParameters<typeof RedisLocker>[0]['client'],
  label: string,
  exists: (key: string) => Promise<number>,
  del: (key: string) => Promise<unknown>,
): Promise<void> {
  const prefix = `tscron-test:${label}:${process.pid}:`;
  const locker = new RedisLocker({ client, keyPrefix: prefix, minHold: 0 });
  const scheduledAt = new Date();
  const first = await locker.lock('job', { scheduledAt, signal });
  expect(first?.fence).toBeTypeOf('bigint');
  expect(await locker.lock('job', { scheduledAt, signal })).toBeNull();
  await first?.unlock();
  expect(await exists(locker.occurrenceKey('job', scheduledAt))).toBe(0);
  const elector = new RedisElector({ client, name: `${label}-${process.pid}`, keyPrefix: prefix });
  expect(await elector.isLeader({ signal })).toBe(true);
  await elector.close();
  await del(locker.fenceKey('job'));
}

describe.skipIf(!up)('node-redis variants', () => {
  it('a node-redis 4 client in legacy mode takes and releases locks with fences, and elects', async () => {
    const client = createClient({ url, legacyMode: true });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await locksAndElects(
        client,
        'legacy',
        (key) => client.v4.exists(key),
        (key) => client.v4.del(key),
      );
    } finally {
      await client.v4.quit();
    }
  });

  it('a node-redis 6 client pool takes and releases locks with fences, and elects', async () => {
    const pool = createClientPool({ url });
    pool.on('error', () => undefined);
    await pool.connect();
    try {
      await locksAndElects(
        pool,
        'pool',
        (key) => pool.exists(key),
        (key) => pool.del(key),
      );
    } finally {
      await pool.close();
    }
  });
});
