// Fleet and fault tests on NATS, in one file so that they run concurrently: scheduler processes on
// the BUILT packages (npm test builds first), against the machine's NATS and a throwaway
// nats-server with its own store folder.
//
// Fleet: three processes with clocks -300/0/+300 ms, 20 jobs mixing cron-with-seconds, duration and
// daily kinds plus a burst, for 60 s (FLEET_SECONDS): every occurrence runs exactly once, counted
// in the backend (one KV key per run).
// Faults: four processes; SIGKILL of a lock holder and of the leader; the throwaway server is
// killed and restarted on its store; SIGSTOP of a replica past the TTL.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultScenario } from '../../../test-support/fault-scenario.js';
import { missingBuild, runFleet } from '../../../test-support/fleet.js';
import { sparePort, tcpReachable } from '../../../test-support/services.js';
import { connectTo, up, url } from './support.js';

const seconds = Number(process.env.FLEET_SECONDS ?? 60);
const burst = Number(process.env.FLEET_BURST ?? 1000);
const nc = up ? await connectTo() : undefined;
afterAll(() => nc?.close());

function built(): void {
  const missing = missingBuild();
  if (missing) throw new Error(missing);
}

const binary = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (binary === undefined) {
  if (process.env.CI === 'true') throw new Error('nats-server is not installed, and CI=true requires it');
  console.warn('skipping the NATS fault tests: nats-server is not installed');
}

/** Starts nats-server with JetStream on `port`, storing in `store`, and waits until it accepts. */
async function startServer(port: number, store: string): Promise<ChildProcess> {
  const server = spawn(binary as string, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100 && !(await tcpReachable(`nats://127.0.0.1:${port}`, port, 200)); i++) {
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

/** Drops the buckets a run made on the shared server. */
async function dropBuckets(runId: string): Promise<void> {
  const kvm = new Kvm(nc as NonNullable<typeof nc>);
  for (const name of [`fleet_${runId}`, `fleet_${runId}_runs`]) {
    await (await kvm.open(name)).destroy().catch(() => undefined);
  }
}

describe.concurrent('NATS replicas', () => {
  it.skipIf(!up)(
    `fleet: 3 replicas with clocks -300/0/+300 ms run each occurrence of 20 jobs and a burst of ${burst} exactly once over ${seconds} s`,
    async () => {
      built();
      const outcome = await runFleet(
        { backend: 'nats', url, recordUrl: url },
        seconds,
        async (runId) => {
          const runs = await new Kvm(nc as NonNullable<typeof nc>).open(`fleet_${runId}_runs`);
          const counts = new Map<string, number>();
          for await (const key of await runs.keys()) {
            const [job = '', at = ''] = key.split('.');
            const name = `${Buffer.from(job, 'base64url').toString()}|${at}`;
            counts.set(name, (counts.get(name) ?? 0) + 1);
          }
          await dropBuckets(runId);
          return counts;
        },
        burst,
      );
      console.log(
        `NATS fleet: ${outcome.result.expected} occurrences checked; runs per replica ${outcome.runsPerReplica.join('/')}`,
      );
      expect(outcome.codes, outcome.stderr).toEqual([0, 0, 0]);
      expect(outcome.problems).toEqual([]);
      expect(outcome.result.twice).toEqual([]);
      expect(outcome.result.missed).toEqual([]);
      expect(outcome.result.unexpected).toEqual([]);
      expect(outcome.result.expected).toBeGreaterThan(seconds * 5);
    },
    (seconds + 60) * 1000,
  );

  it.skipIf(binary === undefined)(
    'faults: replicas survive SIGKILL of a lock holder and the leader, a server restart and a SIGSTOP past the TTL',
    async () => {
      built();
      const port = await sparePort();
      const store = mkdtempSync(join(tmpdir(), 'tscron-nats-'));
      let server = await startServer(port, store);
      try {
        const report = await runFaultScenario({
          backend: 'nats',
          url: `nats://127.0.0.1:${port}`,
          outage: async (ms) => {
            await stopServer(server);
            await new Promise((resolve) => setTimeout(resolve, ms));
            server = await startServer(port, store);
          },
        });
        console.log(`NATS faults: ${report.notes.join('; ')}`);
        expect(report.problems).toEqual([]);
      } finally {
        await stopServer(server);
        rmSync(store, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
