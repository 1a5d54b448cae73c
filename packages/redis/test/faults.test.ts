// Faults on Redis: a throwaway redis-server on a spare port is killed and restarted under four
// scheduler processes, one of which is SIGKILLed holding a lock, the leader too, and one SIGSTOPped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runFaultScenario } from '../../../test-support/fault-scenario.js';
import { missingBuild } from '../../../test-support/fleet.js';
import { sparePort, tcpReachable } from '../../../test-support/services.js';

const binary = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (binary === undefined) {
  if (process.env.CI === 'true') throw new Error('redis-server is not installed, and CI=true requires it');
  console.warn('skipping the Redis fault tests: redis-server is not installed');
}

async function startServer(port: number): Promise<ChildProcess> {
  const server = spawn(
    binary as string,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100 && !(await tcpReachable(`redis://127.0.0.1:${port}`, port, 200)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

describe.skipIf(binary === undefined)('Redis faults', () => {
  it('replicas survive SIGKILL of a lock holder and the leader, a server restart and a SIGSTOP past the TTL', async () => {
    const missing = missingBuild();
    if (missing) throw new Error(missing);
    const port = await sparePort();
    let server = await startServer(port);
    try {
      const report = await runFaultScenario({
        backend: 'redis',
        url: `redis://127.0.0.1:${port}`,
        outage: async (ms) => {
          await stopServer(server);
          await new Promise((resolve) => setTimeout(resolve, ms));
          server = await startServer(port);
        },
      });
      console.log(`Redis faults: ${report.notes.join('; ')}`);
      expect(report.problems).toEqual([]);
    } finally {
      await stopServer(server);
    }
  }, 90_000);
});
