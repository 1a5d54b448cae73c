// Two schedulers on one PostgreSQL as a fleet: PostgresLocker, PostgresFleet (balanced) and
// PostgresRunHistory together, each replica on its own pool. Every occurrence runs once, both
// replicas run some, the history holds every run with its replica, a pause from one replica
// stops the job on both, and a stopped scheduler leaves the fleet.
import pg from 'pg';
import { createScheduler, durationJob, type Scheduler, silentLogger } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { PostgresFleet, PostgresLocker, PostgresRunHistory } from '../src/index.js';
import { adminPool, fileSchema, url } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const schema = fileSchema('fleet_scheduler');
const admin = up ? adminPool(schema) : undefined;
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await admin?.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function replica(name: string): { scheduler: Scheduler; fleet: PostgresFleet; history: PostgresRunHistory } {
  const pool = new pg.Pool({ connectionString: url, max: 3, idleTimeoutMillis: 0 });
  pools.push(pool);
  const fleet = new PostgresFleet({
    client: pool,
    schema,
    heartbeat: '200ms',
    balance: true,
    balanceGrace: '300ms',
  });
  const history = new PostgresRunHistory({ client: pool, schema });
  const locker = new PostgresLocker({ client: pool, schema });
  const scheduler = createScheduler({ locker, fleet, history, replica: name, logger: silentLogger });
  scheduler.newJob(durationJob('100ms'), async () => undefined, { name: 'tick' });
  return { scheduler, fleet, history };
}

describe.skipIf(!up)('schedulers sharing PostgresLocker, PostgresFleet and PostgresRunHistory', () => {
  it('run each occurrence once, spread over both replicas, recorded, paused fleet-wide, and leave', async () => {
    const [a, b] = [replica('replica-a'), replica('replica-b')];
    await Promise.all([a, b].map(({ fleet, history }) => Promise.all([fleet.migrate(), history.migrate()])));
    a.scheduler.start();
    b.scheduler.start();
    await sleep(2500);
    expect((await a.fleet.replicas()).map((r) => r.id)).toEqual(['replica-a', 'replica-b']);

    await b.fleet.pause('tick');
    await Promise.all([a.scheduler.syncFleet(), b.scheduler.syncFleet()]);
    const pausedAt = Date.now();
    await sleep(400);
    await Promise.all([a.scheduler.shutdown(), b.scheduler.shutdown()]);
    expect(await a.fleet.replicas()).toEqual([]);

    const records = await a.history.list({ jobName: 'tick', limit: 1000 });
    // A replica that finds an occurrence claimed records a skip; the runs are the others.
    expect(records.every((run) => run.status === 'success' || run.status === 'skip')).toBe(true);
    const runs = records.filter((run) => run.status === 'success');
    const occurrences = runs.map((run) => run.scheduledAt.getTime());
    expect(new Set(occurrences).size).toBe(occurrences.length); // once each, fleet-wide
    expect(runs.length).toBeGreaterThanOrEqual(15);
    expect(runs.every((run) => run.endedAt !== undefined && run.attempts === 1)).toBe(true);
    const byReplica = new Map<string, number>();
    for (const run of runs) byReplica.set(run.replica, (byReplica.get(run.replica) ?? 0) + 1);
    expect([...byReplica.keys()].sort()).toEqual(['replica-a', 'replica-b']);
    // Nothing ran after the pause reached both replicas.
    expect(records.filter((run) => run.startedAt.getTime() > pausedAt + 50)).toEqual([]);
    expect(await b.fleet.pausedJobs()).toEqual(['tick']);
  }, 15_000);
});
