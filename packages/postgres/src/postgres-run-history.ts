// PostgresRunHistory: every replica's runs in one table, written in batches, trimmed as it grows.
import {
  type Duration,
  type RunHistory,
  type RunQuery,
  type RunRecord,
  type RunStatus,
  TscronError,
} from 'tscron';
import { backendFailure, durationOption } from 'tscron/backend';
import { type HistorySql, historySql, historyTables } from './history-sql.js';
import { ensureSchema, type PgClient, run, type TableSet } from './schema.js';
import { SerialBatcher } from './serial-batcher.js';
import { dateOf, describeValue, storable } from './sql-values.js';
import { TrimSchedule } from './trim-schedule.js';

/** Options of {@link PostgresRunHistory}. */
export interface PostgresRunHistoryOptions {
  /** A `pg` Pool (recommended), Client or checked-out PoolClient. tscron never ends it. */
  client: PgClient;
  /**
   * The schema of the table; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * The runs table; its indexes are `<table>_by_job` and `<table>_by_start`, its schema version is
   * kept in `<table>_migrations`. Give it a name of its own, not the locker's or the fleet's.
   * @default 'tscron_runs'
   */
  table?: string;
  /**
   * Runs kept per job name (across replicas); each write deletes the oldest beyond it.
   * @default 1000
   */
  perJob?: number;
  /**
   * Runs that started longer ago than this (on the server's clock) are deleted by later writes.
   * @default '720h' (30 days)
   */
  maxAge?: Duration;
}

const OWNER = 'PostgresRunHistory';

/** The most a record keeps of a run's output: its last 8 KB (in UTF-16 units, as the core counts). */
const OUTPUT_LIMIT = 8 * 1024;
/** Records per statement at most: even with full outputs a statement stays near 4 MB. */
const MAX_BATCH = 500;
/** Records waiting for the server at most; beyond, records are dropped (and the scheduler logs it). */
const MAX_PENDING = 10_000;
/** How many rows past the age limit one write deletes beyond one per record. */
const AGE_SLACK = 100;
/** The most one list returns: page back with `before` for more. */
const MAX_LIMIT = 10_000;
/** The longest `maxAge`: 100 years (a longer one would put its cutoff before what a timestamp holds). */
const MAX_AGE = 100 * 365.25 * 24 * 3_600_000;
/** The most of a failure's message a record keeps: its first 8 KB. */
const ERROR_LIMIT = 8 * 1024;

const STATUSES: ReadonlySet<string> = new Set<RunStatus>([
  'running',
  'success',
  'fail',
  'skip',
  'singleton_rescheduled',
  'missed',
]);

/** A record as the table stores it. */
interface Row {
  readonly jobId: string;
  readonly jobName: string;
  readonly scheduled: number;
  readonly started: number;
  readonly ended: number | null;
  readonly status: string;
  readonly error: string | null;
  readonly attempts: number | null;
  readonly replica: string;
  readonly output: string | null;
}

/**
 * A {@link RunHistory} on PostgreSQL that every replica writes to, so that the dashboard of any of
 * them shows the runs of all. Records arriving in the same turn of the event loop (a burst of runs
 * starting or ending together) are written with one statement, one at a time per instance: what
 * arrives meanwhile goes in the next. The same statement deletes, within bounds, runs beyond
 * `perJob` for the jobs it added runs to and runs older than `maxAge`. The scheduler records after
 * the fact, so a slow or failing database never delays or fails a run.
 * The first call applies pending migrations (or call {@link PostgresRunHistory.migrate} at start-up).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createScheduler } from 'tscron';
 * import { PostgresRunHistory } from '@tscron/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const history = new PostgresRunHistory({ client: pool, perJob: 500, maxAge: '168h' });
 * const scheduler = createScheduler({ history });
 * const lastTen = await history.list({ jobName: 'backup', limit: 10 }); // newest first, every replica's
 * ```
 */
