// Fleet and fault tests, concurrently: scheduler processes on the BUILT packages (npm test builds
// first). Fleet: three processes with clocks -300/0/+300 ms against the machine's MariaDB, 20 jobs
// and a burst, every occurrence exactly once, counted in the database. Faults: four processes
// against a throwaway mariadbd: SIGKILL of a lock holder and of the leader, the server killed and
// restarted, SIGSTOP of a replica past the TTL.
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultScenario } from '../../../test-support/fault-scenario.js';
import { missingBuild, runFleet } from '../../../test-support/fleet.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { url } from './support.js';
import { binaries, ThrowawayServer } from './throwaway-server.js';

const up = await serviceAvailable('MariaDB', url, 3306);
const seconds = Number(process.env.FLEET_SECONDS ?? 60);
const burst = Number(process.env.FLEET_BURST ?? 1000);
const db = up ? mysql.createPool({ uri: url, connectionLimit: 4 }) : undefined;
afterAll(() => db?.end());

if (binaries === undefined) {
  if (process.env.CI === 'true') throw new Error('mariadbd is not installed, and CI=true requires it');
  console.warn('skipping the MySQL fault tests: mariadbd or mariadb-install-db is not installed');
}

function built(): void {
  const missing =
    missingBuild() ??
    (existsSync(new URL('../dist/esm/index.js', import.meta.url))
      ? undefined
      : 'packages/mysql is not built (run npm run build, or npm test which builds first)');
  if (missing) throw new Error(missing);
}

describe.concurrent('MySQL replicas', () => {
  it.skipIf(!up)(
    `fleet: 3 replicas with clocks -300/0/+300 ms run each occurrence of 20 jobs and a burst of ${burst} exactly once over ${seconds} s`,
    async () => {
      built();
      const pool = db as mysql.Pool;
      await pool.query(
        'CREATE TABLE IF NOT EXISTS tscron_fleet_runs (run_id VARCHAR(100) NOT NULL, job VARCHAR(100) NOT NULL, scheduled_at BIGINT NOT NULL, worker INT NOT NULL, KEY (run_id))',
      );
      const outcome = await runFleet(
        { backend: 'mysql', url, recordUrl: url, table: 'tscron_fleet' },
        seconds,
        async (runId) => {
          const [rows] = await pool.query(
            'SELECT job, scheduled_at, COUNT(*) AS runs FROM tscron_fleet_runs WHERE run_id = ? GROUP BY job, scheduled_at',
            [runId],
          );
          await pool.query('DELETE FROM tscron_fleet_runs WHERE run_id = ?', [runId]);
          return new Map(
            (rows as Array<{ job: string; scheduled_at: unknown; runs: unknown }>).map((r) => [
              `${r.job}|${String(r.scheduled_at)}`,
              Number(r.runs),
            ]),
          );
        },
        burst,
      );
      console.log(
        `MySQL fleet: ${outcome.result.expected} occurrences checked; runs per replica ${outcome.runsPerReplica.join('/')}`,
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

  it.skipIf(binaries === undefined)(
    'faults: replicas survive SIGKILL of a lock holder and the leader, a server restart and a SIGSTOP past the TTL',
    async () => {
      built();
      const server = await ThrowawayServer.create();
      try {
        const report = await runFaultScenario({
          backend: 'mysql',
          url: server.url,
          outage: async (ms) => {
            await server.kill();
            await new Promise((resolve) => setTimeout(resolve, ms));
            await server.start();
          },
        });
        console.log(`MySQL faults: ${report.notes.join('; ')}`);
        expect(report.problems).toEqual([]);
      } finally {
        await server.destroy();
      }
    },
    120_000,
  );
});
