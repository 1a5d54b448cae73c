import { waitAtMost } from './bounded-wait.js';
import { type Clock, systemClock } from './clock.js';
import { compileCron } from './cron/compile.js';
import type { JobDefinition } from './definitions.js';
import { formatDuration } from './duration.js';
import { describeValue, TscronError } from './errors.js';
import { abortError, Executor, type ExecutorHooks, type Run } from './executor.js';
import type { Fleet } from './fleet.js';
import { FleetMember } from './fleet-member.js';
import type { HeldRun } from './held-runs.js';
import { FINISHED, type Job, type JobHost, JobRecord, PAUSED, REMOVED, type Task } from './job.js';
import {
  checkJobOptions,
  checkSignal,
  type JobConfig,
  type JobOptions,
  resolveJobIdentity,
  resolveJobOptions,
} from './job-options.js';
import { JobTable } from './job-table.js';
import type { Logger } from './logger.js';
import type { Monitor } from './monitor.js';
import type { RunHistory, RunRecord } from './run-history.js';
import { droppedRecord } from './run-records.js';
import { compileSchedule, type Schedule } from './schedule.js';
import type { SchedulerEvent } from './scheduler-events.js';
import { type JobChange, SchedulerEvents, type SchedulerListener } from './scheduler-events.js';
import { resolveSchedulerOptions, type SchedulerConfig, type SchedulerOptions } from './scheduler-options.js';
import { Alarm, TimerQueue } from './timer-queue.js';

/**
 * Runs jobs on their schedules (gocron's Scheduler). Made by {@link createScheduler}.
 *
 * @example
 * ```ts
 * await using scheduler = createScheduler({ timeZone: 'UTC' });
 * const job = scheduler.newJob(cronJob('0 * * * *'), async ({ signal }) => rotateLogs(signal), { name: 'rotate' });
 * scheduler.start();
 * console.log(job.nextRun());
 * ```
 */
