// What the NATS tests share: the server's URL, connections, a TCP proxy to cut a connection with,
// and a probe that reads claims the way the locker judges them (server timestamps).
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsUrl, serviceAvailable } from '../../../test-support/services.js';

export const url = natsUrl;
export const up = await serviceAvailable('NATS', url, 4222);
const { hostname, port } = new URL(url);
export const serverPort = Number(port || 4222);
export const serverHost = hostname || '127.0.0.1';

/** A connection to `port` (default: the shared server) that keeps trying to reconnect quickly. */
export function connectTo(to = serverPort): Promise<NatsConnection> {
  return connect({
    servers: `${serverHost}:${to}`,
    reconnectTimeWait: 100,
    maxReconnectAttempts: -1,
    timeout: 2000,
  });
}

/** A TCP proxy in front of the shared server; `cut()` drops every connection and stops listening. */
export interface Proxy {
  port: number;
  cut(): Promise<void>;
}

export async function openProxy(): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(serverPort, serverHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Reads claims in a bucket as the locker judges them: entry timestamp + life against server time. */
export class ClaimProbe {
  readonly #nc: NatsConnection;
  readonly #bucket: string;

  constructor(nc: NatsConnection, bucket: string) {
    this.#nc = nc;
    this.#bucket = bucket;
  }

  async #kv() {
    return new Kvm(this.#nc).create(this.#bucket, { history: 1, ttl: 3_600_000 });
  }

  /** The server's time now, from the timestamp of a write. */
  async serverTime(): Promise<number> {
    const kv = await this.#kv();
    const revision = await kv.put('_probe.clock', '');
    const entry = await kv.get('_probe.clock', { revision });
    return entry?.created.getTime() ?? (await this.serverTime());
  }

  /** Milliseconds until the key's claim expires by the server's clock, or -1 when it is free. */
  async remaining(key: string): Promise<number> {
    const kv = await this.#kv();
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== 'PUT') return -1;
    const text = entry.string();
    const life = Number(text.slice(text.lastIndexOf(':') + 1));
    const left = entry.created.getTime() + life - (await this.serverTime());
    return left > 0 ? left : -1;
  }

  /** Removes the key's claim, as if it had expired. */
  async remove(key: string): Promise<void> {
    const kv = await this.#kv();
    await kv.purge(key);
  }
}
