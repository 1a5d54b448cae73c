import {
  type Clock,
  isTscronError,
  type Job,
  type JobContext,
  type JobOptions,
  type Logger,
  nextRuns,
  type Scheduler,
  TscronError,
} from 'tscron';
import { CronDate } from './cron-date.js';
import { type CronFields, jobOptionsOf } from './cron-options.js';
import { CronTime, type CronTimeSource } from './cron-time.js';
import { describeValue, isRecord } from './describe-value.js';

/**
 * What a cron job calls on each run: the run's tscron `JobContext` (its abort `signal`, the
 * `scheduledAt` occurrence, the `lock`) comes as the argument; `this` is the job's `context`.
 */
export type CronCallback = (context: JobContext) => unknown;

/** `CronJob.from`'s parameters: the `cron` package's, plus every tscron `JobOptions` field. */
export interface CronJobParams extends CronFields, Omit<JobOptions, 'name'> {
  /** A cron expression (five fields, or six with the seconds first), a `Date` or a luxon `DateTime`. */
  cronTime: CronTimeSource;
  /** What each run calls. */
  onTick: CronCallback;
  /** Called after `stop()` (once a run in progress ended, with `waitForCompletion`). @default none */
  onComplete?: (() => unknown) | null;
  /** Start at once rather than on `start()`; runs begin once the job is in a registry. @default false */
  start?: boolean | null;
  /** `this` of `onTick` and `onComplete`. @default the job */
  context?: unknown;
  /** Call `onTick` once when the job is added to a registry. @default false */
  runOnInit?: boolean | null;
  /** Receives what `onTick` throws; the run then counts as a success. @default none (the run fails and is logged) */
  errorHandler?: ((error: unknown) => void) | null;
  /** The job's name (the registry's name wins once it is added). @default none */
  name?: string | null;
}

/** The `cron` package's `CronTime` shape, as `CronJob#setTime` reads it. */
export interface CronTimeLike {
  source: CronTimeSource;
  timeZone?: string | null | undefined;
  utcOffset?: number | null | undefined;
}

/** @internal What a job runs on once a `SchedulerRegistry` holds it. */
export interface CronJobHost {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Aborts when the registry closes: the signal of runs started by `fireOnTick`. */
  readonly signal: AbortSignal;
}

/**
 * A cron job with the methods of the `cron` package's `CronJob` (`start`, `stop`, `nextDate`,
 * `nextDates`, `lastDate`, `isActive`, `fireOnTick`, `setTime`), run by tscron once a
 * `SchedulerRegistry` holds it: `@Cron` methods become one, and `addCronJob` takes one. Until then
 * `start()` only notes that it should run.
 *
 * @example
 * ```ts
 * const job = CronJob.from({
 *   cronTime: '0 *\/10 * * * *',
 *   onTick: ({ signal }) => sync(signal),
 *   waitForCompletion: true,
 *   retry: { attempts: 2 },
 * });
 * registry.addCronJob('sync', job);
 * job.start();
 * ```
 */
export class CronJob {
  /** When the job runs. Replace it with {@link CronJob.setTime}. */
  cronTime: CronTime;
  /** `this` of the callbacks. */
  context: unknown;
  /** Called after {@link CronJob.stop}. */
  onComplete: (() => unknown) | undefined;
  /** Receives what a callback throws. */
  errorHandler: ((error: unknown) => void) | undefined;
  /** Skip runs that fall due while one runs (tscron `singletonMode: 'reschedule'`). */
  readonly waitForCompletion: boolean;
  /** How late (ms) a passed occurrence may still run when the job starts (tscron `startAtGrace`). */
  readonly threshold: number | undefined;
  /** Kept for compatibility; no effect (see {@link CronFields.unrefTimeout}). */
  readonly unrefTimeout: boolean;
  readonly #callbacks: CronCallback[] = [];
  readonly #runOnInit: boolean;
  #name: string | undefined;
  #jobOptions: JobOptions = {};
  #host: CronJobHost | undefined;
  #job: Job | undefined;
  #active = false;
  #lastExecution: Date | null = null;
  readonly #inFlight = new Set<Promise<unknown>>();

