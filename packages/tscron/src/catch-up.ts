// Catch-up after downtime: replaying the occurrences the whole fleet missed.
import type { Clock } from './clock.js';
import type { Fleet } from './fleet.js';
import { type JobRecord, PAUSED, REMOVED } from './job.js';
import { MAX_CATCH_UP_RUNS } from './job-options.js';
import type { Logger } from './logger.js';

/** Occurrences looked at per job and catch-up at most, so that a dense schedule cannot stall a start. */
const MAX_SCAN = 100_000;

/** What catch-up asks of its scheduler. */
export interface CatchUpHost {
  /**
   * Runs the missed occurrence `at` of a job now, claimed like any run, `scheduledAt` = `at`.
   * Returns false when the run was not dispatched (a concurrency rule dropped it, the job is paused).
   */
  catchUp(record: JobRecord, at: number): boolean;
}

/** The occurrences of one job still to replay, and the one whose claim is in flight. */
interface Chain {
  readonly version: number;
  readonly rest: number[];
  current: number;
}

/**
 * Whether a job catches up after downtime: it has `catchUpWithin`, its `missedRuns` is not
 * `'skip'`, and its occurrences are the same on every replica (not one-time, random or counted
 * from completion).
 */
export function catchesUp(record: JobRecord): boolean {
  const cfg = record.cfg;
  if (cfg.catchUpWithin <= 0 || cfg.skipMissed || cfg.intervalFromCompletion) return false;
  const kind = record.definition.kind;
  return kind !== 'oneTime' && kind !== 'durationRandom';
}

/**
 * The occurrences of a job the fleet missed: after `last` (its last completed occurrence), not
 * older than `within` before `now`, not after `now` and before the job's next planned run; the
 * latest `limit` of them, oldest first.
 *
 * Occurrences are only found forwards, so it looks in a window ending at `now` that grows eightfold
 * until it holds `limit` of them or reaches the bound: a job on every second with a catch-up window
 * of a day reads a few hundred occurrences, not 86,400.
 */
export function missedOccurrences(
  record: JobRecord,
  last: number,
  now: number,
  within: number,
  limit: number,
): number[] {
  const cfg = record.cfg;
  const next = Number.isNaN(record.next) ? Number.POSITIVE_INFINITY : record.next;
  const end = Math.min(now, cfg.stopAt - 1);
  let floor = Math.max(last, now - within - 1);
  // No run before a future-dated start: the schedule begins there.
  if (typeof cfg.startAt === 'number') floor = Math.max(floor, cfg.startAt - 1);
  let width = 1000;
  for (;;) {
    const from = Math.max(floor, end - width);
    const found: number[] = [];
    let at = record.occurrenceAfter(from);
    for (let scanned = 0; at !== undefined && at <= end && at < next && scanned < MAX_SCAN; scanned++) {
      found.push(at);
      if (found.length > limit) found.shift();
      at = record.occurrenceAfter(at);
    }
    if (found.length >= limit || from <= floor) return found;
    width *= 8;
  }
}

/**
 * Reads the fleet's last completed occurrences of the jobs that catch up and runs what the fleet
 * missed, at a start (after the first heartbeat) and when such a job joins a started scheduler.
 * Jobs joining together share one `lastCompleted` call.
 *
 * The missed occurrences of one job are dispatched one after another, each once the previous one's
 * claim settled (won, lost or failed), since a job has one lock attempt in flight at a time; their
 * runs may overlap unless the job's `singletonMode` says otherwise. Replicas starting together walk
 * the same list, so each occurrence is claimed by all of them within moments and runs once.
 */
export class CatchUp {
  readonly #fleet: Fleet;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #host: CatchUpHost;
  /** Bumped by every stop: answers to an earlier start are dropped. */
  #epoch = 0;
  #pending: JobRecord[] = [];
  readonly #chains = new Map<JobRecord, Chain>();
  #queued: ReturnType<typeof setImmediate> | undefined;

  constructor(fleet: Fleet, clock: Clock, logger: Logger, host: CatchUpHost) {
    this.#fleet = fleet;
    this.#clock = clock;
    this.#logger = logger;
    this.#host = host;
  }

  /** Catches up these jobs (those of them that catch up) now. */
  run(records: Iterable<JobRecord>): Promise<void> {
    const jobs = [...records].filter(catchesUp);
    return jobs.length === 0 ? Promise.resolve() : this.#catchUp(jobs, this.#epoch);
  }

  /** A job joined the started scheduler: caught up with the others that join in the same turn. */
  add(record: JobRecord): void {
    if (!catchesUp(record)) return;
    this.#pending.push(record);
    this.#queued ??= setImmediate(() => {
      this.#queued = undefined;
      const jobs = this.#pending;
      this.#pending = [];
      this.#catchUp(jobs, this.#epoch).catch((error: unknown) =>
        this.#logger.error('tscron: internal error in catch-up', error),
      );
    });
  }

  /**
   * A run's claim settled (it was dispatched, or ended without running): the next missed
   * occurrence of its job, if it was one, is dispatched.
   */
  settled(record: JobRecord, at: number): void {
    if (this.#chains.size === 0) return;
    const chain = this.#chains.get(record);
    if (chain === undefined || chain.current !== at) return;
    chain.current = Number.NaN;
    // After the run that settled started its task: the replay stays in order.
    queueMicrotask(() => this.#advance(record, chain));
  }

  /** The scheduler stopped: nothing asked before now runs. */
  stop(): void {
    this.#epoch++;
    this.#chains.clear();
    this.#pending = [];
    if (this.#queued !== undefined) clearImmediate(this.#queued);
    this.#queued = undefined;
  }

  async #catchUp(jobs: readonly JobRecord[], epoch: number): Promise<void> {
    const versions = jobs.map((record) => record.version);
    let last: Map<string, Date>;
    try {
      last = await this.#fleet.lastCompleted([...new Set(jobs.map((record) => record.name))]);
    } catch (error) {
      if (epoch === this.#epoch) {
        this.#logger.warn(
          `tscron: the fleet failed to tell the last completed occurrences of ${jobs.length} job(s); no catch-up for them`,
          error,
        );
      }
      return;
    }
    if (epoch !== this.#epoch) return;
    const now = this.#clock.now();
    jobs.forEach((record, i) => {
      if (record.version !== versions[i] || (record.flags & (REMOVED | PAUSED)) !== 0) return;
      const completed = last.get(record.name)?.getTime();
      if (completed === undefined || Number.isNaN(completed)) return;
      const cfg = record.cfg;
      const limit = cfg.catchUpAll ? MAX_CATCH_UP_RUNS : 1;
      const missed = missedOccurrences(record, completed, now, cfg.catchUpWithin, limit);
      if (missed.length === 0) return;
      this.#logger.info(
        `tscron: job "${record.name}": catching up ${missed.length} occurrence(s) the fleet missed, from ${new Date(missed[0] as number).toISOString()}`,
      );
      if (this.#chains.has(record)) return;
      const chain: Chain = { version: record.version, rest: missed, current: Number.NaN };
      this.#chains.set(record, chain);
      this.#advance(record, chain);
    });
  }

  /** Dispatches the next occurrence of a chain; one that is not dispatched makes way for the next. */
  #advance(record: JobRecord, chain: Chain): void {
    for (;;) {
      const at = chain.rest.shift();
      if (at === undefined || record.version !== chain.version || this.#chains.get(record) !== chain) {
        if (this.#chains.get(record) === chain) this.#chains.delete(record);
        return;
      }
      chain.current = at;
      if (this.#host.catchUp(record, at)) return;
    }
  }
}
