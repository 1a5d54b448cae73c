// The clients the locker and the elector accept: ioredis 5 or 6, or node-redis (`redis`) 4 to 6,
// typed structurally so that neither library's types are needed to use the other.
import type { EventEmitter } from 'node:events';

/** The event methods both libraries' clients have (both are `EventEmitter`s). */
type Events = Pick<EventEmitter, 'on' | 'off' | 'listenerCount'>;

/**
 * An ioredis `Redis` or `Cluster` client, from ioredis 5 or 6 (any `protocol` or `replyMapping`).
 * It is typed by the calls tscron makes rather than as `Redis | Cluster`: the classes of the two
 * majors have private members, and ioredis 6 adds a reply-mapping type parameter, so a class type
 * from one install would reject a client from the other major or a `replyMapping: 'resp3'` client.
 */
export interface IoRedisClient extends Events {
  /** Runs a loaded Lua script by its SHA1. */
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** Runs a Lua script from its source. */
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * A node-redis client from `createClient()`, `createCluster()` or `createClientPool()` of the
 * `redis` package (or `@redis/client`), versions 4 to 6, with any `RESP` or type mapping. It is typed by the methods
 * tscron looks for, not by their signatures: those differ between a client and a cluster and from
 * one major to the next. tscron sends its commands with `sendCommand`.
 */
export interface NodeRedisClient extends Events {
  /** Present on every node-redis client; tells it apart from an ioredis one. */
  evalSha: (...args: never[]) => unknown;
  /** `(args)` on a client, `(firstKey, isReadonly, args)` on a cluster. */
  sendCommand: (...args: never[]) => unknown;
}

/** A client of either library: an ioredis `Redis` or `Cluster`, or a node-redis client or cluster. */
export type RedisClient = IoRedisClient | NodeRedisClient;
