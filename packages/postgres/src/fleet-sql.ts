// The tables and statements of PostgresFleet, each statement one round trip.
import { type TableSet, tableSet } from './schema.js';
import { epochMs, instant } from './sql-values.js';

/** The fleet's tables: `<table>_replicas`, `<table>_paused`, `<table>_completed` and their indexes. */
export function fleetTables(
  owner: string,
  schema: unknown = 'public',
  table: unknown = 'tscron_fleet',
): TableSet {
  return tableSet(
    owner,
    'fleet',
    schema,
    table,
    {
      replicas: '_replicas',
      paused: '_paused',
      paused_job: '_paused_job',
      completed: '_completed',
      completed_job: '_completed_job',
    },
    `${String(schema)}.${String(table)} (fleet)`,
  );
}

/** The SQL texts a PostgresFleet sends; `$n` parameters are documented per statement. */
export interface FleetSql {
  /**
   * $1 replica id, $2 host, $3 pid, $4 version, $5 started (epoch ms), $6 ttl ms, $7 clock offset ms,
   * $8 how many expired replicas to delete at most. Returns `kind` 'r' rows (the live replicas, this
   * one first, carrying `server`, the server's time) and `kind` 'p' rows (paused job names in `id`).
   */
  heartbeat: string;
  /** $1 replica id. */
  leave: string;
  /** Returns the live replicas. */
  replicas: string;
  /** $1 job name. */
  pause: string;
  /** $1 job name. */
  resume: string;
  /** Returns `job_name` of each paused job. */
  paused: string;
  /** $1 job names. Returns `job_name, at` (epoch ms) of those with a completed occurrence. */
  lastCompleted: string;
  /** $1 job names, $2 epoch ms (same length, names distinct). */
  recordCompleted: string;
}

/** Builds the statements for the tables of `set` (from {@link fleetTables}). */
export function fleetSql(set: TableSet): FleetSql {
  const p = set.placeholders;
  const R = `${set.schema}.${p.replicas}`;
  const P = `${set.schema}.${p.paused}`;
  const C = `${set.schema}.${p.completed}`;
  const replicaColumns = (x: string) =>
    `${x}.id, ${x}.host, ${x}.pid::text AS pid, ${x}.version, ${epochMs(`${x}.started_at`)} AS started, ${epochMs(`${x}.last_seen`)} AS seen, ${x}.clock_offset_ms::text AS offset`;
  const job = (name: string) => `md5(${name})::uuid`;
  return {
    // clock_timestamp(), read once: now() is the start of the transaction, which a caller's open
    // transaction on a checked-out client would freeze. The final SELECT reads the table as it was
    // when the statement began, so the replica's own row comes from the upsert's RETURNING. Expired
    // replicas (not this one: the upsert may be reviving it) go in the same statement, a bounded
    // number at a time, skipping rows another heartbeat has locked so that it never waits.
    heartbeat: `WITH t AS (SELECT clock_timestamp() AS now),
beat AS (
  INSERT INTO ${R} AS r (id, host, pid, version, started_at, last_seen, expires_at, clock_offset_ms)
  SELECT $1, $2, $3, $4, ${instant('$5')}, t.now, t.now + $6::float8 * interval '1 millisecond', $7 FROM t
  ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
    started_at = excluded.started_at, last_seen = excluded.last_seen, expires_at = excluded.expires_at,
    clock_offset_ms = excluded.clock_offset_ms
  RETURNING r.*
), gone AS (
  DELETE FROM ${R} WHERE ctid = ANY(ARRAY(
    SELECT x.ctid FROM ${R} x, t WHERE x.expires_at <= t.now AND x.id <> $1
    LIMIT $8 FOR UPDATE OF x SKIP LOCKED
  ))
)
SELECT 'r' AS kind, ${replicaColumns('b')}, ${epochMs('t.now')} AS server FROM beat b, t
UNION ALL
SELECT 'r', ${replicaColumns('x')}, NULL FROM ${R} x, t WHERE x.expires_at > t.now AND x.id <> $1
UNION ALL
SELECT 'p', job_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ${P}`,
    leave: `DELETE FROM ${R} WHERE id = $1`,
    replicas: `SELECT ${replicaColumns('x')} FROM ${R} x WHERE x.expires_at > clock_timestamp()`,
    pause: `INSERT INTO ${P} (job_name) VALUES ($1) ON CONFLICT ((${job('job_name')})) DO NOTHING`,
    resume: `DELETE FROM ${P} WHERE ${job('job_name')} = ${job('$1::text')} AND job_name = $1`,
    paused: `SELECT job_name FROM ${P}`,
    lastCompleted: `SELECT job_name, ${epochMs('scheduled_at')} AS at FROM ${C}
WHERE ${job('job_name')} = ANY(ARRAY(SELECT ${job('n')} FROM unnest($1::text[]) AS n))`,
    // Only ever forward: an older occurrence finishing late leaves the row alone (and unwritten).
    // Rows go in digest order, the same in every replica, so that two batches over the same jobs
    // queue behind each other instead of deadlocking.
    recordCompleted: `INSERT INTO ${C} AS c (job_name, scheduled_at)
SELECT i.n, ${instant('i.ms')} FROM unnest($1::text[], $2::float8[]) AS i(n, ms) ORDER BY ${job('i.n')}
ON CONFLICT ((${job('job_name')})) DO UPDATE SET scheduled_at = excluded.scheduled_at
WHERE c.scheduled_at < excluded.scheduled_at`,
  };
}