  /**
   * The `cron` package's positional constructor. {@link CronJob.from} takes the same as an object,
   * plus tscron's `JobOptions`.
   */
  constructor(
    cronTime: CronTimeSource,
    onTick: CronCallback,
    onComplete?: (() => unknown) | null,
    start?: boolean | null,
    timeZone?: string | null,
    context?: unknown,
    runOnInit?: boolean | null,
    utcOffset?: number | null,
    unrefTimeout?: boolean | null,
    waitForCompletion?: boolean | null,
    errorHandler?: ((error: unknown) => void) | null,
    name?: string | null,
    threshold?: number | null,
  ) {
    const where = name ? `CronJob "${name}"` : `CronJob(${describeValue(cronTime)})`;
    if (typeof onTick !== 'function') {
      throw new TscronError(
        'ERR_NEW_JOB_TASK_NIL',
        `${where}: onTick must be a function (shell commands are not run), got ${describeValue(onTick)}`,
      );
    }
    for (const [what, value] of [
      ['onComplete', onComplete],
      ['errorHandler', errorHandler],
    ] as const) {
      if (value !== undefined && value !== null && typeof value !== 'function') {
        throw new TscronError(
          'ERR_INVALID_ARGUMENT',
          `${where}: ${what} must be a function, got ${describeValue(value)}`,
        );
      }
    }
    if (name !== undefined && name !== null && (typeof name !== 'string' || name === '')) {
      throw new TscronError(
        'ERR_WITH_NAME_EMPTY',
        `CronJob: name must be a non-empty string, got ${describeValue(name)}`,
      );
    }
    this.cronTime = new CronTime(cronTime, timeZone, utcOffset);
    const mapped = jobOptionsOf({ waitForCompletion, threshold, unrefTimeout }, where);
    this.waitForCompletion = mapped.waitForCompletion;
    this.threshold = mapped.threshold;
    this.unrefTimeout = mapped.unrefTimeout;
    this.#jobOptions = mapped.jobOptions;
    this.#callbacks.push(onTick);
    this.onComplete = onComplete ?? undefined;
    this.errorHandler = errorHandler ?? undefined;
    this.context = context;
    this.#runOnInit = runOnInit === true;
    this.#name = name ?? undefined;
    if (start === true) this.start();
  }

