// RedisRunHistory: the runs of every replica in one store on Redis, trimmed by count per job and by age.
import type { Duration, RunHistory, RunQuery, RunRecord } from 'tscron';
import { TscronError } from 'tscron';
import { backendFailure, checkJobName, durationOption } from 'tscron/backend';
import type { RedisClient } from './client.js';
import type { RedisConnection } from './connection.js';
import { clientOption, keyPrefixOption, shown } from './options.js';
import { checkRunRecord, decodeRunRecord, encodeRunRecord, runId } from './run-record-codec.js';
import { script } from './scripts.js';
import { WriteQueue } from './write-queue.js';

/** Records one script call takes at most: each call keeps the server busy for its whole length. */
const RECORDS_PER_CALL = 500;
/** Records that may wait while a batch is on its way; more are rejected rather than held. */
const MAX_WAITING = 10_000;
/** The longest `maxAge`: 100 years (longer ones would overflow the server's expiry times). */
const MAX_AGE_LIMIT = 100 * 365 * 24 * 3_600_000;

/** Options of {@link RedisRunHistory}. */
export interface RedisRunHistoryOptions {
  /**
   * The client: an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client or cluster
   * (`redis` 4 to 6), connected by you. tscron never closes it.
   */
  client: RedisClient;
  /**
   * Prefix of the history's keys, which are `<prefix>{history}:runs`, `<prefix>{history}:started` and
   * `<prefix>{history}:job:<job name>`: replicas with the same prefix share one history. Must not
   * contain `{` or `}` (the `{history}` hash tag keeps the keys in one Cluster slot).
   * @default 'tscron:'
   */
  keyPrefix?: string;
  /**
   * Runs kept per job name; the oldest (by start) leave first.
   * @default 1000
   */
  perJob?: number;
  /**
   * How long a run is kept after it started (durations have no day unit: `'720h'` is 30 days). Older
   * runs are never listed, and are deleted by later writes.
   * @default '720h'
   */
  maxAge?: Duration;
}

/** One record ready for the server. */
interface Pending {
  readonly jobKey: string;
  readonly id: string;
  readonly startedAt: number;
  /** A `running` record: written only when its run has no record yet, so it never replaces the final one. */
  readonly first: boolean;
  readonly value: string;
}

/**
 * A {@link RunHistory} on Redis (standalone, Sentinel or Cluster, through ioredis or node-redis),
 * given as `createScheduler({ history })` on every replica so that they share one history: the
 * dashboard then shows every replica's runs, and `record.replica` says which ran each.
 *
 * A run's `running` record and its final one share an id, so the final record replaces the first
 * (and a `running` record never replaces a final one, whichever reaches Redis first). The records of
 * one turn of the event loop (runs that start or end together) share one script call (500 records a
 * call at most); while one batch is on its way the next gathers, up to 10,000 records, past which
 * records are dropped (rejected) rather than held. The script also enforces retention, deleting at
 * most twice as many runs as it writes plus 16, so a write's cost stays bounded even after `perJob`
 * or `maxAge` were lowered. The scheduler writes after the fact, so a slow or failing Redis never
 * delays or fails a run.
 * Records are JSON with millisecond times: they come back exactly as written, optional fields
 * absent when they were; `error` keeps its first 8,192 characters and `output` its last 8,192.
 *
 * The constructor does no I/O; `close()` waits for the writes in flight and never closes the client.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const history = new RedisRunHistory({ client: new Redis(process.env.REDIS_URL), perJob: 200 });
 * const scheduler = createScheduler({ history });
 * const lastTen = await history.list({ jobName: 'backup', limit: 10 });
 * ```
 */
