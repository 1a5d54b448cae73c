// A node-redis 4 client in legacy mode (callback commands, promises under `client.v4`) works as a
// plain one: tscron sends through `v4`.
import { createClient } from 'redis4';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { RedisElector, RedisLocker } from '../src/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);

describe.skipIf(!up)('a node-redis 4 client in legacy mode', () => {
  const client = createClient({ url, legacyMode: true });
  client.on('error', () => undefined);
  const connected = up ? client.connect() : undefined;
  afterAll(async () => {
    await connected;
    await client.v4.quit();
  });

  it('takes and releases locks with fences, and elects', async () => {
    await connected;
    const prefix = `tscron-test:legacy:${process.pid}:`;
    const locker = new RedisLocker({ client, keyPrefix: prefix, minHold: 0 });
    const scheduledAt = new Date();
    const signal = new AbortController().signal;
    const first = await locker.lock('job', { scheduledAt, signal });
    expect(first?.fence).toBeTypeOf('bigint');
    expect(await locker.lock('job', { scheduledAt, signal })).toBeNull();
    await first?.unlock();
    expect(await client.v4.exists(locker.occurrenceKey('job', scheduledAt))).toBe(0);
    const elector = new RedisElector({ client, name: `legacy-${process.pid}`, keyPrefix: prefix });
    expect(await elector.isLeader({ signal })).toBe(true);
    await elector.close();
    await client.v4.del(locker.fenceKey('job'));
  });
});