export interface Scheduler extends AsyncDisposable {
  /**
   * Adds a job. It is scheduled when the scheduler starts, or at once if it runs already. Throws a
   * {@link TscronError} on a bad definition, task or option, and `ERR_SCHEDULER_SHUT_DOWN` after
   * {@link Scheduler.shutdown}.
   */
  newJob(definition: JobDefinition, task: Task, options?: JobOptions): Job;
  /**
   * Replaces a job's definition, task and options, keeping its id (and its place in
   * {@link Scheduler.jobs}); the job starts afresh (run count, pause). A run in progress has its
   * signal aborted. Unknown id: `ERR_JOB_NOT_FOUND`; `options.id` is ignored.
   */
  update(id: string, definition: JobDefinition, task: Task, options?: JobOptions): Job;
  /** Removes a job; a run in progress has its signal aborted. Unknown id: `ERR_JOB_NOT_FOUND`. */
  removeJob(id: string): void;
  /** Removes every job holding at least one of `tags`. */
  removeByTags(...tags: string[]): void;
  /** The jobs, in creation order. */
  jobs(): Job[];
  /** Starts scheduling (again, after {@link Scheduler.stopJobs}). Idempotent; a no-op after shutdown. */
  start(): void;
  /**
   * Stops scheduling, aborts running tasks' signals and waits up to `stopTimeout` (or until
   * `options.signal` aborts, gocron's StopJobsWithContext) for them to end; rejects
   * `ERR_STOP_JOBS_TIMED_OUT` when some did not. The rejection is also logged, and never crashes the
   * process when nobody handles it. {@link Scheduler.start} works again after it.
   */
  stopJobs(options?: StopOptions): Promise<void>;
  /**
   * As {@link Scheduler.stopJobs}, then final: jobs are dropped, no timer stays pending, `newJob`
   * throws `ERR_SCHEDULER_SHUT_DOWN`. With a `history`, it then waits (again up to `stopTimeout`, or
   * until `options.signal` aborts) for the history to take the records of the last runs, so that a
   * process may exit as soon as it resolves; a history slower than that is logged, not awaited. A
   * call while one is in progress returns its promise; calls after it ended resolve at once.
   *
   * @example
   * ```ts
   * // Safe as it is: a shutdown that times out is logged, not an unhandled rejection.
   * process.once('SIGTERM', () => scheduler.shutdown());
   * ```
   */
  shutdown(options?: StopOptions): Promise<void>;
  /** Runs waiting for a slot (`limitConcurrentJobs` 'wait') or for their job (`singletonMode` 'wait'). */
  jobsWaitingInQueue(): number;
  /** Whether the scheduler is scheduling runs: started, and neither stopped nor shut down since. */
  isStarted(): boolean;
  /** This instance's name in run records (`SchedulerOptions.replica`). */
  readonly replica: string;
  /** The IANA name of the zone wall-clock schedules are read in (`SchedulerOptions.timeZone`). */
  readonly timeZone: string;
  /** Where runs are recorded (`SchedulerOptions.history`), if anywhere. */
  readonly history: RunHistory | undefined;
  /** The fleet this scheduler is a replica of (`SchedulerOptions.fleet`), if any. */
  readonly fleet: Fleet | undefined;
  /**
   * Heartbeats the fleet at once and applies its answer: jobs paused or resumed fleet-wide are
   * paused or resumed here now, instead of at the next heartbeat. A dashboard calls it after
   * `fleet.pause(name)`, so that the replica it runs in shows the pause at once (the others follow
   * within one heartbeat). A scheduler that is not started only reads the paused jobs (it is no live
   * replica). Rejects when the fleet fails (the scheduler keeps its last view); resolves at once
   * without a fleet or after shutdown.
   *
   * @example
   * ```ts
   * await scheduler.fleet?.pause('report');
   * await scheduler.syncFleet(); // paused here now; on the other replicas within one heartbeat
   * ```
   */
  syncFleet(): Promise<void>;
  /**
   * Hears every run (as a {@link RunRecord}: when it starts and when it ends, is dropped or missed)
   * and every change of a job or of the scheduler. Events come after the fact, batched on the next
   * turn of the event loop and in order, so a listener never delays a run; one that throws is logged.
   * Returns the function that stops the listening. A dashboard or a custom exporter builds on it.
   *
   * @example
   * ```ts
   * const unsubscribe = scheduler.subscribe((event) => {
   *   if (event.type === 'run' && event.run.status === 'fail') console.error(event.run.jobName, event.run.error);
   * });
   * ```
   */
  subscribe(listener: (event: SchedulerEvent) => void): () => void;
  /** The same as {@link Scheduler.shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link Scheduler.stopJobs} and {@link Scheduler.shutdown}. */
export interface StopOptions {
  /**
   * Bounds the wait for running tasks instead of the scheduler's `stopTimeout`: when it aborts, the
   * call rejects `ERR_STOP_JOBS_TIMED_OUT` if tasks are still running.
   */
  signal?: AbortSignal;
}

/**
 * Creates a scheduler. Throws a {@link TscronError} naming the option on a bad option.
 *
 * @example
 * ```ts
 * import { createScheduler, durationJob } from 'tscron';
 *
 * const scheduler = createScheduler({ logger: console });
 * scheduler.newJob(durationJob('30s'), () => console.log('tick'), { name: 'tick' });
 * scheduler.start();
 * process.once('SIGTERM', () => void scheduler.shutdown());
 * ```
 */
export function createScheduler(options?: SchedulerOptions): Scheduler {
  return new SchedulerCore(resolveSchedulerOptions(options));
}

const ignore = (): void => {};

/** Checks the options of stopJobs and shutdown; returns their signal. */
function stopSignal(options: StopOptions | undefined, call: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${call}: options must be an object, got ${describeValue(options)}`,
    );
  }
  if (options.signal !== undefined) checkSignal(options.signal, `${call}: signal`);
  return options.signal;
}

/** An occurrence noticed this much later than its time counts as missed (`missedRuns: 'skip'`). */
const MISSED_GRACE_MS = 1000;
/** A wall clock that went back more than this is re-read: schedules are recomputed from the new time. */
const JUMP_BACK_MS = 1000;
/** A timer callback running jobs yields to the event loop after this long. */
const DRAIN_BUDGET_MS = 50;

/** Whether a schedule depends on where it is anchored (so must be recompiled when the anchor moves). */
function anchorSensitive(definition: JobDefinition): boolean {
  switch (definition.kind) {
    case 'daily':
    case 'weekly':
    case 'monthly':
      return definition.interval > 1;
    case 'cron':
      return compileCron(definition.expression, definition.withSeconds).every > 0;
    case 'oneTime':
      return definition.at === 'immediately';
    default:
      return false;
  }
}

class SchedulerCore implements Scheduler, JobHost, ExecutorHooks {
  readonly #config: SchedulerConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #monitor: Monitor | undefined;
  readonly #table: JobTable;
  /** Listeners on the `signal` option of the jobs that have one. */
  readonly #signalWatchers = new Map<JobRecord, () => void>();
  readonly #queue = new TimerQueue();
  readonly #alarm: Alarm;
  readonly #executor: Executor;
  readonly #events: SchedulerEvents;
  /** The fleet side, with a fleet. */
  readonly #fleet: FleetMember | undefined;
  #started = false;
  #closed = false;
  #draining = false;
  /** While draining: the time, re-read every 64 runs (a clock read can cost as much as a run). */
  #tickNow = 0;
  #lastWake = 0;
  #shutdown: Promise<void> | undefined;
  #shutdownDone = false;

  constructor(config: SchedulerConfig) {
    this.#config = config;
    this.#clock = config.clock;
    this.#logger = config.logger;
    this.#monitor = config.monitor;
    this.#alarm = new Alarm(config.clock, () => this.#drain(), undefined, !config.unref, config.timerSlack);
    this.#events = new SchedulerEvents(config.history, config.logger, config.printUnobserved);
    this.#executor = new Executor(config, this, this.#events);
    this.#table = new JobTable(this, config.timeZone);
    this.#fleet =
      config.fleet === undefined
        ? undefined
        : new FleetMember(config, {
            jobs: () => this.#table.inOrder(),
            pause: (record) => this.pause(record),
            resume: (record) => this.resume(record),
            release: (held, now) => this.#release(held, now),
            catchUp: (record, at) => this.#runMissed(record, at),
          });
  }

  // ---- jobs ----

  newJob(definition: JobDefinition, task: Task, options?: JobOptions): Job {
    if (this.#closed) throw new TscronError('ERR_SCHEDULER_SHUT_DOWN', 'newJob: the scheduler is shut down');
    const now = this.#clock.now();
    const cfg = this.#prepare(definition, task, options, now);
    const { tags, id, name: nameOption } = resolveJobIdentity(this.#config.globalJobOptions, options);
    const name = nameOption ?? this.#taskName(task, cfg);
    // Random ids (drawn when first read) do not collide; only an id the user chose is checked.
    if (id !== undefined && this.#table.byId(id) !== undefined) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `newJob: a job with id "${id}" exists already; use update()`,
      );
    }
    const schedule = this.#compile(definition, cfg, now);
    const record = new JobRecord(this.#table, id, name, definition, task, cfg, tags, schedule);
    this.#table.add(record);
    this.#setPeriod(record, now);
    this.#activate(record, now, 'added');
    return record;
  }

  update(id: string, definition: JobDefinition, task: Task, options?: JobOptions): Job {
    if (this.#closed) throw new TscronError('ERR_SCHEDULER_SHUT_DOWN', 'update: the scheduler is shut down');
    const record = this.#table.byId(id);
    if (record === undefined) throw new TscronError('ERR_JOB_NOT_FOUND', `update: no job with id "${id}"`);
    const now = this.#clock.now();
    const cfg = this.#prepare(definition, task, options, now);
    const { tags, name: nameOption } = resolveJobIdentity(this.#config.globalJobOptions, options);
    const name = nameOption ?? this.#taskName(task, cfg);
    // Compiled before anything changes, so that a bad definition leaves the job as it was.
    const schedule = this.#compile(definition, cfg, now);
    this.#executor.abortJob(record, () => abortError(`job "${record.name}" was updated`));
    this.#queue.delete(record.slot);
    this.#unwatchSignal(record);
    record.version++;
    record.nameText = name;
    record.tags = tags;
    record.definition = definition;
    record.task = task;
    record.cfg = cfg;
    record.schedule = schedule;
    this.#setPeriod(record, now);
    record.next = Number.NaN;
    record.runCount = 0;
    record.flags = 0;
    this.#activate(record, now, 'updated');
    return record;
  }

  /** Announces a new or updated job, watches its signal and, when the scheduler runs, plans its first run. */
  #activate(record: JobRecord, now: number, change: JobChange): void {
    this.#report('jobRegistered', record);
    this.#events.job(change, record);
    this.#watchSignal(record);
    this.#fleet?.adopt(record);
    if ((record.flags & REMOVED) === 0 && this.#started) {
      this.#scheduleFirst(record, now);
      this.#arm();
      this.#fleet?.added(record);
    }
  }

  removeJob(id: string): void {
    const record = this.#table.byId(id);
    if (record === undefined) throw new TscronError('ERR_JOB_NOT_FOUND', `removeJob: no job with id "${id}"`);
    this.#remove(record, () => abortError(`job "${record.name}" was removed`));
    this.#arm();
  }

  removeByTags(...tags: string[]): void {
    if (tags.length === 0) return;
    for (const record of this.#table.inOrder()) {
      if (record.tags.some((tag) => tags.includes(tag))) {
        this.#remove(record, () => abortError(`job "${record.name}" was removed`));
      }
    }
    this.#arm();
  }

  jobs(): Job[] {
    return this.#table.inOrder();
  }

  jobsWaitingInQueue(): number {
    return this.#executor.waitingCount;
  }

  isStarted(): boolean {
    return this.#started;
  }

  get replica(): string {
    return this.#config.replica;
  }

  get timeZone(): string {
    return this.#config.timeZone.name;
  }

  get history(): RunHistory | undefined {
    return this.#config.history;
  }

  get fleet(): Fleet | undefined {
    return this.#config.fleet;
  }

  syncFleet(): Promise<void> {
    if (this.#fleet === undefined || this.#closed) return Promise.resolve();
    return this.#fleet.sync();
  }

  subscribe(listener: SchedulerListener): () => void {
    if (typeof listener !== 'function') {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `subscribe: the listener must be a function, got ${describeValue(listener)}`,
      );
    }
    return this.#events.subscribe(listener);
  }

  // ---- lifecycle ----

  start(): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    const now = this.#clock.now();
    this.#lastWake = now;
    for (const record of this.#table.inOrder()) this.#scheduleFirst(record, now);
    this.#fleet?.start();
    this.#arm();
    this.#logger.debug(`tscron: scheduler started with ${this.#table.size} jobs`);
    this.#report('schedulerStarted');
    this.#events.scheduler('started');
  }

  stopJobs(options?: StopOptions): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const stopped = this.#stop('stopJobs', stopSignal(options, 'stopJobs'));
    this.#report('schedulerStopped');
    this.#events.scheduler('stopped');
    // As for shutdown: a timeout is logged, and an ignored promise must not crash the process.
    stopped.catch(ignore);
    return stopped;
  }

