// What the locker and the elector need of a client, with one implementation per client library.
import type { RedisClient } from './client.js';
import { IoRedisConnection, isIoRedisClient } from './ioredis-connection.js';
import { isNodeRedisClient, NodeRedisConnection } from './node-redis-connection.js';
import type { Script } from './scripts.js';

/**
 * A user's client, seen through the few calls tscron makes. The client is told apart by its
 * methods (a node-redis client has `evalSha` and `sendCommand`, an ioredis one `evalsha` only);
 * neither library is imported.
 */
export interface RedisConnection {
  /** Whether the client is a Cluster client, whose script calls must keep their keys in one slot. */
  readonly cluster: boolean;
  /** The client, whose events the {@link ConnectionWatch} listens to. */
  readonly client: RedisClient;
  /** Runs a script: EVALSHA, and EVAL when the server does not know the script yet. */
  run(which: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  /**
   * The events the client reports connection failures on, to listen to while calls are pending.
   * `'error'` only when the user listens to it already (see {@link ConnectionWatch}).
   */
  failureEvents(): string[];
  /** The error the client's connection failed with last, when the client keeps it, else undefined. */
  socketError(): Error | undefined;
}

/** The connection for `client`, or undefined when it is no client tscron knows. */
export function connectionOf(client: unknown): RedisConnection | undefined {
  // node-redis first: a node-redis 4 client in legacy mode has an ioredis-like `evalsha` too.
  if (isNodeRedisClient(client)) return new NodeRedisConnection(client);
  if (isIoRedisClient(client)) return new IoRedisConnection(client);
  return undefined;
}
