// PostgresFleet: heartbeats, fleet-wide pause and last completed occurrences in three small tables.
import {
  type Fleet,
  type FleetSettings,
  type FleetState,
  type Heartbeat,
  type ReplicaInfo,
  TscronError,
} from 'tscron';
import {
  abortReason,
  backendFailure,
  bounded,
  Coalescer,
  checkJobName,
  checkScheduledAt,
  type FleetOptions,
  fleetSettings,
} from 'tscron/backend';
import { type FleetSql, fleetSql, fleetTables } from './fleet-sql.js';
import { ensureSchema, type PgClient, run, type TableSet } from './schema.js';
import { dateOf, describeValue } from './sql-values.js';

/** Options of {@link PostgresFleet}. Durations are milliseconds or Go-style strings (`'5s'`). */
export interface PostgresFleetOptions extends FleetOptions {
  /** A `pg` Pool (recommended), Client or checked-out PoolClient. tscron never ends it. */
  client: PgClient;
  /**
   * The schema of the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * Base name of the fleet's tables: `<table>_replicas`, `<table>_paused`, `<table>_completed`, and
   * `<table>_migrations` for their schema version. Give it a name of its own, not the locker's.
   * @default 'tscron_fleet'
   */
  table?: string;
}

/** How many expired replica rows one heartbeat deletes at most. */
const SWEEP = 100;

const OWNER = 'PostgresFleet';

/**
 * A {@link Fleet} on PostgreSQL: makes the replicas sharing a database one fleet. Each heartbeat is
 * one statement that stamps this replica with the server's clock, deletes replicas that stopped
 * beating (at most 100 rows), and reads back the live replicas and the paused jobs. Pauses and each
 * job's last completed occurrence are stored rows, so they survive restarts of every replica.
 * `recordCompleted` calls made in the same turn of the event loop share one statement.
 * The first call applies pending migrations (or call {@link PostgresFleet.migrate} at start-up).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createScheduler } from 'tscron';
 * import { PostgresFleet, PostgresLocker } from '@tscron/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const fleet = new PostgresFleet({ client: pool, balance: true });
 * const scheduler = createScheduler({ locker: new PostgresLocker({ client: pool }), fleet });
 * await fleet.pause('nightly-report'); // every replica pauses it within one heartbeat
 * ```
 */
