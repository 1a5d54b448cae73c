// Fleet and fault tests for both backends in one file, so that they run concurrently: scheduler
// processes on the BUILT packages (npm test builds first), against the machine's Redis and
// PostgreSQL and a throwaway redis-server; the Redis ones through ioredis 5 and through node-redis 6.
//
// Fleet: three processes with clocks -300/0/+300 ms, 20 jobs mixing cron-with-seconds, duration and
// daily kinds, for 60 s (FLEET_SECONDS): every occurrence runs exactly once, counted in the backend.
// Faults: four processes; SIGKILL of a lock holder and of the leader; the server goes away (Redis:
// the throwaway server is killed and restarted; PostgreSQL: the workers' backends are terminated by
// application_name and their logins refused) and comes back; SIGSTOP of a replica past the TTL.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultScenario } from '../../../test-support/fault-scenario.js';
import { type FleetOutcome, missingBuild, runFleet } from '../../../test-support/fleet.js';
import { serviceAvailable, sparePort, tcpReachable } from '../../../test-support/services.js';
import { url as postgresUrl } from '../../postgres/test/support.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await serviceAvailable('Redis', redisUrl, 6379);
const postgresUp = await serviceAvailable('PostgreSQL', postgresUrl, 5432);
const seconds = Number(process.env.FLEET_SECONDS ?? 60);
/** Jobs due together every ten seconds beside the twenty mixed ones: a burst must not lose any. */
const burst = Number(process.env.FLEET_BURST ?? 1000);
const redis = redisUp ? new Redis(redisUrl) : undefined;
const db = postgresUp ? new pg.Pool({ connectionString: postgresUrl, max: 4 }) : undefined;
afterAll(async () => {
  redis?.disconnect();
  await db?.end();
});

function built(): void {
  const missing = missingBuild();
  if (missing) throw new Error(missing);
}

function expectExactlyOnce(outcome: FleetOutcome): void {
  expect(outcome.codes, outcome.stderr).toEqual([0, 0, 0]);
  expect(outcome.problems).toEqual([]);
  expect(outcome.result.twice).toEqual([]);
  expect(outcome.result.missed).toEqual([]);
  expect(outcome.result.unexpected).toEqual([]);
  expect(outcome.result.expected).toBeGreaterThan(seconds * 5);
}

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

/** The Redis clients the workers use: ioredis 5 (their default) and node-redis 6. */
const redisClients = [
  { label: 'ioredis 5', redisClient: {} },
  { label: 'node-redis 6', redisClient: { redisClient: 'node-redis' as const } },
];

const role = 'tscron_fault';
const faultSchema = 'tscron_fault';

describe.concurrent('replicas', () => {
  // These heavy multi-process tests run through one major of each client library; the lighter
  // suites run through every major (see clients.ts).
  describe.for(redisClients)('through $label', ({ label, redisClient }) => {
    it.skipIf(!redisUp)(
      `Redis fleet through ${label}: 3 replicas with clocks -300/0/+300 ms run each occurrence of 20 jobs and a burst of ${burst} exactly once over ${seconds} s`,
      async () => {
        built();
        const outcome = await runFleet(
          { backend: 'redis', url: redisUrl, recordUrl: redisUrl, ...redisClient },
          seconds,
          async (runId) => {
            const raw = (await redis?.hgetall(`fleet:${runId}:runs`)) ?? {};
            const keys = await redis?.keys(`fleet:${runId}:*`);
            if (keys?.length) await redis?.del(...keys);
            return new Map(Object.entries(raw).map(([key, value]) => [key, Number(value)]));
          },
          burst,
        );
        console.log(
          `Redis fleet through ${label}: ${outcome.result.expected} occurrences checked; runs per replica ${outcome.runsPerReplica.join('/')}`,
        );
        expectExactlyOnce(outcome);
      },
      (seconds + 60) * 1000,
    );

    it.skipIf(binary === undefined)(
      `Redis faults through ${label}: replicas survive SIGKILL of a lock holder and the leader, a server restart and a SIGSTOP past the TTL`,
      async () => {
        built();
        const port = await sparePort();
        let server = await startServer(port);
        try {
          const report = await runFaultScenario({
            backend: 'redis',
            url: `redis://127.0.0.1:${port}`,
            ...redisClient,
            outage: async (ms) => {
              await stopServer(server);
              await new Promise((resolve) => setTimeout(resolve, ms));
              server = await startServer(port);
            },
          });
          console.log(`Redis faults through ${label}: ${report.notes.join('; ')}`);
          expect(report.problems).toEqual([]);
        } finally {
          await stopServer(server);
        }
      },
      90_000,
    );
  });

  it.skipIf(!postgresUp)(
    `PostgreSQL fleet: 3 replicas with clocks -300/0/+300 ms run each occurrence of 20 jobs and a burst of ${burst} exactly once over ${seconds} s`,
    async () => {
      built();
      await db?.query(
        'CREATE TABLE IF NOT EXISTS tscron_fleet_runs (run_id text NOT NULL, job text NOT NULL, scheduled_at bigint NOT NULL, worker int NOT NULL)',
      );
      const target = {
        backend: 'postgres' as const,
        url: postgresUrl,
        recordUrl: postgresUrl,
        schema: 'tscron_fleet',
      };
      const outcome = await runFleet(
        target,
        seconds,
        async (runId) => {
          const { rows } = (await db?.query(
            'SELECT job, scheduled_at, count(*) AS runs FROM tscron_fleet_runs WHERE run_id = $1 GROUP BY job, scheduled_at',
            [runId],
          )) ?? { rows: [] };
          await db?.query('DELETE FROM tscron_fleet_runs WHERE run_id = $1', [runId]);
          return new Map(rows.map((r) => [`${r.job}|${r.scheduled_at}`, Number(r.runs)]));
        },
        burst,
      );
      console.log(
        `PostgreSQL fleet: ${outcome.result.expected} occurrences checked; runs per replica ${outcome.runsPerReplica.join('/')}`,
      );
      expectExactlyOnce(outcome);
    },
    (seconds + 60) * 1000,
  );

  it.skipIf(!postgresUp)(
    'PostgreSQL faults: replicas survive SIGKILL of a lock holder and the leader, a server outage and a SIGSTOP past the TTL',
    async () => {
      built();
      const admin = db as pg.Pool;
      const workerUrl = new URL(postgresUrl);
      workerUrl.username = role;
      const terminate = () =>
        admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'tscron-fleet-faults-%'",
        );
      try {
        await admin.query(
          `DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
        );
        await admin.query(`ALTER ROLE ${role} LOGIN`);
        await admin.query(`DROP SCHEMA IF EXISTS ${faultSchema} CASCADE`);
        await admin.query(`CREATE SCHEMA ${faultSchema} AUTHORIZATION ${role}`);
        const report = await runFaultScenario({
          backend: 'postgres',
          url: workerUrl.toString(),
          schema: faultSchema,
          outage: async (ms) => {
            await admin.query(`ALTER ROLE ${role} NOLOGIN`);
            const until = Date.now() + ms;
            while (Date.now() < until) {
              await terminate();
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
            await admin.query(`ALTER ROLE ${role} LOGIN`);
          },
        });
        console.log(`PostgreSQL faults: ${report.notes.join('; ')}`);
        expect(report.problems).toEqual([]);
      } finally {
        await admin.query(`ALTER ROLE ${role} LOGIN`).catch(() => undefined);
        await terminate().catch(() => undefined);
        await admin.query(`DROP SCHEMA IF EXISTS ${faultSchema} CASCADE`).catch(() => undefined);
      }
    },
    90_000,
  );
});
