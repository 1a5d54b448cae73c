import type { JobDefinition } from './definitions.js';
import type { Lock } from './distributed.js';
import { TscronError } from './errors.js';
import type { JobConfig } from './job-options.js';
import { ANCHOR, EVERY, type JobTable, LAST_DONE, LAST_RUN, NEXT, RUNS, TIMES_STRIDE } from './job-table.js';
import type { Schedule } from './schedule.js';

/**
 * What a task receives for each run.
 *
 * @example
 * ```ts
 * scheduler.newJob(durationJob('1m'), async ({ signal, scheduledAt, job }) => {
 *   await fetch(`https://example.com/tick?at=${scheduledAt.toISOString()}`, { signal });
 *   console.log(`${job.name} done`);
 * });
 * ```
 */
export interface JobContext {
  /**
   * Aborts when the run should stop: `stopJobs()`, `shutdown()`, removal or update of the job, the
   * job's `timeout`, or the loss of the run's lock.
   */
  readonly signal: AbortSignal;
  /** The job this run belongs to. */
  readonly job: Job;
  /** The occurrence this run is for (the time asked for, not the time it started; `runNow()`: the call). */
  readonly scheduledAt: Date;
  /**
   * The lock this run holds when a locker claimed it; its `fence` (where the backend has one) lets the
   * task's writes be refused once a newer holder exists. Undefined without a locker.
   */
  readonly lock?: Lock | undefined;
  /** Which try of this run the task is: 1 for the first, 2 for the first retry (`retry` option). */
  readonly attempt: number;
}

/** The work a job does. It fails by throwing or by rejecting. */
export type Task = (context: JobContext) => unknown;

/**
 * A handle on a job in a scheduler (gocron's Job). Obtained from `newJob`, `update` or `jobs()`; it
 * keeps working across `update` of the same id.
 */
export interface Job {
  /** The job's unique id. */
  readonly id: string;
  /** The job's name (its `name` option, else the task function's name, else the id). */
  readonly name: string;
  /** The job's tags. */
  readonly tags: readonly string[];
  /** The schedule the job runs on. */
  readonly definition: JobDefinition;
  /** When the last run was dispatched (its lock taken and listeners called), or `undefined`. */
  lastRun(): Date | undefined;
  /**
   * When the last run ended, successfully or not (gocron's LastRunCompletedAt), or `undefined` before
   * any run ended. A run skipped before its task started does not count.
   */
  lastRunCompletedAt(): Date | undefined;
  /** The next scheduled run, or `undefined` when none is scheduled (scheduler not started, paused, ended). */
  nextRun(): Date | undefined;
  /**
   * The next `count` scheduled runs, starting with {@link Job.nextRun}; fewer when the job ends
   * before (limitedRuns, stopAt, one-time). A durationRandom job lists only its next run.
   */
  nextRuns(count: number): Date[];
  /**
   * Runs the job once now, through its concurrency rules, locks and listeners, without moving its
   * schedule. Resolves once the run is dispatched; rejects `ERR_JOB_RUN_NOW_FAILED` when the job is
   * gone or the scheduler is not running.
   */
  runNow(): Promise<void>;
  /** Whether a run of this job is in progress. */
  isRunning(): boolean;
  /** Stops scheduling runs until {@link Job.resume}; a run in progress goes on. */
  pause(): void;
  /** Schedules runs again, from the next occurrence after now. */
  resume(): void;
  /** Whether the job is paused. */
  isPaused(): boolean;
}

/** What a job record asks its scheduler. */
export interface JobHost {
  runNow(record: JobRecord): Promise<void>;
  pause(record: JobRecord): void;
  resume(record: JobRecord): void;
}

/** The job was removed (by the user, its signal, its run limit, or shutdown). */
export const REMOVED = 1;
/** The job is paused. */
export const PAUSED = 2;
/**
 * The job has no run ahead for good (its `stopAt` or `limitedRuns` is reached): it leaves the
 * scheduler once no run of it is in progress.
 */
