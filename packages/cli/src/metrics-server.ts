// `tscron run --metrics`: the runner's Prometheus metrics at /metrics. @tscron/prometheus (and the
// prom-client it peers on) are imported only when the flag is given, so that the CLI runs without them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Monitor } from 'tscron';
import type { ListenAddress } from './listen-address.js';
import { UsageError } from './problems.js';

/** A /metrics endpoint that is listening, and the monitor that feeds it. */
export interface RunningMetrics {
  /** Give it to every scheduler of the run. */
  readonly monitor: Monitor;
  /** The endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Makes the monitor and serves its registry; rejects when the port cannot be had. */
export async function openMetrics(address: ListenAddress): Promise<RunningMetrics> {
  let module: typeof import('@tscron/prometheus');
  try {
    module = await import('@tscron/prometheus');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError(
        '--metrics needs the packages @tscron/prometheus and prom-client: npm install @tscron/prometheus prom-client',
      );
    }
    throw error;
  }
  const monitor = new module.PrometheusMonitor();
  const registry = monitor.registry;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      reply(response, 404, 'not found: the metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      reply(response, 405, 'method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, {
          'Content-Type': registry.contentType,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => reply(response, 500, `metrics failed: ${(error as Error)?.message ?? error}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    monitor,
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
