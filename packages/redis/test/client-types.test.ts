// Every supported client is accepted as it is, without casts: tsc checks the calls below
// (tsconfig.check.json covers the tests), and the constructors accept them at run time (no I/O).
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { createClient, createCluster, RESP_TYPES } from 'redis';
import { createClient as createClient4, createCluster as createCluster4 } from 'redis4';
import { createClient as createClient5, createCluster as createCluster5 } from 'redis5';
import { describe, expect, it } from 'vitest';
import { RedisElector, RedisFleet, RedisLocker, RedisRunHistory } from '../src/index.js';

const lazy = { lazyConnect: true } as const;
const rootNodes = [{ url: 'redis://127.0.0.1:7000' }];

describe('the client option', () => {
  it('takes Redis and Cluster clients of ioredis 5 and 6, RESP2 or RESP3, legacy or resp3 replies', () => {
    const clients = [
      new Redis5(lazy),
      new Cluster5([{ port: 7000 }], lazy),
      new Redis6(lazy),
      new Redis6({ ...lazy, protocol: 2 }),
      new Redis6({ ...lazy, replyMapping: 'resp3' }),
      new Cluster6([{ port: 7000 }], lazy),
      new Cluster6([{ port: 7000 }], { ...lazy, redisOptions: { replyMapping: 'resp3' } }),
    ];
    try {
      for (const client of clients) {
        expect(new RedisLocker({ client })).toBeInstanceOf(RedisLocker);
        expect(new RedisElector({ client, name: 'types' })).toBeInstanceOf(RedisElector);
        expect(new RedisFleet({ client })).toBeInstanceOf(RedisFleet);
        expect(new RedisRunHistory({ client })).toBeInstanceOf(RedisRunHistory);
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  it('takes node-redis 4, 5 and 6 clients and clusters, RESP2 or RESP3, with type mappings', () => {
    const client6 = createClient({ RESP: 3 });
    const clients = [
      createClient4(),
      createClient4({ legacyMode: true }),
      createCluster4({ rootNodes }),
      createClient5(),
      createClient5({ RESP: 3 }),
      createCluster5({ rootNodes }),
      createClient(),
      client6,
      client6.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }),
      createCluster({ rootNodes }),
      createCluster({ rootNodes, RESP: 3 }),
    ];
    for (const client of clients) {
      expect(new RedisLocker({ client })).toBeInstanceOf(RedisLocker);
      expect(new RedisElector({ client, name: 'types' })).toBeInstanceOf(RedisElector);
      expect(new RedisFleet({ client })).toBeInstanceOf(RedisFleet);
      expect(new RedisRunHistory({ client })).toBeInstanceOf(RedisRunHistory);
    }
  });

  it('rejects what is no client of either library, in the types and at run time', () => {
    // @ts-expect-error: a plain object is no client
    expect(() => new RedisLocker({ client: { get: () => undefined } })).toThrow(/ioredis .* node-redis/);
  });
});
