// createDashboard: the routes as one fetch handler, and a Node server for it on demand.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { EventStreams } from './event-stream.js';
import { Fleets } from './fleets.js';
import { resolveHistories } from './histories.js';
import { guardHost } from './host-guard.js';
import {
  type DashboardOptions,
  type ListenOptions,
  resolveDashboardOptions,
  resolveListenOptions,
} from './options.js';
import { dashboardRoutes } from './routes.js';

/** How long `close()` lets requests in flight finish before it drops their connections. */
const CLOSE_GRACE = 1000;

/** A running dashboard server, from {@link Dashboard.listen}. */
export interface DashboardServer {
  /** Where the page is, e.g. `http://127.0.0.1:8080/` (with the base path). */
  readonly url: string;
  /** Stops listening, ends the event streams, and closes every connection (after up to 1 s for responses in flight). */
  close(): Promise<void>;
}

/** The dashboard: mount `fetch` in any fetch-based server, or `listen` on a port of its own. */
export interface Dashboard {
  /**
   * Answers one request: the page, the JSON API or the event stream, under the base path; 404
   * elsewhere. Mount it in Hono, Bun, Deno, or Node's http through `@hono/node-server`.
   */
  fetch(request: Request): Promise<Response>;
  /**
   * Serves the dashboard with Node's http on `host:port`.
   * Rejects with `ERR_INVALID_OPTION` for a non-loopback `host` when no `token` is set.
   */
  listen(options: ListenOptions): Promise<DashboardServer>;
}

/**
 * Makes a dashboard for one scheduler or several: every job, its next runs and run history, run now,
 * pause and resume, and live updates. Throws `ERR_INVALID_OPTION` for bad options. Unless a `history`
 * is given or the scheduler has one, runs are kept in memory from now on (100 per job).
 *
 * With a fleet (`createScheduler({ fleet })`), it also lists the fleet's live replicas, pause and
 * resume apply to every replica, and a shared history (`RedisRunHistory`, `PostgresRunHistory`)
 * shows every replica's runs, each with the replica that ran it.
 *
 * @example
 * ```ts
 * import { createDashboard } from '@tscron/dashboard';
 * import { createScheduler } from 'tscron';
 *
 * const scheduler = createScheduler();
 * const dashboard = createDashboard({ scheduler, token: process.env.DASHBOARD_TOKEN });
 * const server = await dashboard.listen({ port: 8080 });
 * console.log(`dashboard at ${server.url}`);
 * ```
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const config = resolveDashboardOptions(options);
  const histories = resolveHistories(config.schedulers, config.history);
  const fleets = new Fleets(config.schedulers);
  const streams = new EventStreams(config.schedulers, histories, fleets);
  const app = dashboardRoutes(config, histories, fleets, streams);
  const fetch = async (request: Request): Promise<Response> => app.fetch(request);

  return {
    fetch,
    async listen(listenOptions) {
      const { port, host } = resolveListenOptions(listenOptions, config.token);
      const served = config.token === undefined ? guardHost(fetch, host) : fetch;
      const server = serve({ fetch: served, port, hostname: host });
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${shownHost}:${address.port}${config.basePath}/`,
        close: () =>
          new Promise<void>((resolve, reject) => {
            // Ended streams finish their responses cleanly, then their connections are closed.
            streams.closeAll();
            const force = setTimeout(() => {
              if ('closeAllConnections' in server) server.closeAllConnections();
            }, CLOSE_GRACE);
            // A response that ends after close() leaves its keep-alive connection idle but open.
            const idle = setInterval(() => {
              if ('closeIdleConnections' in server) server.closeIdleConnections();
            }, 10);
            server.close((error) => {
              clearTimeout(force);
              clearInterval(idle);
              if (error) reject(error);
              else resolve();
            });
          }),
      };
    },
  };
}
