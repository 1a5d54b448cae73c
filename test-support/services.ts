// Finding the shared test servers: tests that need one skip when it is down, except under CI=true.
import { connect, createServer } from 'node:net';

/** Whether a TCP connection to the URL's host and port opens within `timeout` ms. */
export function tcpReachable(url: string, defaultPort: number, timeout = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: Number(port || defaultPort),
    });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeout, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves whether the service is up. When it is down: under `CI=true` throws (a missing server
 * fails the run); otherwise prints a line saying that the tests are skipped.
 */
export async function serviceAvailable(what: string, url: string, defaultPort: number): Promise<boolean> {
  if (await tcpReachable(url, defaultPort)) return true;
  if (process.env.CI === 'true') throw new Error(`${what} at ${url} is unreachable, and CI=true requires it`);
  console.warn(`skipping the ${what} tests: ${what} at ${url} is unreachable`);
  return false;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The NATS server (JetStream enabled) the NATS suites use: `NATS_URL`, else the machine's. */
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** The MySQL or MariaDB server the MySQL suites use: `MYSQL_URL`, else the machine's MariaDB. */
export const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
