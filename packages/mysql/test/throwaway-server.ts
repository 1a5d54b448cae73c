// A throwaway MariaDB (or MySQL) server for the fault tests: its own data directory in a temporary
// folder, a spare loopback port, no grant tables; killed and started again at will, never the shared one.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparePort, tcpReachable } from '../../../test-support/services.js';

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The server binary and the data directory initialiser, when both are installed. */
export const binaries = (() => {
  const server = which('mariadbd') ?? (existsIn('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : undefined);
  const install = which('mariadb-install-db');
  return server && install ? { server, install } : undefined;
})();

function existsIn(path: string): boolean {
  try {
    execFileSync('test', ['-x', path]);
    return true;
  } catch {
    return false;
  }
}

export class ThrowawayServer {
  readonly port: number;
  readonly #folder: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, folder: string) {
    this.port = port;
    this.#folder = folder;
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/test`;
  }

  /** Initialises a data directory (a few seconds), starts the server and creates the `test` database. */
  static async create(): Promise<ThrowawayServer> {
    if (binaries === undefined) throw new Error('mariadbd or mariadb-install-db is not installed');
    const folder = mkdtempSync(join(tmpdir(), 'tscron-mariadb-'));
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    await promisify(execFile)(binaries.install, [
      '--no-defaults',
      `--datadir=${join(folder, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--user=${user}`,
    ]);
    const server = new ThrowawayServer(await sparePort(), folder);
    await server.start();
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await connection.query('CREATE DATABASE IF NOT EXISTS test');
    await connection.end();
    return server;
  }

  async start(): Promise<void> {
    const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    this.#process = spawn(
      binaries?.server as string,
      [
        '--no-defaults',
        `--datadir=${join(this.#folder, 'data')}`,
        `--port=${this.port}`,
        `--socket=${join(this.#folder, 'mysqld.sock')}`,
        `--pid-file=${join(this.#folder, 'mysqld.pid')}`,
        `--log-error=${join(this.#folder, 'error.log')}`,
        '--bind-address=127.0.0.1',
        `--user=${user}`,
        '--skip-grant-tables',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200 && !(await tcpReachable(this.url, this.port, 200)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: the server dies as in a crash; InnoDB recovers at the next start. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.#folder, { recursive: true, force: true });
  }
}
