// The table and statements of PostgresRunHistory, each statement one round trip.
import { type TableSet, tableSet } from './schema.js';
import { epochMs, instant } from './sql-values.js';

/** The history's table `<table>` and its indexes `<table>_by_job`, `<table>_by_start`. */
export function historyTables(
  owner: string,
  schema: unknown = 'public',
  table: unknown = 'tscron_runs',
): TableSet {
  return tableSet(
    owner,
    'history',
    schema,
    table,
    { runs: '', runs_by_job: '_by_job', runs_by_start: '_by_start' },
    `${String(schema)}.${String(table)} (history)`,
  );
}

/** The SQL texts a PostgresRunHistory sends; `$n` parameters are documented per statement. */
export interface HistorySql {
  /**
   * Writes a batch (arrays of one value per run, runs distinct): $1 job ids, $2 job names,
   * $3 scheduled, $4 started, $5 ended (epoch ms, ended may be NULL), $6 statuses, $7 errors,
   * $8 attempts, $9 replicas, $10 outputs; then the limits: $11 runs kept per job, $12 how many
   * rows beyond a job's count one write deletes at most (besides one per new run), $13 the age limit
   * in ms, $14 how many rows past it one write deletes at most. Returns `written`, the rows written.
   */
  write: string;
  /** $1 before (epoch ms, Infinity for none), $2 limit. */
  list: string;
  /** $1 before, $2 limit, $3 job name. */
  listJob: string;
}

/** Builds the statements for the table of `set` (from {@link historyTables}). */
export function historySql(set: TableSet): HistorySql {
  const H = `${set.schema}.${set.placeholders.runs}`;
  const job = (name: string) => `md5(${name})::uuid`;
  const columns = `job_id, job_name, ${epochMs('scheduled_at')} AS scheduled, ${epochMs('started_at')} AS started,
  ${epochMs('ended_at')} AS ended, status, error, attempts::text AS attempts, replica, output`;
  return {
    // The upsert replaces a run's 'running' row with its final one, and never the other way round
    // (two writers' batches may commit in either order). RETURNING tells new rows (xmax = 0) from
    // replaced ones: only new rows grow a job, and only grown jobs are trimmed, each in one backward
    // scan of its range of runs_by_job that stops after the rows it keeps plus those it deletes.
    // Both deletes run after the upsert (they read what it returned), see the table as it was
    // before the statement (new rows are not counted among the old ones kept), skip rows another
    // writer holds instead of waiting (so concurrent writers never deadlock; the next write
    // finishes what one skipped), and delete by row address so that they read no other index.
    write: `WITH written AS (
  INSERT INTO ${H} AS h (started_at, scheduled_at, ended_at, attempts, status, job_name, job_id, replica, error, output)
  SELECT ${instant('i.started')}, ${instant('i.scheduled')}, ${instant('i.ended')}, i.attempts, i.status,
    i.job_name, i.job_id, i.replica, i.error, i.output
  FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[], $7::text[],
    $8::int[], $9::text[], $10::text[])
    AS i(job_id, job_name, scheduled, started, ended, status, error, attempts, replica, output)
  ON CONFLICT ((${job('job_name')}), started_at, scheduled_at, (${job('job_id')}), (${job('replica')}))
  DO UPDATE SET ended_at = excluded.ended_at, attempts = excluded.attempts, status = excluded.status,
    error = excluded.error, output = excluded.output
  WHERE h.status = 'running' OR excluded.status <> 'running'
  RETURNING h.job_name, h.xmax = 0 AS fresh
), grown AS (
  SELECT job_name, count(*)::int AS fresh FROM written WHERE fresh GROUP BY job_name
), done AS (
  SELECT count(*)::int AS n FROM written
), beyond AS (
  DELETE FROM ${H} WHERE ctid = ANY(ARRAY(
    SELECT o.ctid FROM grown g CROSS JOIN LATERAL (
      SELECT x.ctid FROM ${H} x WHERE ${job('x.job_name')} = ${job('g.job_name')} AND x.job_name = g.job_name
      ORDER BY x.started_at DESC OFFSET greatest($11::int - g.fresh, 0) LIMIT g.fresh + $12::int
      FOR UPDATE OF x SKIP LOCKED
    ) o
  ))
), aged AS (
  DELETE FROM ${H} WHERE ctid = ANY(ARRAY(
    SELECT x.ctid FROM ${H} x, done
    WHERE x.started_at < now() - $13::float8 * interval '1 millisecond' AND done.n >= 0
    ORDER BY x.started_at LIMIT $14::int FOR UPDATE OF x SKIP LOCKED
  ))
)
SELECT n AS written FROM done`,
    list: `SELECT ${columns} FROM ${H}
WHERE started_at < ${instant('$1')} ORDER BY started_at DESC LIMIT $2`,
    listJob: `SELECT ${columns} FROM ${H}
WHERE ${job('job_name')} = ${job('$3::text')} AND job_name = $3 AND started_at < ${instant('$1')}
ORDER BY started_at DESC LIMIT $2`,
  };
}
