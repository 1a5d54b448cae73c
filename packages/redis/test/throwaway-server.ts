// A redis-server of the tests' own on a spare port, for counting commands without other clients.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { sparePort, tcpReachable } from '../../../test-support/services.js';

/** Whether redis-server is installed; under `CI=true` its absence throws. */
export const redisServerInstalled = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('redis-server is not installed, and CI=true requires it');
    console.warn('skipping the throwaway-server Redis tests: redis-server is not installed');
    return false;
  }
})();

/** A running throwaway server: its port, and `stop()`. */
export interface ThrowawayServer {
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server on a spare loopback port, without persistence, and waits until it accepts. */
export async function startThrowawayServer(): Promise<ThrowawayServer> {
  const port = await sparePort();
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !(await tcpReachable(`redis://127.0.0.1:${port}`, port, 200)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    },
  };
}

/** Script calls (EVALSHA and EVAL) the server has run so far. */
export async function scriptCalls(probe: Redis): Promise<number> {
  const info = await probe.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}