export const FINISHED = 4;
/** A lock attempt for a run of the job is pending. */
export const LOCKING = 8;
/**
 * A backup claim of the job is pending: one of an occurrence balance picked another replica for,
 * made a grace late in case that replica did not claim it. Kept apart from {@link LOCKING}, so that
 * a backup claim still in flight when the job's next occurrence comes never makes this replica skip
 * its own claim of that occurrence.
 */
export const BACKUP_LOCKING = 16;

/**
 * A job's state in its scheduler, and the {@link Job} handle users hold. One plain object of fixed
 * shape per job; `update` rewrites it in place so that handles stay valid. Its times live in its
 * table's slot (see {@link JobTable}) while the job is in the scheduler.
 */
export class JobRecord implements Job {
  // Fields are declared, then assigned once in the constructor in this order: one hidden class, and
  // no define-then-assign work per job. None holds a double: each would cost a heap box per job.
  /** @internal The id, once drawn or chosen (see {@link JobTable.idOf}). */
  declare idText: string | undefined;
  /** @internal The `name` option or the task's name; the id stands in when undefined. */
  declare nameText: string | undefined;
  declare tags: readonly string[];
  declare definition: JobDefinition;
  /** @internal */ declare table: JobTable;
  /** @internal */ declare task: Task;
  /** @internal */ declare cfg: JobConfig;
  /**
   * @internal The compiled schedule; `undefined` for duration jobs (computed inline from `every`); a
   * cron expression's text when its compiled form is looked up when needed (see
   * {@link JobTable.nextOf}), so that jobs do not each keep one.
   */
  declare schedule: Schedule | string | undefined;
  /** @internal Index in the table's times and the timer queue; -1 once the job left the scheduler. */
  declare slot: number;
  /** @internal Runs in progress. */
  declare running: number;
  /** @internal {@link REMOVED} | {@link PAUSED} | {@link FINISHED} | {@link LOCKING} | {@link BACKUP_LOCKING} */
  declare flags: number;
  /** @internal Bumped by every update, so that runs of an older version are told apart. */
  declare version: number;
  /** @internal The signal's controller shared by runs that can only be aborted with the whole job. */
  declare controller: AbortController | undefined;
  /**
   * @internal The run that has {@link JobRecord.controller} to itself, as it may abort it alone (a
   * timeout, a lock that can be lost); no other run shares it meanwhile.
   */
  declare controllerOwner: object | undefined;

  constructor(
    table: JobTable,
    id: string | undefined,
    name: string | undefined,
    definition: JobDefinition,
    task: Task,
    cfg: JobConfig,
    tags: readonly string[],
    schedule: Schedule | string | undefined,
  ) {
    this.idText = id;
    this.nameText = name;
    this.tags = tags;
    this.definition = definition;
    this.table = table;
    this.task = task;
    this.cfg = cfg;
    this.schedule = schedule;
    this.slot = -1;
    this.running = 0;
    this.flags = 0;
    this.version = 0;
    this.controller = undefined;
    this.controllerOwner = undefined;
  }

  get id(): string {
    return this.idText ?? this.table.idOf(this);
  }

  get name(): string {
    return this.nameText ?? this.id;
  }

  /** @internal The next occurrence (epoch ms), NaN when none is planned. */
  get next(): number {
    return readTime(this, NEXT, Number.NaN);
  }

  set next(at: number) {
    writeTime(this, NEXT, at);
  }

  /** @internal The instant a duration job's occurrences count from. */
  get anchor(): number {
    return readTime(this, ANCHOR, Number.NaN);
  }

  set anchor(at: number) {
    writeTime(this, ANCHOR, at);
  }

  /** @internal A duration job's period, else 0. */
  get every(): number {
    return readTime(this, EVERY, 0);
  }

  set every(ms: number) {
    writeTime(this, EVERY, ms);
  }

  /** @internal Runs counted towards `limitedRuns`. */
  get runCount(): number {
    return readTime(this, RUNS, 0);
  }

  set runCount(runs: number) {
    writeTime(this, RUNS, runs);
  }

  /** @internal When the last run was dispatched, NaN before the first. */
  get lastRunAt(): number {
    return this.slot < 0 ? this.table.retiredLastRun(this) : readTime(this, LAST_RUN, Number.NaN);
  }

