// The client libraries and majors the tests run against: the same suites are repeated for each.
// Inspection of the server (probes) goes through ioredis 5 whatever the flavour: only the client
// under test changes.
import { Cluster as Cluster5, Redis as Redis5, type RedisOptions } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import * as nodeRedis6 from 'redis';
import * as nodeRedis4 from 'redis4';
import * as nodeRedis5 from 'redis5';
import type { RedisClient } from '../src/index.js';

/** Where a standalone client connects, and how. */
export interface StandaloneOptions {
  /** A `redis://` URL; else `127.0.0.1:port`. */
  url?: string;
  port?: number;
  /** Never connect (for checks that must make no I/O). */
  lazy?: boolean;
  /** Milliseconds between reconnection attempts. */
  retryDelay?: number;
  /** Whether calls made while disconnected wait for the connection. @default true */
  offlineQueue?: boolean;
}

/** A client under test, with the few lifecycle calls the tests make on it. */
export interface TestClient {
  /** What RedisLocker and RedisElector are given. */
  readonly client: RedisClient;
  /** Drops the connection at once and for good: pending and later calls fail. */
  disconnect(): void;
  /** Closes gracefully after pending calls; never rejects. */
  quit(): Promise<void>;
  /** Whether the client has begun to connect (false for a lazy client that nothing used). */
  opened(): boolean;
  onError(listener: (error: Error) => void): void;
  listenerCount(event: string): number;
}

/** One client library at one major. */
export interface ClientFlavour {
  label: string;
  library: 'ioredis' | 'node-redis';
  /** The newest major of its library: the heavy multi-process tests run only for these. */
  newest: boolean;
  standalone(options: StandaloneOptions): TestClient;
  /**
   * A Cluster client of the nodes, connecting (ioredis) or connected (node-redis, whose cluster
   * takes no call before it has connected; with `background`, not awaited and failing silently).
   */
  cluster(nodes: ReadonlyArray<{ host: string; port: number }>, background?: boolean): Promise<TestClient>;
}

type IoRedis = InstanceType<typeof Redis5>;

function ioredisClient(client: IoRedis | InstanceType<typeof Cluster5>): TestClient {
  return {
    client,
    disconnect: () => client.disconnect(),
    quit: async () => {
      if (client.status !== 'end') await client.quit().catch(() => client.disconnect());
    },
    opened: () => client.status !== 'wait',
    onError: (listener) => client.on('error', listener),
    listenerCount: (event) => client.listenerCount(event),
  };
}

/**
 * ioredis at one major. The ioredis 6 classes are cast to the ioredis 5 types only for the tests'
 * own calls (the classes differ nominally); what the package accepts from either is checked without
 * a cast in client-types.test.ts.
 */
function ioredis(
  label: string,
  Redis: typeof Redis5,
  Cluster: typeof Cluster5,
  newest: boolean,
): ClientFlavour {
  return {
    label,
    library: 'ioredis',
    newest,
    standalone: ({ url, port, lazy, retryDelay, offlineQueue }) => {
      const options: RedisOptions = {
        ...(port === undefined ? {} : { host: '127.0.0.1', port }),
        ...(lazy ? { lazyConnect: true } : {}),
        ...(retryDelay === undefined ? {} : { retryStrategy: () => retryDelay }),
        ...(offlineQueue === false ? { enableOfflineQueue: false } : {}),
      };
      return ioredisClient(url === undefined ? new Redis(options) : new Redis(url, options));
    },
    cluster: async (nodes) => ioredisClient(new Cluster([...nodes], { slotsRefreshInterval: 0 })),
  };
}

/** The calls the tests make on a node-redis client or cluster, of any major. */
interface NodeRedisHandle {
  connect(): Promise<unknown>;
  on(event: string, listener: (error: Error) => void): unknown;
  listenerCount(event: string): number;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  disconnect(): Promise<void>;
  destroy?(): void;
  quit(): Promise<unknown>;
  close?(): Promise<void>;
}

/**
 * A node-redis client. It always gets a listener for `'error'` (node-redis throws an error it emits
 * without one, so every real application has one), before the tests add theirs.
 */
function nodeRedisClient(handle: NodeRedisHandle): TestClient {
  handle.on('error', () => undefined);
  return {
    client: handle as unknown as RedisClient,
    disconnect: () => {
      if (!handle.isOpen) return;
      if (handle.destroy) handle.destroy();
      else handle.disconnect().catch(() => undefined);
    },
    quit: async () => {
      if (!handle.isOpen) return;
      // A graceful close waits for the connection, which an unreachable server never gives.
      if (!handle.isReady)
        handle.destroy ? handle.destroy() : await handle.disconnect().catch(() => undefined);
      else await (handle.close ? handle.close() : handle.quit()).catch(() => undefined);
    },
    opened: () => handle.isOpen,
    onError: (listener) => handle.on('error', listener),
    listenerCount: (event) => handle.listenerCount(event),
  };
}

interface NodeRedisLibrary {
  createClient(options: object): unknown;
  createCluster(options: object): unknown;
}

/** node-redis at one major (`redis` 4, 5 or 6: their factories take the same options here). */
function nodeRedis(label: string, library: NodeRedisLibrary, newest: boolean): ClientFlavour {
  return {
    label,
    library: 'node-redis',
    newest,
    standalone: ({ url, port, lazy, retryDelay, offlineQueue }) => {
      const handle = library.createClient({
        ...(url === undefined ? {} : { url }),
        socket: {
          ...(port === undefined ? {} : { host: '127.0.0.1', port }),
          ...(retryDelay === undefined ? {} : { reconnectStrategy: () => retryDelay }),
        },
        ...(offlineQueue === false ? { disableOfflineQueue: true } : {}),
      }) as NodeRedisHandle;
      const client = nodeRedisClient(handle);
      // Calls made while it connects wait in its queue; a failure to connect is reported on 'error'.
      if (!lazy) handle.connect().catch(() => undefined);
      return client;
    },
    cluster: async (nodes, background = false) => {
      const handle = library.createCluster({
        rootNodes: nodes.map(({ host, port }) => ({ socket: { host, port } })),
      }) as NodeRedisHandle;
      const client = nodeRedisClient(handle);
      if (background) handle.connect().catch(() => undefined);
      else await handle.connect();
      return client;
    },
  };
}

/** ioredis 5 and 6, and node-redis 4, 5 and 6. */
export const clients: readonly ClientFlavour[] = [
  ioredis('ioredis 5', Redis5, Cluster5, false),
  ioredis('ioredis 6', Redis6 as unknown as typeof Redis5, Cluster6 as unknown as typeof Cluster5, true),
  nodeRedis('node-redis 4', nodeRedis4, false),
  nodeRedis('node-redis 5', nodeRedis5, false),
  nodeRedis('node-redis 6', nodeRedis6, true),
];