  shutdown(options?: StopOptions): Promise<void> {
    if (this.#shutdownDone) return Promise.resolve();
    if (this.#shutdown !== undefined) return this.#shutdown;
    const signal = stopSignal(options, 'shutdown');
    this.#closed = true;
    const stopped = this.#stop('shutdown', signal);
    this.#report('schedulerStopped');
    this.#shutdown = stopped.finally(async () => {
      this.#executor.clearTimers();
      for (const record of this.#table.inOrder()) {
        record.flags |= REMOVED;
        this.#unwatchSignal(record);
        this.#report('jobUnregistered', record);
        this.#events.job('removed', record);
      }
      this.#table.clear();
      this.#alarm.disarm();
      this.#shutdownDone = true;
      this.#logger.debug('tscron: scheduler shut down');
      this.#report('schedulerShutdown');
      this.#events.scheduler('shutdown');
      await this.#recordsWritten(signal);
    });
    // The caller may ignore the promise (`process.on('SIGTERM', () => scheduler.shutdown())`): a
    // timeout was logged already, so it must not also crash the process as an unhandled rejection.
    this.#shutdown.catch(ignore);
    return this.#shutdown;
  }

  /**
   * Hands the last events over and waits, within the stop timeout, for the run history to take the
   * records of the runs that just ended: a process that exits once shutdown resolves loses none.
   */
  async #recordsWritten(signal: AbortSignal | undefined): Promise<void> {
    const timeout = this.#config.stopTimeout;
    const settled = this.#events.settle();
    if (this.#events.writing === 0) return;
    if (await waitAtMost(settled, timeout, this.#clock, signal)) return;
    const message = `tscron: shutdown: the run history did not take the last run records within ${signal === undefined ? `the stop timeout of ${formatDuration(timeout)}` : 'its signal'}; no longer waiting`;
    if (this.#config.printUnobserved) console.error(message);
    else this.#logger.warn(message);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Stops scheduling and aborts running tasks; resolves when they ended, rejects when they outlive
   * the stop timeout or `signal`. `call` names the public method in messages.
   */
  #stop(call: 'stopJobs' | 'shutdown', signal: AbortSignal | undefined): Promise<void> {
    this.#started = false;
    this.#alarm.disarm();
    this.#queue.clear();
    for (const record of this.#table.inOrder()) record.next = Number.NaN;
    this.#executor.abortAll(abortError(`the scheduler is stopping (${call})`));
    const runs = this.#runsEnded(call, signal);
    const fleet = this.#fleet;
    if (fleet === undefined) return runs;
    // The replica leaves the fleet while its runs end, within the same bound.
    const left = fleet.stop(runs, this.#config.stopTimeout, signal);
    return Promise.allSettled([runs, left]).then(([ended]) => {
      if (ended.status === 'rejected') throw ended.reason;
    });
  }

  /** Resolves when the runs in progress ended, rejects when they outlive the stop timeout or `signal`. */
  #runsEnded(call: 'stopJobs' | 'shutdown', signal: AbortSignal | undefined): Promise<void> {
    if (this.#executor.running === 0) return Promise.resolve();
    const timeout = this.#config.stopTimeout;
    const stopped = new Promise<void>((resolve, reject) => {
      // The system clock's timers are unref'd; waiting for running tasks must keep the process alive.
      const clock = this.#clock;
      const own = clock === systemClock;
      let timer: unknown;
      let settled = false;
      const settle = (): void => {
        settled = true;
        if (timer === undefined) {
          signal?.removeEventListener('abort', expire);
          return;
        }
        if (own) clearTimeout(timer as ReturnType<typeof setTimeout>);
        else clock.clearTimeout(timer);
      };
      const expire = (): void => {
        if (settled) return;
        settle();
        const running = this.#executor.running;
        const why =
          signal === undefined ? `the stop timeout of ${formatDuration(timeout)}` : 'its signal aborted';
        const error = new TscronError(
          'ERR_STOP_JOBS_TIMED_OUT',
          `${call}: ${running} run(s) still going after ${why}; no longer waiting for them`,
          signal?.reason === undefined ? undefined : { cause: signal.reason },
        );
        if (this.#config.printUnobserved) console.error(`tscron: ${error.message}`);
        else this.#logger.error(`tscron: ${error.message}`);
        reject(error);
      };
      if (signal === undefined) {
        timer = own ? setTimeout(expire, timeout) : clock.setTimeout(expire, timeout);
      } else if (signal.aborted) {
        queueMicrotask(expire);
      } else {
        signal.addEventListener('abort', expire, { once: true });
      }
      void this.#executor.whenIdle().then(() => {
        if (settled) return;
        settle();
        resolve();
      });
    });
    return stopped;
  }

  // ---- scheduling ----

  /** Checks a task, a definition and options; returns the job's config. */
  #prepare(definition: JobDefinition, task: Task, options: JobOptions | undefined, now: number): JobConfig {
    if (typeof task !== 'function') {
      throw new TscronError(
        'ERR_NEW_JOB_TASK_NIL',
        `newJob: the task must be a function, got ${String(task)}`,
      );
    }
    if (typeof definition !== 'object' || definition === null || typeof definition.kind !== 'string') {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `newJob: the definition must be a job definition such as durationJob('1m'), got ${String(definition)}`,
      );
    }
    checkJobOptions(options);
    const global = this.#config.globalJobOptions;
    const cfg = resolveJobOptions(global, options, definition, now);
    if (definition.kind === 'oneTime' && definition.at !== 'immediately') {
      // Past instants are dropped (their runs never come); only a job with nothing ahead is an error.
      const last = definition.at[definition.at.length - 1] as number;
      if (last <= now - cfg.startAtGrace) {
        const shown = definition.at.map((at) => new Date(at).toISOString()).join(', ');
        throw new TscronError(
          'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST',
          `OneTimeJob: every instant is in the past (${shown}; now is ${new Date(now).toISOString()})`,
        );
      }
    }
    return cfg;
  }

  /**
   * The name of a job without a name option: its task's own name. A job run under a lock must have
   * one.
   */
  #taskName(task: Task, cfg: JobConfig): string | undefined {
    const name = task.name === '' ? undefined : task.name;
    if (name === undefined && this.#usesLock(cfg)) {
      throw new TscronError(
        'ERR_JOB_NAME_REQUIRED',
        'newJob: a job run under a locker or elector needs a stable name: give the task a name or set the name option',
      );
    }
    return name;
  }

  #usesLock(cfg: JobConfig): boolean {
    if (this.#config.elector !== undefined) return true;
    return cfg.locker !== false && (cfg.locker !== undefined || this.#config.locker !== undefined);
  }

  /**
   * Compiles a definition's schedule anchored at `anchor`; a duration job has none (its runs are
   * computed from its period, see {@link SchedulerCore.#setPeriod}), but its period is checked here.
   */
  #compile(definition: JobDefinition, cfg: JobConfig, anchor: number): Schedule | string | undefined {
    if (definition.kind === 'duration') {
      const every = definition.every;
      if (typeof every !== 'number' || !(every > 0) || !Number.isFinite(every)) {
        throw new TscronError(
          'ERR_DURATION_JOB_INTERVAL_ZERO',
          `DurationJob: the interval must be > 0, got ${every}`,
        );
      }
      return undefined;
    }
    if (definition.kind === 'cron') {
      // Checked (and cached) now; unless its runs depend on the anchor (@every), the job keeps the
      // text and the compiled form is looked up when needed (see JobTable.nextOf).
      if (compileCron(definition.expression, definition.withSeconds).every === 0)
        return definition.expression;
    }
    return compileSchedule(definition, {
      timeZone: this.#config.timeZone,
      dstPolicy: cfg.dstPolicy,
      anchor,
    });
  }

  /** Records the anchor a job's schedule was compiled at and, for a duration job, its period. */
  #setPeriod(record: JobRecord, anchor: number): void {
    const definition = record.definition;
    record.anchor = anchor;
    record.every = definition.kind === 'duration' ? definition.every : 0;
  }

