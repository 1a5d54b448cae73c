// The RedisConnection of a node-redis client (`redis` 4 to 6: createClient, createCluster or createClientPool).
import type { NodeRedisClient } from './client.js';
import type { RedisConnection } from './connection.js';
import { loadScript, type Script } from './scripts.js';

/** `sendCommand(args)` on a client, `sendCommand(firstKey, isReadonly, args)` on a cluster. */
interface Sender {
  sendCommand(...args: unknown[]): Promise<unknown>;
}

/** Whether `client` looks like a node-redis client or cluster (`evalSha` and `sendCommand`). */
export function isNodeRedisClient(client: unknown): client is NodeRedisClient {
  const candidate = client as Partial<Record<keyof NodeRedisClient, unknown>> | undefined;
  return (
    typeof candidate?.evalSha === 'function' &&
    typeof candidate.sendCommand === 'function' &&
    typeof candidate.on === 'function'
  );
}

/**
 * Scripts through node-redis' `sendCommand`, with the command built here (node-redis takes strings
 * only): on a cluster, routed by the first key, which shares its slot with the call's other keys.
 */
export class NodeRedisConnection implements RedisConnection {
  readonly client: NodeRedisClient;
  readonly cluster: boolean;
  /** The object whose `sendCommand` returns a promise: a v4 client in legacy mode keeps it in `v4`. */
  readonly #target: Sender;

  constructor(client: NodeRedisClient) {
    this.client = client;
    // A cluster has getMasters() in every major; a client never has it.
    this.cluster = typeof (client as { getMasters?: unknown }).getMasters === 'function';
    // Reading `v4` throws on a v4 client that is not in legacy mode: it is read only when it is.
    const legacy = (client as { options?: { legacyMode?: unknown } }).options?.legacyMode === true;
    this.#target = legacy ? (client as unknown as { v4: Sender }).v4 : (client as unknown as Sender);
  }

  async run(which: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const command = ['EVALSHA', loadScript(which), String(keys.length), ...keys];
    for (const arg of args) command.push(typeof arg === 'string' ? arg : String(arg));
    try {
      return await this.#send(command, keys[0]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      command[0] = 'EVAL';
      command[1] = which.source as string;
      return this.#send(command, keys[0]);
    }
  }

  #send(command: string[], firstKey: string | undefined): Promise<unknown> {
    return this.cluster
      ? this.#target.sendCommand(firstKey, false, command)
      : this.#target.sendCommand(command);
  }

  /**
   * node-redis throws an `'error'` it emits while no listener is attached (that is, crashes the
   * process), so a client in use has one; tscron adds its own only beside the user's. A cluster
   * reports each node's failures on `'node-error'` (v5 and later).
   */
  failureEvents(): string[] {
    const events = this.client.listenerCount('error') > 0 ? ['error'] : [];
    if (this.cluster) events.push('node-error');
    return events;
  }

  /** node-redis keeps no record of its connection's last error. */
  socketError(): Error | undefined {
    return undefined;
  }
}
