// Both ioredis majors' clients are accepted as they are, without casts: tsc checks the calls below
// (tsconfig.check.json covers the tests), and the constructors accept them at run time (no I/O).
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { describe, expect, it } from 'vitest';
import { RedisElector, RedisLocker } from '../src/index.js';

const lazy = { lazyConnect: true } as const;

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
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});