  /** Plans a job's first run when the scheduler starts or the job is added to a running scheduler. */
  #scheduleFirst(record: JobRecord, now: number): void {
    if ((record.flags & PAUSED) !== 0) return;
    const cfg = record.cfg;
    const startAt = cfg.startAt;
    const grace = cfg.startAtGrace;
    let first: number | undefined;
    // Under a locker or elector, instances must agree on occurrences: count from the epoch.
    let anchor = this.#usesLock(cfg) ? 0 : now;
    if (startAt === 'immediately') first = now;
    else if (startAt !== undefined && (startAt > now || cfg.startAtPast || now - startAt < grace)) {
      anchor = startAt;
      // A future start, or a past one still within the grace: that is the first run.
      if (startAt > now - grace) first = startAt;
    }
    if (record.anchor !== anchor) {
      if (record.every > 0) record.anchor = anchor;
      else if (anchorSensitive(record.definition)) {
        record.schedule = this.#compile(record.definition, cfg, anchor);
        record.anchor = anchor;
      }
    }
    if (first === undefined) {
      const definition = record.definition;
      if (definition.kind === 'oneTime' && definition.at === 'immediately') first = now;
      else {
        // An occurrence that passed less than `startAtGrace` ago still runs, late.
        const late = grace > 0 ? record.occurrenceAfter(now - grace) : undefined;
        first = late !== undefined && late <= now ? late : record.occurrenceAfter(now);
      }
    }
    this.#plan(record, first);
    this.#retireIfFinished(record);
  }

  /**
   * Queues a job's next occurrence, or marks it as having none. A job past its `stopAt` or its
   * `limitedRuns` is marked {@link FINISHED}: it leaves once no run of it is in progress (see
   * {@link SchedulerCore.#retireIfFinished}).
   */
  #plan(record: JobRecord, at: number | undefined): void {
    const cfg = record.cfg;
    if (at === undefined || at >= cfg.stopAt || record.runCount >= cfg.limitedRuns) {
      record.next = Number.NaN;
      this.#queue.delete(record.slot);
      if (at !== undefined) record.flags |= FINISHED;
      return;
    }
    record.next = at;
    this.#queue.set(record.slot, cfg.jitter > 0 ? at + Math.random() * cfg.jitter : at);
  }

  /** Arms the timer for the earliest due job. Reads the clock afresh: the caller's `now` may be stale. */
  #arm(): void {
    if (this.#draining || !this.#started) return;
    const at = this.#queue.peekTime();
    // Already armed early enough: spare the clock read (adding many jobs calls this for each).
    if (at !== Number.POSITIVE_INFINITY && this.#alarm.armed && at >= this.#alarm.wakeAt) return;
    this.#alarm.arm(at, this.#clock.now());
  }

  /** The timer fired: run every job that is due, plan each one's next occurrence first. */
  #drain(): void {
    if (!this.#started) return;
    const clock = this.#clock;
    const now = clock.now();
    if (now < this.#lastWake - JUMP_BACK_MS) this.#rebase(now);
    this.#lastWake = now;
    const queue = this.#queue;
    const table = this.#table;
    const executor = this.#executor;
    this.#draining = true;
    this.#tickNow = now;
    let count = 0;
    try {
      while (queue.peekTime() <= now) {
        const due = queue.peekTime();
        const record = table.bySlot[queue.peekSlot()] as JobRecord;
        const at = record.next;
        const cfg = record.cfg;
        if (cfg.intervalFromCompletion) {
          // The next occurrence is planned when this run ends.
          this.#queue.delete(record.slot);
          record.next = Number.NaN;
        } else {
          let following = record.occurrenceAfter(at);
          // Occurrences missed while the process stalled are never replayed as a backlog.
          if (following !== undefined && following < now) following = record.occurrenceAfter(now);
          this.#plan(record, following);
        }
        if (cfg.skipMissed && now - due > MISSED_GRACE_MS) this.#missed(record, at, now);
        else if (this.#fleet?.offer(record, at, due) !== true) {
          if (!executor.dispatch(record, at, true) && cfg.intervalFromCompletion)
            this.#planFromCompletion(record, now);
        }
        if ((record.flags & FINISHED) !== 0) this.#retireIfFinished(record);
        if (!this.#started) return;
        if ((++count & 63) === 0) {
          const tick = clock.now();
          this.#tickNow = tick;
          if (tick - now > DRAIN_BUDGET_MS) {
            // Let I/O and settled promises through; the rest runs on the next turn.
            this.#draining = false;
            this.#alarm.arm(now, now);
            return;
          }
        }
      }
    } finally {
      this.#draining = false;
    }
    this.#arm();
  }

  /** Drops an occurrence noticed too late (`missedRuns: 'skip'`). */
  #missed(record: JobRecord, at: number, now: number): void {
    if (this.#events.recording)
      this.#events.run(droppedRecord(record, new Date(at), now, 'missed', this.#config.replica));
    this.#logger.debug(
      `tscron: job "${record.name}": occurrence ${new Date(at).toISOString()} missed; skipped`,
    );
    if (record.cfg.intervalFromCompletion) this.#planFromCompletion(record, now);
  }

  /**
   * An occurrence the fleet held (balance, or the wait for the first heartbeat) is due: it runs
   * with the wait counted as its deferral, unless its job was paused, removed or updated meanwhile.
   */
  #release(held: HeldRun, now: number): void {
    const record = held.record;
    if (!this.#started || record.version !== held.version || (record.flags & (REMOVED | PAUSED)) !== 0)
      return;
    if (record.cfg.skipMissed && now - held.releaseAt > MISSED_GRACE_MS) this.#missed(record, held.at, now);
    else if (!this.#executor.dispatch(record, held.at, true, held.releaseAt - held.at, held.backup)) {
      if (record.cfg.intervalFromCompletion) this.#planFromCompletion(record, now);
    }
    if ((record.flags & FINISHED) !== 0) this.#retireIfFinished(record);
    this.#arm();
  }

  /** Runs an occurrence the whole fleet missed (catch-up): late on purpose, so its wait is its deferral. */
  #runMissed(record: JobRecord, at: number): boolean {
    if (!this.#started || (record.flags & (REMOVED | PAUSED)) !== 0) return false;
    const now = this.#clock.now();
    // Its claim counts from now: the fleet's other replicas replay it from their own start too.
    return this.#executor.dispatch(record, at, true, Math.max(0, now - at), false, now);
  }

  /** The wall clock went back: recompute occurrences from the new time, so that none waits for the old one. */
  #rebase(now: number): void {
    this.#logger.warn(`tscron: the clock went back to ${new Date(now).toISOString()}; recomputing schedules`);
    for (const record of this.#table.inOrder()) {
      if (Number.isNaN(record.next)) continue;
      if (typeof record.cfg.startAt === 'number' && Number.isNaN(record.lastRunAt)) continue;
      const every = record.every;
      // A duration job keeps its period: its anchor moves back by whole periods to before the new time.
      if (every > 0 && record.anchor >= now)
        record.anchor -= (Math.floor((record.anchor - now) / every) + 1) * every;
      const at = record.occurrenceAfter(now);
      if (at !== undefined && at < record.next) this.#plan(record, at);
    }
  }

  #planFromCompletion(record: JobRecord, now: number): void {
    if (!this.#started || (record.flags & (REMOVED | PAUSED)) !== 0) return;
    if (record.every > 0) record.anchor = now;
    this.#plan(record, record.occurrenceAfter(now));
    this.#retireIfFinished(record);
    this.#arm();
  }

  /**
   * A job with no run ahead for good leaves the scheduler (and `jobUnregistered` fires, as in gocron)
   * once its last run ended; a run in progress is not aborted.
   */
  #retireIfFinished(record: JobRecord): void {
    if ((record.flags & (FINISHED | REMOVED)) === FINISHED && record.running === 0) {
      this.#remove(record, undefined);
    }
  }

  // ---- removal and signals ----

  /** Takes a job out of the scheduler. With a reason, its runs in progress are aborted. */
  #remove(record: JobRecord, reason: (() => unknown) | undefined): void {
    if ((record.flags & REMOVED) !== 0) return;
    record.flags |= REMOVED;
    this.#queue.delete(record.slot);
    this.#fleet?.forget(record);
    this.#table.remove(record);
    this.#unwatchSignal(record);
    this.#executor.abortJob(record, reason);
    this.#report('jobUnregistered', record);
    this.#events.job('removed', record);
  }

  #watchSignal(record: JobRecord): void {
    const signal = record.cfg.signal;
    // The listener is made in another method: a closure here would cost every job its context.
    if (signal !== undefined) this.#listenToSignal(record, signal);
  }

  #listenToSignal(record: JobRecord, signal: AbortSignal): void {
    const onAbort = (): void => {
      if ((record.flags & REMOVED) !== 0) return;
      this.#remove(record, () => signal.reason ?? abortError(`job "${record.name}": its signal aborted`));
      this.#arm();
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    this.#signalWatchers.set(record, onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #unwatchSignal(record: JobRecord): void {
    if (record.cfg.signal === undefined) return;
    const onAbort = this.#signalWatchers.get(record);
    if (onAbort === undefined) return;
    record.cfg.signal?.removeEventListener('abort', onAbort);
    this.#signalWatchers.delete(record);
  }

  // ---- executor hooks ----

  dispatched(run: Run): boolean {
    const record = run.job;
    if (run.version !== record.version || (record.flags & REMOVED) !== 0) return false;
    const limit = record.cfg.limitedRuns;
    if (record.runCount >= limit) return false;
    this.#fleet?.dispatched(run);
    record.lastRunAt = this.now();
    if (limit !== Number.POSITIVE_INFINITY && ++record.runCount >= limit) {
      // The last allowed run goes on; the job leaves the scheduler when it ends.
      this.#plan(record, Number.POSITIVE_INFINITY);
      this.#arm();
    }
    return true;
  }

  ended(run: Run): void {
    const record = run.job;
    this.#fleet?.ended(run);
    if (run.version !== record.version) return;
    if (run.scheduled && record.cfg.intervalFromCompletion) {
      this.#planFromCompletion(record, this.#clock.now());
    }
    if ((record.flags & FINISHED) !== 0) {
      this.#retireIfFinished(record);
      this.#arm();
    }
  }

  now(): number {
    return this.#draining ? this.#tickNow : this.#clock.now();
  }

  // ---- job handle requests ----

  runNow(record: JobRecord): Promise<void> {
    return Promise.resolve().then(() => {
      const fail = (why: string): never => {
        throw new TscronError('ERR_JOB_RUN_NOW_FAILED', `runNow: job "${record.name}": ${why}`);
      };
      if (this.#closed) fail('the scheduler is shut down');
      if ((record.flags & REMOVED) !== 0) fail('the job is no longer in the scheduler');
      if (!this.#started) fail('the scheduler is not started');
      const now = this.#clock.now();
      if (now >= record.cfg.stopAt)
        fail(`its stopAt ${new Date(record.cfg.stopAt).toISOString()} has passed`);
      this.#executor.dispatch(record, now, false);
    });
  }

  pause(record: JobRecord): void {
    if ((record.flags & (REMOVED | PAUSED)) !== 0) return;
    record.flags |= PAUSED;
    record.next = Number.NaN;
    this.#queue.delete(record.slot);
    this.#arm();
    this.#events.job('paused', record);
  }

  resume(record: JobRecord): void {
    if ((record.flags & PAUSED) === 0) return;
    record.flags &= ~PAUSED;
    this.#events.job('resumed', record);
    if ((record.flags & REMOVED) !== 0 || !this.#started) return;
    const now = this.#clock.now();
    const startAt = record.cfg.startAt;
    if (typeof startAt === 'number' && startAt > now && Number.isNaN(record.lastRunAt))
      this.#plan(record, startAt);
    else if (record.cfg.intervalFromCompletion && record.running > 0) return;
    else this.#plan(record, record.occurrenceAfter(now));
    this.#retireIfFinished(record);
    this.#arm();
  }

  #report(what: 'jobRegistered' | 'jobUnregistered', job: Job): void;
  #report(what: 'schedulerStarted' | 'schedulerStopped' | 'schedulerShutdown'): void;
  #report(what: keyof Monitor, job?: Job): void {
    const monitor = this.#monitor;
    const method = monitor?.[what] as ((job?: Job) => unknown) | undefined;
    if (method === undefined) return;
    try {
      method.call(monitor, job);
    } catch (error) {
      this.#logger.error(`tscron: monitor.${what} threw`, error);
    }
  }
}
