// The RedisConnection of an ioredis client (ioredis 5 or 6, Redis or Cluster).
import type { IoRedisClient } from './client.js';
import type { RedisConnection } from './connection.js';
import { loadScript, type Script } from './scripts.js';

/** Whether `client` looks like an ioredis client (it has `evalsha`); ask after node-redis. */
export function isIoRedisClient(client: unknown): client is IoRedisClient {
  return typeof (client as Partial<IoRedisClient> | undefined)?.evalsha === 'function';
}

/** Scripts through ioredis' own `evalsha` and `eval`, which route a Cluster's calls by their first key. */
export class IoRedisConnection implements RedisConnection {
  readonly client: IoRedisClient;
  readonly cluster: boolean;

  constructor(client: IoRedisClient) {
    this.client = client;
    this.cluster = (client as { isCluster?: unknown }).isCluster === true;
  }

  async run(which: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const sha = loadScript(which);
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return this.client.eval(which.source as string, keys.length, ...keys, ...args);
    }
  }

  /**
   * ioredis prints "[ioredis] Unhandled error event" only while no `'error'` listener is attached,
   * so one is added only beside the user's own; a Cluster also reports node failures on
   * `'node error'`, which ioredis never prints.
   */
  failureEvents(): string[] {
    return this.client.listenerCount('error') > 0 ? ['error', 'node error'] : ['node error'];
  }

  /** The error the client's socket was destroyed with, kept until the next connection attempt. */
  socketError(): Error | undefined {
    const errored = (this.client as { stream?: { errored?: unknown } }).stream?.errored;
    return errored instanceof Error ? errored : undefined;
  }
}
