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
   * $8 attempts, $9 replicas, $10 outputs; then retention: $11 runs kept per job, $12 the jobs to
   * trim to that count now and $13 how many rows each may lose at most, $14 the age limit in ms,
   * $15 how many rows past it to delete at most. Returns `job_name, fresh`: how many rows each job
   * of the batch gained (runs written for the first time).
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
    // replaced ones: only new rows grow a job. A job named in $12 that grew keeps its newest $11
    // runs: a backward scan of its range of runs_by_job, without locks, picks the rows past them
    // (those already there: rows this statement inserts are not visible to it, hence $11 minus
    // the new ones); then those rows are locked, skipping any another writer holds, and deleted.
    // The age limit deletes the oldest rows of any job the same way. Neither ever waits on another
    // writer (so concurrent writers cannot deadlock; the next trim finishes what one skipped), both
    // run after the upsert (they read what it returned), and both delete by row address so that
    // they read no other index.
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
), due AS (
  SELECT g.job_name, g.fresh, t.most FROM grown g
  JOIN unnest($12::text[], $13::int[]) AS t(job_name, most) ON t.job_name = g.job_name
), beyond AS (
  DELETE FROM ${H} WHERE ctid = ANY(ARRAY(
    SELECT z.ctid FROM ${H} z WHERE z.ctid = ANY(ARRAY(
      SELECT o.ctid FROM due d CROSS JOIN LATERAL (
        SELECT x.ctid FROM ${H} x WHERE ${job('x.job_name')} = ${job('d.job_name')}
        ORDER BY x.started_at DESC OFFSET greatest($11::int - d.fresh, 0) LIMIT d.most
      ) o
    ))
    FOR UPDATE SKIP LOCKED
  ))
), aged AS (
  DELETE FROM ${H} WHERE ctid = ANY(ARRAY(
    SELECT x.ctid FROM ${H} x
    WHERE x.started_at < now() - $14::float8 * interval '1 millisecond' AND (SELECT count(*) FROM grown) >= 0
    ORDER BY x.started_at LIMIT $15::int FOR UPDATE SKIP LOCKED
  ))
)
SELECT job_name, fresh FROM grown`,
    list: `SELECT ${columns} FROM ${H}
WHERE started_at < ${instant('$1')} ORDER BY started_at DESC LIMIT $2`,
    // By the digest alone: a second condition on job_name makes the planner think the job has a
    // fiftieth of its rows and sort them all instead of reading the newest few off the index.
    // The caller drops rows of another name (a digest collision).
    listJob: `SELECT ${columns} FROM ${H}
WHERE ${job('job_name')} = ${job('$3::text')} AND started_at < ${instant('$1')}
ORDER BY started_at DESC LIMIT $2`,
  };
}