  /**
   * Makes a job from the `cron` package's parameter object, where every tscron `JobOptions` field
   * (`retry`, `timeout`, `singletonMode`, `locker: false`, `tags`, ...) may be given too.
   */
  static from(params: CronJobParams): CronJob {
    if (!isRecord(params)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `CronJob.from: the parameters must be an object, got ${describeValue(params)}`,
      );
    }
    const {
      cronTime,
      onTick,
      onComplete,
      start,
      timeZone,
      context,
      runOnInit,
      utcOffset,
      errorHandler,
      name,
    } = params;
    const job = new CronJob(
      cronTime,
      onTick,
      onComplete,
      false,
      timeZone,
      context,
      runOnInit,
      utcOffset,
      params.unrefTimeout,
      params.waitForCompletion,
      errorHandler,
      name,
      params.threshold,
    );
    const own = new Set([
      'cronTime',
      'onTick',
      'onComplete',
      'start',
      'context',
      'runOnInit',
      'errorHandler',
      'name',
    ]);
    const rest = Object.fromEntries(Object.entries(params).filter(([key]) => !own.has(key)));
    job.#jobOptions = jobOptionsOf(rest, name ? `CronJob "${name}"` : 'CronJob.from').jobOptions;
    if (start === true) job.start();
    return job;
  }

  /** The job's name: the registry's once added, else the `name` it was made with. */
  get name(): string | undefined {
    return this.#name;
  }

  /** The tscron job that runs it while a registry holds it. */
  get job(): Job | undefined {
    return this.#job;
  }

  /**
   * Whether the job is started: `start()` was called (or `@Cron` started it) and neither `stop()`
   * nor the end of its runs (a one-time job that ran) came since.
   */
  get isActive(): boolean {
    const job = this.#job;
    const host = this.#host;
    if (!this.#active || job === undefined || host === undefined) return this.#active;
    return !host.scheduler.isStarted() || job.nextRun() !== undefined;
  }

  /** The `cron` package's name of {@link CronJob.isActive} before version 4. */
  get running(): boolean {
    return this.isActive;
  }

  /** Whether a run started by this process is in progress. */
  get isCallbackRunning(): boolean {
    return this.#inFlight.size > 0;
  }

  /** When this process last started a run of the job, or `null`. */
  get lastExecution(): Date | null {
    return this.#lastExecution;
  }

  /** Whether the job runs once (its cron time is an instant). */
  get runOnce(): boolean {
    return this.cronTime.realDate;
  }

  /** Adds a callback that each run calls after the others. */
  addCallback(callback: CronCallback): void {
    if (typeof callback !== 'function') {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `CronJob.addCallback: the callback must be a function, got ${describeValue(callback)}`,
      );
    }
    this.#callbacks.push(callback);
  }

  /** Starts scheduling runs, from the next occurrence after now. Idempotent. */
  start(): void {
    this.#active = true;
    this.#job?.resume();
  }

  /**
   * Stops scheduling runs on this process (other replicas go on); a run in progress goes on. Then
   * calls `onComplete`; with `waitForCompletion`, returns a promise that resolves once the run in
   * progress ended and `onComplete` was called.
   */
  stop(): Promise<void> | undefined {
    this.#active = false;
    this.#job?.pause();
    if (!this.waitForCompletion) {
      void this.#complete();
      return undefined;
    }
    return Promise.allSettled([...this.#inFlight]).then(() => this.#complete());
  }

  /** The next time the schedule matches after now, whether the job is started or not. */
  nextDate(): CronDate {
    const [next] = this.nextDates(1);
    if (next === undefined) {
      throw new TscronError(
        'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST',
        `CronJob "${this.#label()}": no run ahead`,
      );
    }
    return next;
  }

  /** The next `count` times the schedule matches after now. @param count @default 0 */
  nextDates(count = 0): CronDate[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `CronJob.nextDates: count must be a whole number >= 0, got ${describeValue(count)}`,
      );
    }
    const definition = this.cronTime.definition;
    if (definition.kind === 'oneTime' && Array.isArray(definition.at)) {
      return definition.at.slice(0, count).map((at) => new CronDate(at));
    }
    const now = this.#host?.clock.now() ?? Date.now();
    const timeZone = this.#host?.scheduler.timeZone;
    return nextRuns(definition, count, timeZone === undefined ? { from: now } : { from: now, timeZone }).map(
      (at) => new CronDate(at.getTime()),
    );
  }

  /** When this process last started a run of the job, or `null`. */
  lastDate(): Date | null {
    return this.#lastExecution;
  }

  /**
   * Runs the callbacks now on this process, outside the schedule and without a lock, as the `cron`
   * package does; with `waitForCompletion`, not while a run is in progress. A failure goes to
   * `errorHandler`, else to the log; the promise never rejects for it.
   */
  async fireOnTick(): Promise<void> {
    if (this.waitForCompletion && this.#inFlight.size > 0) return;
    try {
      await this.runNow();
    } catch (error) {
      if (this.errorHandler !== undefined) this.#handle(error);
      else (this.#host?.logger ?? console).error(`tscron: job "${this.#label()}" failed (fireOnTick)`, error);
    }
  }

  /**
   * Replaces the cron time (a {@link CronTime} or the `cron` package's), keeping the job started or
   * stopped as it was. A run in progress has its signal aborted.
   */
  setTime(time: CronTime | CronTimeLike): void {
    if (!isRecord(time) || !('source' in time)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `CronJob.setTime: time must be a CronTime, got ${describeValue(time)}`,
      );
    }
    const next = time instanceof CronTime ? time : new CronTime(time.source, time.timeZone, time.utcOffset);
    const job = this.#job;
    const host = this.#host;
    if (job !== undefined && host !== undefined) {
      this.#job = host.scheduler.update(job.id, next.definition, this.#task, this.#optionsFor(job.name));
      if (!this.#active) this.#job.pause();
    }
    this.cronTime = next;
  }

  /**
   * @internal Puts the job on a scheduler under `name` (what `SchedulerRegistry#addCronJob` does).
   * Throws what `newJob` throws for a bad option or a one-time job in the past.
   */
  attach(host: CronJobHost, name: string): void {
    if (this.#host !== undefined) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `SchedulerRegistry.addCronJob: the job is in a registry already as "${this.#name}"`,
      );
    }
    const job = host.scheduler.newJob(this.cronTime.definition, this.#task, this.#optionsFor(name));
    if (!this.#active) job.pause();
    this.#host = host;
    this.#job = job;
    this.#name = name;
    if (this.#runOnInit) void this.fireOnTick();
  }

  /** @internal Takes the job off its scheduler (what `deleteCronJob` does); a run in progress is aborted. */
  detach(): void {
    const job = this.#job;
    const host = this.#host;
    this.#active = false;
    this.#job = undefined;
    this.#host = undefined;
    if (job === undefined || host === undefined) return;
    try {
      host.scheduler.removeJob(job.id);
    } catch (error) {
      // A one-time job that ran, or a scheduler shut down, has let the job go already.
      if (!isTscronError(error, 'ERR_JOB_NOT_FOUND')) throw error;
    }
  }

  /**
   * @internal Runs the callbacks now and settles with their outcome (rejecting with what one threw),
   * for `fireOnTick` and the testing helper.
   */
  runNow(): Promise<void> {
    const job = this.#job;
    const host = this.#host;
    if (job === undefined || host === undefined) {
      return Promise.reject(
        new TscronError(
          'ERR_JOB_RUN_NOW_FAILED',
          `CronJob "${this.#label()}": it is in no SchedulerRegistry; add it with addCronJob first`,
        ),
      );
    }
    const context: JobContext = {
      signal: host.signal,
      job,
      scheduledAt: new Date(host.clock.now()),
      attempt: 1,
      lock: undefined,
    };
    return this.#invoke(context);
  }

  #optionsFor(name: string): JobOptions {
    return { ...this.#jobOptions, name };
  }

  #label(): string {
    return this.#name ?? this.cronTime.toString();
  }

  /** The tscron task: a failure goes to `errorHandler` if there is one, else fails the run. */
  readonly #task = async (context: JobContext): Promise<void> => {
    try {
      await this.#invoke(context);
    } catch (error) {
      if (this.errorHandler === undefined) throw error;
      this.#handle(error);
    }
  };

  #invoke(context: JobContext): Promise<void> {
    this.#lastExecution = new Date(this.#host?.clock.now() ?? Date.now());
    const run = this.#callAll(context);
    this.#inFlight.add(run);
    const forget = (): void => {
      this.#inFlight.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  async #callAll(context: JobContext): Promise<void> {
    const self = this.context ?? this;
    for (const callback of this.#callbacks) await callback.call(self, context);
  }

  #handle(error: unknown): void {
    try {
      this.errorHandler?.(error);
    } catch (failure) {
      (this.#host?.logger ?? console).error(`tscron: job "${this.#label()}": errorHandler threw`, failure);
    }
  }

  async #complete(): Promise<void> {
    const onComplete = this.onComplete;
    if (onComplete === undefined) return;
    try {
      await onComplete.call(this.context ?? this);
    } catch (error) {
      (this.#host?.logger ?? console).error(`tscron: job "${this.#label()}": onComplete threw`, error);
    }
  }
}
