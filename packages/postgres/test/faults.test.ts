// Faults on PostgreSQL: four scheduler processes log in as a dedicated role; one is SIGKILLed holding
// a lock, the leader too; the server goes away for them (their backends terminated by
// application_name, logins refused) and comes back; one replica is SIGSTOPped past the TTL.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runFaultScenario } from '../../../test-support/fault-scenario.js';
import { missingBuild } from '../../../test-support/fleet.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { url } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const role = 'tscron_fault';
const schema = 'tscron_fault';

describe.skipIf(!up)('PostgreSQL faults', () => {
  it('replicas survive SIGKILL of a lock holder and the leader, a server outage and a SIGSTOP past the TTL', async () => {
    const missing = missingBuild();
    if (missing) throw new Error(missing);
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    const workerUrl = new URL(url);
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
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
      const report = await runFaultScenario({
        backend: 'postgres',
        url: workerUrl.toString(),
        schema,
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
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    }
  }, 90_000);
});
