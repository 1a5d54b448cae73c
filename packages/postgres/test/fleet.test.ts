// Fleet: three scheduler processes on the built packages, clocks -300/0/+300 ms, 20 jobs, 60 s;
// every occurrence runs exactly once, counted in PostgreSQL itself.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRuns, fleetJobs, missingBuild, startWorker } from '../../../test-support/fleet.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { url } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const seconds = Number(process.env.FLEET_SECONDS ?? 60);
const db = up ? new pg.Pool({ connectionString: url, max: 2 }) : undefined;
afterAll(() => db?.end());

describe.skipIf(!up)('PostgreSQL fleet', () => {
  it(
    `3 replicas with clocks -300/0/+300 ms run each occurrence of 20 jobs exactly once over ${seconds} s`,
    async () => {
      const missing = missingBuild();
      if (missing) throw new Error(missing);
      const runId = `${Date.now()}-${process.pid}`;
      await db?.query(
        'CREATE TABLE IF NOT EXISTS tscron_fleet_runs (run_id text NOT NULL, job text NOT NULL, scheduled_at bigint NOT NULL, worker int NOT NULL)',
      );
      const startAt = Date.now() + 3000;
      const endAt = startAt + seconds * 1000;
      const jobs = fleetJobs(startAt, seconds * 1000);
      const workers = [-300, 0, 300].map((offset, worker) =>
        startWorker({
          backend: 'postgres',
          schema: 'tscron_fleet',
          url,
          recordUrl: url,
          worker,
          offset,
          runId,
          startAt,
          endAt,
          jobs,
          locker: { ttl: '5s', minHold: '3s', acquireTimeout: '2s' },
        }),
      );
      const codes = await Promise.all(workers.map((w) => w.exited));
      const { rows } = (await db?.query(
        'SELECT job, scheduled_at, count(*) AS runs FROM tscron_fleet_runs WHERE run_id = $1 GROUP BY job, scheduled_at',
        [runId],
      )) ?? { rows: [] };
      const counts = new Map(rows.map((r) => [`${r.job}|${r.scheduled_at}`, Number(r.runs)]));
      await db?.query('DELETE FROM tscron_fleet_runs WHERE run_id = $1', [runId]);
      const result = checkRuns(jobs, counts, {
        from: startAt + 1500,
        to: endAt - 1500,
        outer: { from: startAt - 1000, to: endAt + 1000 },
      });
      // An acquire cut short by the shutdown at the end is reported too: only earlier errors count.
      const problems = workers.flatMap((w) =>
        w.events.filter((e) => /Error$/.test(e.ev) && e.t < endAt - 500),
      );
      expect(codes, workers.map((w) => w.stderr.join('')).join('\n')).toEqual([0, 0, 0]);
      expect(problems).toEqual([]);
      expect(result.twice).toEqual([]);
      expect(result.missed).toEqual([]);
      expect(result.unexpected).toEqual([]);
      expect(result.expected).toBeGreaterThan(seconds * 5);
      const byWorker = workers.map((w) => w.events.filter((e) => e.ev === 'start').length);
      // The replica whose clock is ahead fires first and usually wins; the others find occurrences taken.
      console.log(
        `PostgreSQL fleet: ${result.expected} occurrences checked; runs per replica ${byWorker.join('/')}`,
      );
    },
    (seconds + 60) * 1000,
  );
});