export class RedisRunHistory implements RunHistory {
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #runsKey: string;
  readonly #startedKey: string;
  readonly #perJob: number;
  readonly #maxAge: number;
  readonly #writes = new Set<Promise<unknown>>();
  readonly #queue: WriteQueue<Pending>;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: RedisRunHistoryOptions) {
    this.#connection = clientOption('RedisRunHistory', options?.client);
    this.#prefix = keyPrefixOption('RedisRunHistory', options.keyPrefix, 'tscron:');
    this.#runsKey = `${this.#prefix}{history}:runs`;
    this.#startedKey = `${this.#prefix}{history}:started`;
    const perJob = options.perJob ?? 1000;
    if (!Number.isSafeInteger(perJob) || perJob < 1) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `RedisRunHistory perJob: must be an integer >= 1, got ${shown(perJob)}`,
      );
    }
    this.#perJob = perJob;
    this.#maxAge = durationOption(options.maxAge, 30 * 24 * 3_600_000, 'RedisRunHistory maxAge');
    if (this.#maxAge > MAX_AGE_LIMIT) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `RedisRunHistory maxAge: must be at most 100 years, got ${String(options.maxAge)}`,
      );
    }
    this.#queue = new WriteQueue(
      (items) => this.#flush(items),
      MAX_WAITING,
      () =>
        new TscronError(
          'ERR_LOCK_BACKEND_FAILED',
          `RedisRunHistory record: ${MAX_WAITING} records are waiting for Redis already; this one is dropped`,
        ),
    );
  }

  /** The history's keys, for inspection: the runs hash, the started index, and one job's index. */
  keys(jobName?: string): { runs: string; started: string; job?: string } {
    const keys = { runs: this.#runsKey, started: this.#startedKey };
    return jobName === undefined ? keys : { ...keys, job: this.#jobKey(jobName) };
  }

  /**
   * Stores `run`, replacing the stored record of the same run (unless `run` is a `running` record and
   * the run's final record is stored already). Resolves once it is written, together with the other
   * records of its batch; rejects with `ERR_INVALID_OPTION` for a bad record (before any I/O) and
   * `ERR_LOCK_BACKEND_FAILED` when Redis fails or 10,000 records are waiting already.
   */
  record(run: RunRecord): Promise<void> {
    let pending: Pending;
    try {
      checkRunRecord(run);
      pending = {
        jobKey: this.#jobKey(run.jobName),
        id: runId(run),
        startedAt: run.startedAt.getTime(),
        first: run.status === 'running',
        value: encodeRunRecord(run),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    const write = this.#queue.add(pending);
    this.#writes.add(write);
    const forget = () => {
      this.#writes.delete(write);
    };
    write.then(forget, forget);
    return write;
  }

  /**
   * Records newest start first (one script call): of `jobName`, or of every job without it; at most
   * `limit` (default `perJob`); only runs started before `before`, to page back. Runs older than
   * `maxAge` are left out. Rejects with `ERR_INVALID_OPTION` for a bad query, and with
   * `ERR_LOCK_BACKEND_FAILED` when Redis fails.
   */
  async list(query: RunQuery = {}): Promise<RunRecord[]> {
    const { jobName, limit = this.#perJob, before } = checkQuery(query);
    const index = jobName === undefined ? this.#startedKey : this.#jobKey(jobName);
    const bound = before === undefined ? '+inf' : String(before.getTime());
    let reply: unknown;
    try {
      reply = await this.#connection.run(
        script.historyList,
        [this.#runsKey, index],
        [this.#maxAge, bound, limit],
      );
    } catch (error) {
      throw backendFailure('RedisRunHistory list', error);
    }
    const runs: RunRecord[] = [];
    for (const text of reply as unknown[]) {
      const run = decodeRunRecord(String(text));
      if (run !== undefined) runs.push(run);
    }
    return runs;
  }

  /** Waits for the records written so far to reach Redis. Holds nothing else; never closes the client. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }

  #jobKey(jobName: string): string {
    return `${this.#prefix}{history}:job:${jobName}`;
  }

  /**
   * Sends a batch, {@link RECORDS_PER_CALL} records a script call, all calls at once (every
   * key shares the `{history}` slot, so a Cluster takes them all on one node). Resolves one entry per
   * record: undefined when written, else the error of its call.
   */
  async #flush(items: readonly Pending[]): Promise<unknown[]> {
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < items.length; start += RECORDS_PER_CALL) {
      calls.push(this.#send(items.slice(start, start + RECORDS_PER_CALL)));
    }
    const outcomes = await Promise.allSettled(calls);
    const results: unknown[] = [];
    for (const [c, outcome] of outcomes.entries()) {
      const count = Math.min(RECORDS_PER_CALL, items.length - c * RECORDS_PER_CALL);
      const failure = outcome.status === 'rejected' ? outcome.reason : undefined;
      for (let i = 0; i < count; i++) results.push(failure);
    }
    return results;
  }

  async #send(records: readonly Pending[]): Promise<void> {
    const keys = [this.#runsKey, this.#startedKey];
    const jobIndex = new Map<string, number>();
    const args: Array<string | number> = [this.#perJob, this.#maxAge, 2 * records.length + 16];
    for (const record of records) {
      let index = jobIndex.get(record.jobKey);
      if (index === undefined) {
        index = keys.push(record.jobKey);
        jobIndex.set(record.jobKey, index);
      }
      args.push(index, record.id, record.startedAt, record.first ? 1 : 0, record.value);
    }
    try {
      await this.#connection.run(script.historyRecord, keys, args);
    } catch (error) {
      throw backendFailure('RedisRunHistory record', error);
    }
  }
}

/** The query with its fields checked; throws `ERR_INVALID_OPTION` naming the bad one. */
function checkQuery(query: RunQuery): RunQuery {
  if (typeof query !== 'object' || query === null) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `RedisRunHistory.list: query must be an object, got ${shown(query)}`,
    );
  }
  if (query.jobName !== undefined) checkJobName('RedisRunHistory', 'list', query.jobName);
  if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `RedisRunHistory.list: limit must be an integer >= 1, got ${shown(query.limit)}`,
    );
  }
  if (
    query.before !== undefined &&
    (!(query.before instanceof Date) || Number.isNaN(query.before.getTime()))
  ) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `RedisRunHistory.list: before must be a valid Date, got ${shown(query.before)}`,
    );
  }
  return query;
}