  set lastRunAt(at: number) {
    if (!writeTime(this, LAST_RUN, at)) this.table.retire(this, 'lastRun', at);
  }

  /** @internal When the last run ended, NaN before the first ended. */
  get lastDoneAt(): number {
    return this.slot < 0 ? this.table.retiredLastDone(this) : readTime(this, LAST_DONE, Number.NaN);
  }

  set lastDoneAt(at: number) {
    if (!writeTime(this, LAST_DONE, at)) this.table.retire(this, 'lastDone', at);
  }

  lastRun(): Date | undefined {
    const at = this.lastRunAt;
    return Number.isNaN(at) ? undefined : new Date(at);
  }

  lastRunCompletedAt(): Date | undefined {
    const at = this.lastDoneAt;
    return Number.isNaN(at) ? undefined : new Date(at);
  }

  nextRun(): Date | undefined {
    const at = this.next;
    return Number.isNaN(at) ? undefined : new Date(at);
  }

  nextRuns(count: number): Date[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `nextRuns: count must be a non-negative integer, got ${count}`,
      );
    }
    const runs: Date[] = [];
    if (Number.isNaN(this.next) || count === 0) return runs;
    const cfg = this.cfg;
    const max = Math.min(count, cfg.limitedRuns - this.runCount);
    let at: number | undefined = this.next;
    runs.push(new Date(at));
    const schedule = this.schedule;
    if (cfg.intervalFromCompletion || (typeof schedule === 'object' && !schedule.deterministic)) return runs;
    while (runs.length < max) {
      at = this.occurrenceAfter(at);
      if (at === undefined || at >= cfg.stopAt) break;
      runs.push(new Date(at));
    }
    return runs;
  }

  runNow(): Promise<void> {
    return this.table.host.runNow(this);
  }

  isRunning(): boolean {
    return this.running > 0;
  }

  pause(): void {
    this.table.host.pause(this);
  }

  resume(): void {
    this.table.host.resume(this);
  }

  isPaused(): boolean {
    return (this.flags & PAUSED) !== 0;
  }

  /** What `JSON.stringify(job)` shows: who the job is and when it runs next. */
  toJSON(): {
    id: string;
    name: string;
    tags: readonly string[];
    definition: JobDefinition;
    nextRun?: string;
  } {
    const next = this.nextRun();
    const shown = { id: this.id, name: this.name, tags: this.tags, definition: this.definition };
    return next === undefined ? shown : { ...shown, nextRun: next.toISOString() };
  }

  /** What `console.log(job)` shows: the same as {@link JobRecord.toJSON}, not the scheduler's internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return Object.assign(Object.create(JOB_PROTOTYPE_NAME), this.toJSON());
  }

  /** @internal The first occurrence strictly after `after`, or `undefined`. */
  occurrenceAfter(after: number): number | undefined {
    const every = this.every;
    if (every > 0) {
      const anchor = this.anchor;
      const periods = after < anchor ? 1 : Math.floor((after - anchor) / every) + 1;
      const at = anchor + Math.max(periods, 1) * every;
      // Guards against floating-point rounding landing on `after` itself.
      return at > after ? at : at + every;
    }
    return this.table.nextOf(this.schedule as Schedule | string, after, this.cfg.dstPolicy);
  }
}

/** Gives inspected jobs the class name `Job`, so that the log says what it is. */
const JOB_PROTOTYPE_NAME = Object.freeze(Object.create(null, { [Symbol.toStringTag]: { value: 'Job' } }));

/** A value of a job's slot in its table (see JobTable), or `removed` once the job left it. */
function readTime(record: JobRecord, offset: number, removed: number): number {
  const slot = record.slot;
  return slot < 0 ? removed : (record.table.times[slot * TIMES_STRIDE + offset] as number);
}

/** Writes a value of a job's slot; false, writing nothing, once the job left its table. */
function writeTime(record: JobRecord, offset: number, value: number): boolean {
  const slot = record.slot;
  if (slot < 0) return false;
  record.table.times[slot * TIMES_STRIDE + offset] = value;
  return true;
}