export class PostgresRunHistory implements RunHistory {
  readonly #client: PgClient;
  readonly #tables: TableSet;
  readonly #sql: HistorySql;
  readonly #perJob: number;
  readonly #maxAge: number;
  readonly #batcher: SerialBatcher<Row>;
  /** Writes not yet settled, for `close()`. */
  readonly #writes = new Set<Promise<void>>();
  readonly #trims: TrimSchedule;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: PostgresRunHistoryOptions) {
    if (typeof options?.client?.query !== 'function') {
      throw new TscronError('ERR_INVALID_OPTION', `${OWNER}: \`client\` must be a pg Pool or Client`);
    }
    const perJob = options.perJob ?? 1000;
    if (!Number.isInteger(perJob) || perJob < 1 || perJob > 1_000_000) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${OWNER} perJob: must be an integer from 1 to 1000000, got ${describeValue(perJob)}`,
      );
    }
    this.#client = options.client;
    this.#perJob = perJob;
    this.#trims = new TrimSchedule(perJob);
    this.#maxAge = durationOption(options.maxAge, 30 * 24 * 3_600_000, `${OWNER} maxAge`);
    if (this.#maxAge > MAX_AGE) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${OWNER} maxAge: must be at most 100 years (876600h), got ${describeValue(options.maxAge)}`,
      );
    }
    this.#tables = historyTables(OWNER, options.schema, options.table);
    this.#sql = historySql(this.#tables);
    this.#batcher = new SerialBatcher((rows) => this.#write(rows), {
      maxBatch: MAX_BATCH,
      maxPending: MAX_PENDING,
      owner: OWNER,
    });
  }

  /**
   * Applies pending migrations now (otherwise the first call does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the pg error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
   */
  migrate(): Promise<void> {
    return ensureSchema(this.#client, this.#tables);
  }

  /**
   * Stores a record, replacing the stored one of the same run (job id, occurrence, start and
   * replica) unless that one is final and this one says `running`. Resolves once written; rejects
   * with `ERR_LOCK_BACKEND_FAILED` when PostgreSQL fails or 10,000 records wait for it already, and
   * with `ERR_INVALID_OPTION` for a malformed record. U+0000 in a text becomes U+FFFD (PostgreSQL
   * text cannot hold it); of `output`, the last 8,192 characters are kept, of `error` the first.
   */
  record(record: RunRecord): Promise<void> {
    let row: Row;
    try {
      row = rowOf(record);
    } catch (error) {
      return Promise.reject(error);
    }
    const written = this.#batcher.add(row);
    this.#writes.add(written);
    const forget = () => this.#writes.delete(written);
    written.then(forget, forget);
    return written;
  }

  /**
   * Waits for the records handed over so far to reach PostgreSQL (or fail). Holds nothing else;
   * never ends the client. Call it after the scheduler's `shutdown()` and before ending the pool.
   */
  async close(): Promise<void> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
  }

  /**
   * Records newest start first, of one job (`jobName`) or of all, started before `before`: at most
   * `limit` (default `perJob`; more than 10,000 reads 10,000: page back with `before`). Rejects with
   * `ERR_INVALID_OPTION` for a bad query and `ERR_LOCK_BACKEND_FAILED` when PostgreSQL fails.
   */
  async list(query: RunQuery = {}): Promise<RunRecord[]> {
    const { jobName, limit = this.#perJob, before } = query ?? {};
    if (jobName !== undefined && typeof jobName !== 'string') throw invalid('jobName', 'a string', jobName);
    if (!Number.isInteger(limit) || limit < 0) throw invalid('limit', 'an integer >= 0', limit);
    if (before !== undefined && !isDate(before)) throw invalid('before', 'a valid Date', before);
    if (limit === 0) return [];
    const values: unknown[] = [before?.getTime() ?? Number.POSITIVE_INFINITY, Math.min(limit, MAX_LIMIT)];
    if (jobName !== undefined) values.push(storable(jobName));
    const rows = await this.#query(jobName === undefined ? 'list' : 'listJob', values);
    const name = values[2];
    return (name === undefined ? rows : rows.filter((row) => row.job_name === name)).map(recordOf);
  }

  /** Writes a batch: one statement for the runs and the deletes their growth calls for. */
  async #write(rows: readonly Row[]): Promise<void> {
    // One row per run: a run's start and end recorded in the same turn reach here together, and a
    // statement may not touch a row twice. The final record wins over 'running', else the later.
    const runs = new Map<string, Row>();
    for (const row of rows) {
      const key = `${row.jobName}\u0000${row.started}\u0000${row.scheduled}\u0000${row.jobId}\u0000${row.replica}`;
      const stored = runs.get(key);
      if (stored === undefined || stored.status === 'running' || row.status !== 'running') runs.set(key, row);
    }
    const batch = this.#newestPerJob([...runs.values()]);
    const perJob = new Map<string, number>();
    for (const row of batch) perJob.set(row.jobName, (perJob.get(row.jobName) ?? 0) + 1);
    const trims = this.#trims.due(perJob);
    const grown = await this.#query('write', [
      batch.map((r) => r.jobId),
      batch.map((r) => r.jobName),
      batch.map((r) => r.scheduled),
      batch.map((r) => r.started),
      batch.map((r) => r.ended),
      batch.map((r) => r.status),
      batch.map((r) => r.error),
      batch.map((r) => r.attempts),
      batch.map((r) => r.replica),
      batch.map((r) => r.output),
      this.#perJob,
      trims.jobs,
      trims.most,
      this.#maxAge,
      batch.length + AGE_SLACK,
    ]);
    this.#trims.written(trims, new Map(grown.map((row) => [row.job_name as string, Number(row.fresh)])));
  }

  /**
   * The batch without runs beyond the newest `perJob` of their job within it: they would be deleted
   * at once, and the statement cannot delete rows it inserts itself.
   */
  #newestPerJob(batch: Row[]): Row[] {
    if (batch.length <= this.#perJob) return batch;
    const seen = new Map<string, number>();
    const kept: Row[] = [];
    for (const row of [...batch].sort((a, b) => b.started - a.started)) {
      const count = (seen.get(row.jobName) ?? 0) + 1;
      seen.set(row.jobName, count);
      if (count <= this.#perJob) kept.push(row);
    }
    return kept.length === batch.length ? batch : kept;
  }

  async #query(statement: keyof HistorySql, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    await ensureSchema(this.#client, this.#tables);
    try {
      return (await run(this.#client, this.#sql[statement], values)).rows;
    } catch (error) {
      throw backendFailure(`${OWNER} ${statement === 'write' ? 'record' : 'list'}`, error);
    }
  }
}

function invalid(what: string, expected: string, value: unknown): TscronError {
  return new TscronError(
    'ERR_INVALID_OPTION',
    `${OWNER}: ${what} must be ${expected}, got ${describeValue(value)}`,
  );
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function text(record: RunRecord, field: 'jobId' | 'jobName' | 'replica'): string {
  const value = record[field];
  if (typeof value !== 'string') throw invalid(`record.${field}`, 'a string', value);
  return storable(value);
}

/** Checks a record and turns it into a row; throws `ERR_INVALID_OPTION` naming the bad field. */
function rowOf(record: RunRecord): Row {
  if (typeof record !== 'object' || record === null) throw invalid('record', 'a RunRecord', record);
  for (const field of ['scheduledAt', 'startedAt'] as const) {
    if (!isDate(record[field])) throw invalid(`record.${field}`, 'a valid Date', record[field]);
  }
  const { endedAt, status, error, attempts, output } = record;
  if (endedAt !== undefined && !isDate(endedAt)) throw invalid('record.endedAt', 'a valid Date', endedAt);
  if (!STATUSES.has(status)) throw invalid('record.status', [...STATUSES].join(' | '), status);
  if (error !== undefined && typeof error !== 'string') throw invalid('record.error', 'a string', error);
  if (output !== undefined && typeof output !== 'string') throw invalid('record.output', 'a string', output);
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 0 || attempts > 2 ** 31 - 1)) {
    throw invalid('record.attempts', 'an integer >= 0', attempts);
  }
  return {
    jobId: text(record, 'jobId'),
    jobName: text(record, 'jobName'),
    scheduled: record.scheduledAt.getTime(),
    started: record.startedAt.getTime(),
    ended: endedAt?.getTime() ?? null,
    status,
    error:
      error === undefined ? null : storable(error.length > ERROR_LIMIT ? error.slice(0, ERROR_LIMIT) : error),
    attempts: attempts ?? null,
    replica: text(record, 'replica'),
    output:
      output === undefined
        ? null
        : storable(output.length > OUTPUT_LIMIT ? output.slice(-OUTPUT_LIMIT) : output),
  };
}

/** A row as a record: optional fields absent when NULL. */
function recordOf(row: Record<string, unknown>): RunRecord {
  const record: RunRecord = {
    jobId: row.job_id as string,
    jobName: row.job_name as string,
    scheduledAt: dateOf(row.scheduled),
    startedAt: dateOf(row.started),
    status: row.status as RunStatus,
    replica: row.replica as string,
  };
  if (row.ended !== null) record.endedAt = dateOf(row.ended);
  if (row.error !== null) record.error = row.error as string;
  if (row.attempts !== null) record.attempts = Number(row.attempts);
  if (row.output !== null) record.output = row.output as string;
  return record;
}
