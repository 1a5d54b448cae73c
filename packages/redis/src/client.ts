// The ioredis client the locker and the elector accept, typed so that both majors fit.
import type { EventEmitter } from 'node:events';

/**
 * An ioredis `Redis` or `Cluster` client, from ioredis 5 or 6 (any `protocol` or `replyMapping`).
 * It is typed by the calls tscron makes rather than as `Redis | Cluster`: the classes of the two
 * majors have private members, and ioredis 6 adds a reply-mapping type parameter, so a class type
 * from one install would reject a client from the other major or a `replyMapping: 'resp3'` client.
 */
export interface RedisClient extends Pick<EventEmitter, 'on' | 'off' | 'listenerCount'> {
  /** Runs a loaded Lua script by its SHA1. */
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** Runs a Lua script from its source. */
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Whether `client` looks like an ioredis client (it has `evalsha`). */
export function isRedisClient(client: unknown): client is RedisClient {
  return typeof (client as Partial<RedisClient> | undefined)?.evalsha === 'function';
}

/** Whether `client` is an ioredis `Cluster`, whose script calls must keep their keys in one slot. */
export function isCluster(client: RedisClient): boolean {
  return (client as { isCluster?: unknown }).isCluster === true;
}