export class PostgresFleet implements Fleet {
  readonly settings: FleetSettings;
  readonly #client: PgClient;
  readonly #tables: TableSet;
  readonly #sql: FleetSql;
  readonly #completions: Coalescer<Completion, undefined>;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: PostgresFleetOptions) {
    if (typeof options?.client?.query !== 'function') {
      throw new TscronError('ERR_INVALID_OPTION', `${OWNER}: \`client\` must be a pg Pool or Client`);
    }
    this.settings = fleetSettings(OWNER, options);
    this.#client = options.client;
    this.#tables = fleetTables(OWNER, options.schema, options.table);
    this.#sql = fleetSql(this.#tables);
    this.#completions = new Coalescer((items) => this.#recordAll(items));
  }

  /**
   * Applies pending migrations now (otherwise the first call does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the pg error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
   */
  migrate(): Promise<void> {
    return ensureSchema(this.#client, this.#tables);
  }

  /**
   * Stamps this replica as seen now (the server's clock) for `beat.ttlMs` and reads the fleet back,
   * in one statement. Rejects with `ERR_LOCK_BACKEND_FAILED` when PostgreSQL fails, with
   * `ERR_LOCK_TIMEOUT` when it does not answer within one heartbeat interval (at least 1 s), and with
   * the signal's reason on abort.
   */
  async heartbeat(beat: Heartbeat, options: { signal: AbortSignal }): Promise<FleetState> {
    const signal = options?.signal;
    if (signal?.aborted) throw abortReason(signal);
    const work = this.#query('heartbeat', [
      beat.replica,
      beat.host,
      beat.pid,
      beat.version,
      beat.startedAt.getTime(),
      beat.ttlMs,
      beat.clockOffsetMs,
      SWEEP,
    ]);
    const timeout = Math.max(this.settings.heartbeatInterval, 1000);
    const rows = await bounded(work, timeout, `${OWNER} heartbeat`, signal);
    const replicas: ReplicaInfo[] = [];
    const paused: string[] = [];
    let serverTime = Number.NaN;
    for (const row of rows) {
      if (row.kind === 'p') paused.push(row.id as string);
      else {
        replicas.push(replicaOf(row));
        if (row.server !== null) serverTime = Number(row.server);
      }
    }
    return { serverTime: new Date(serverTime), replicas: replicas.sort(byId), paused: paused.sort() };
  }

  /** Removes a replica from the live list at once (its scheduler stopped cleanly). */
  async leave(replica: string): Promise<void> {
    if (typeof replica !== 'string') {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${OWNER}.leave: replica must be a string, got ${describeValue(replica)}`,
      );
    }
    await this.#query('leave', [replica]);
  }

  /** The live replicas, sorted by id. */
  async replicas(): Promise<ReplicaInfo[]> {
    return (await this.#query('replicas', [])).map(replicaOf).sort(byId);
  }

  /** Pauses the job of this name on every replica, until {@link PostgresFleet.resume}; survives restarts. */
  async pause(jobName: string): Promise<void> {
    checkName('pause', jobName);
    await this.#query('pause', [jobName]);
  }

  /** Undoes {@link PostgresFleet.pause}; resuming a job that is not paused does nothing. */
  async resume(jobName: string): Promise<void> {
    checkName('resume', jobName);
    await this.#query('resume', [jobName]);
  }

  /** The names of the jobs paused fleet-wide, sorted. */
  async pausedJobs(): Promise<string[]> {
    return (await this.#query('paused', [])).map((row) => row.job_name as string).sort();
  }

  /** Each named job's last completed occurrence; a job with none is absent from the map. */
  async lastCompleted(jobNames: readonly string[]): Promise<Map<string, Date>> {
    if (!Array.isArray(jobNames)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${OWNER}.lastCompleted: takes an array of job names, got ${describeValue(jobNames)}`,
      );
    }
    for (const name of jobNames) checkName('lastCompleted', name);
    const found = new Map<string, Date>();
    if (jobNames.length === 0) return found;
    const wanted = new Set(jobNames);
    for (const row of await this.#query('lastCompleted', [[...wanted]])) {
      // The digest found the rows; the name itself decides (two names never share a digest in
      // practice, but a match must not rest on it).
      if (wanted.has(row.job_name as string)) found.set(row.job_name as string, dateOf(row.at));
    }
    return found;
  }

  /**
   * Notes that the occurrence `scheduledAt` of a job completed; the table keeps the latest it is told.
   * Calls made in the same turn of the event loop share one statement.
   */
  recordCompleted(jobName: string, scheduledAt: Date): Promise<void> {
    try {
      checkName('recordCompleted', jobName);
      checkScheduledAt(OWNER, 'recordCompleted', scheduledAt);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#completions.add({ jobName, at: scheduledAt.getTime() }).then(() => undefined);
  }

  async #recordAll(items: readonly Completion[]): Promise<undefined[]> {
    const latest = new Map<string, number>();
    for (const { jobName, at } of items) latest.set(jobName, Math.max(at, latest.get(jobName) ?? at));
    await this.#query('recordCompleted', [[...latest.keys()], [...latest.values()]]);
    return [];
  }

  /** One statement after the migrations, its failure as `ERR_LOCK_BACKEND_FAILED`. */
  async #query(statement: keyof FleetSql, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    await ensureSchema(this.#client, this.#tables);
    try {
      return (await run(this.#client, this.#sql[statement], values)).rows;
    } catch (error) {
      throw backendFailure(`${OWNER} ${statement}`, error);
    }
  }
}

interface Completion {
  readonly jobName: string;
  readonly at: number;
}

/** `checkJobName`, and no NUL: PostgreSQL text cannot hold one. */
function checkName(method: string, jobName: unknown): asserts jobName is string {
  checkJobName(OWNER, method, jobName);
  if (jobName.includes('\u0000')) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${OWNER}.${method}: job name ${describeValue(jobName)} holds U+0000, which PostgreSQL text cannot store`,
    );
  }
}

function replicaOf(row: Record<string, unknown>): ReplicaInfo {
  return {
    id: row.id as string,
    host: row.host as string,
    pid: Number(row.pid),
    version: row.version as string,
    startedAt: dateOf(row.started),
    lastSeen: dateOf(row.seen),
    clockOffsetMs: Number(row.offset),
  };
}

function byId(a: ReplicaInfo, b: ReplicaInfo): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
