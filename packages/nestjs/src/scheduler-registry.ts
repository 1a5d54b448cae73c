import { isTscronError, type Job, type JobContext, type Scheduler, TscronError } from 'tscron';
import { CronJob, type CronJobHost } from './cron-job.js';
import { adoptCronPackageJob, type CronPackageJob, isCronPackageJob } from './cron-package.js';
import { describeValue } from './describe-value.js';
import type { ResolvedModuleOptions } from './module-options.js';

/** What `doesExist` and the registry's messages call the three kinds. */
type Kind = 'cron' | 'interval' | 'timeout';

const TITLES: Record<Kind, string> = { cron: 'cron job', interval: 'interval', timeout: 'timeout' };

/**
 * The jobs of a `TscronModule` by name, with `@nestjs/schedule`'s methods: the `@Cron`, `@Interval`
 * and `@Timeout` methods and what was added here. Cron jobs are {@link CronJob}s (with the `cron`
 * package's methods); intervals and timeouts from the decorators are tscron `Job`s, and those added
 * with `addInterval`/`addTimeout` are kept as given (`setInterval`/`setTimeout` handles, cleared on
 * delete). Everything stops when the application shuts down. Inject it anywhere: the module is
 * global. Unknown names throw a `TscronError` coded `ERR_JOB_NOT_FOUND`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Admin {
 *   constructor(private readonly registry: SchedulerRegistry) {}
 *   pauseReports() {
 *     this.registry.getCronJob('daily-report').stop();
 *   }
 * }
 * ```
 */
export class SchedulerRegistry {
  /** The tscron scheduler every job of the registry runs on. */
  readonly scheduler: Scheduler;
  readonly #host: CronJobHost;
  readonly #closing = new AbortController();
  readonly #cronJobs = new Map<string, CronJob>();
  readonly #intervals = new Map<string, unknown>();
  readonly #timeouts = new Map<string, unknown>();
  /** The tasks of the decorators' intervals and timeouts, for the testing helper's `run`. */
  readonly #tasks = new Map<unknown, (context: JobContext) => unknown>();
  /** `initialDelay` timers of cron jobs waiting to start. */
  readonly #delays = new Map<CronJob, unknown>();
  #closed: Promise<void> | undefined;

  /** @internal Made by `TscronModule`; inject it rather than making one. */
  constructor(scheduler: Scheduler, options: ResolvedModuleOptions) {
    this.scheduler = scheduler;
    this.#host = {
      scheduler,
      clock: options.clock,
      logger: options.scheduler.logger ?? console,
      signal: this.#closing.signal,
    };
  }

  /** Whether a job of the kind is registered under `name` (an unknown kind: `false`). */
  doesExist(type: Kind, name: string): boolean {
    return this.#map(type)?.has(name) ?? false;
  }

  /** The cron job named `name`. */
  getCronJob(name: string): CronJob {
    return this.#get('cron', name) as CronJob;
  }

  /**
   * The interval named `name`: a tscron `Job` for an `@Interval` method (stop it with
   * `deleteInterval`, or `pause()` it; `clearInterval` does not know it), else what `addInterval` got.
   */
  getInterval<T = Job>(name: string): T {
    return this.#get('interval', name) as T;
  }

  /** The timeout named `name`: a tscron `Job` for a `@Timeout` method, else what `addTimeout` got. */
  getTimeout<T = Job>(name: string): T {
    return this.#get('timeout', name) as T;
  }

  /**
   * Adds a cron job under `name` (also its lock key across replicas), stopped unless it was started:
   * call its `start()`. It takes this package's {@link CronJob}, or a `cron` package `CronJob`
   * (`new CronJob(...)` from `'cron'`), whose own timer then stops and whose `start`, `stop`,
   * `setTime` and `isActive` drive the tscron job; `getCronJob` returns the tscron side.
   */
  addCronJob(name: string, job: CronJob | CronPackageJob): void {
    const where = 'SchedulerRegistry.addCronJob';
    this.#checkFree('cron', name, where);
    let cronJob: CronJob;
    if (job instanceof CronJob) cronJob = job;
    else if (isCronPackageJob(job)) cronJob = adoptCronPackageJob(job, name);
    else {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${where}("${name}"): the job must be a CronJob (of this package or of the cron package), got ${describeValue(job)}`,
      );
    }
    cronJob.attach(this.#host, name);
    this.#cronJobs.set(name, cronJob);
  }

  /** Adds an interval under `name`: a `setInterval` handle (cleared by `deleteInterval`) or a tscron `Job`. */
  addInterval<T = unknown>(name: string, intervalId: T): void {
    this.#add('interval', name, intervalId);
  }

  /** Adds a timeout under `name`: a `setTimeout` handle (cleared by `deleteTimeout`) or a tscron `Job`. */
  addTimeout<T = unknown>(name: string, timeoutId: T): void {
    this.#add('timeout', name, timeoutId);
  }

  /** The cron jobs by name (the registry's own map, as `@nestjs/schedule` returns it). */
  getCronJobs(): Map<string, CronJob> {
    return this.#cronJobs;
  }

  /** Stops the cron job and takes it out of the scheduler and the registry; a run in progress is aborted. */
  deleteCronJob(name: string): void {
    const job = this.getCronJob(name);
    this.#cancelDelay(job);
    job.stop();
    job.detach();
    this.#cronJobs.delete(name);
  }

  /** The names of the intervals. */
  getIntervals(): string[] {
    return [...this.#intervals.keys()];
  }

  /** Stops the interval (a tscron job is removed, a handle cleared) and forgets it. */
  deleteInterval(name: string): void {
    this.#release(this.#get('interval', name), clearInterval);
    this.#intervals.delete(name);
  }

  /** The names of the timeouts (those that fired stay until deleted). */
  getTimeouts(): string[] {
    return [...this.#timeouts.keys()];
  }

  /** Cancels the timeout (a tscron job is removed, a handle cleared) and forgets it. */
  deleteTimeout(name: string): void {
    this.#release(this.#get('timeout', name), clearTimeout);
    this.#timeouts.delete(name);
  }

  /** @internal Registers a decorator's interval or timeout job with its task. */
  addScheduled(
    kind: 'interval' | 'timeout',
    name: string,
    job: Job,
    task: (context: JobContext) => unknown,
  ): void {
    this.#add(kind, name, job);
    this.#tasks.set(job, task);
  }

  /** @internal Throws unless `name` is free for a new tscron job of the kind (see {@link #checkFree}). */
  checkFree(kind: Kind, name: string, where: string): void {
    this.#checkFree(kind, name, where);
  }

  /** @internal Starts the cron job after `ms` on the scheduler's clock, unless it left the registry. */
  startLater(name: string, job: CronJob, ms: number): void {
    const clock = this.#host.clock;
    this.#delays.set(
      job,
      clock.setTimeout(() => {
        this.#delays.delete(job);
        if (this.#cronJobs.get(name) === job) job.start();
      }, ms),
    );
  }

  /**
   * @internal Runs the job named `name` now on this process (cron jobs first, then intervals, then
   * timeouts), outside its schedule and without a lock; settles with the task's outcome.
   */
  run(name: string): Promise<void> {
    const cron = this.#cronJobs.get(name);
    if (cron !== undefined) return cron.runNow();
    const entry = this.#intervals.get(name) ?? this.#timeouts.get(name);
    const task = this.#tasks.get(entry);
    if (task === undefined) {
      return Promise.reject(
        new TscronError('ERR_JOB_NOT_FOUND', `run: no job named "${name}" that tscron runs is registered`),
      );
    }
    const job = entry as Job;
    const context: JobContext = {
      signal: this.#closing.signal,
      job,
      scheduledAt: new Date(this.#host.clock.now()),
      attempt: 1,
      lock: undefined,
    };
    return Promise.resolve().then(() => task(context)) as Promise<void>;
  }

  /**
   * @internal Stops everything once: timers added by hand are cleared, then the scheduler shuts
   * down (running tasks are signalled and awaited up to `stopTimeout`), then the registry empties.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    for (const timer of this.#delays.values()) this.#host.clock.clearTimeout(timer);
    this.#delays.clear();
    for (const [kind, clear] of [
      ['interval', clearInterval],
      ['timeout', clearTimeout],
    ] as const) {
      for (const entry of this.#map(kind)?.values() ?? []) {
        if (!this.#tasks.has(entry)) this.#release(entry, clear);
      }
    }
    this.#closing.abort(new TscronError('ERR_SCHEDULER_SHUT_DOWN', 'the application is shutting down'));
    try {
      await this.scheduler.shutdown();
    } catch {
      // A stop timeout is logged by the scheduler; it must not fail the application's shutdown.
    }
    for (const job of this.#cronJobs.values()) job.detach();
    this.#cronJobs.clear();
    this.#intervals.clear();
    this.#timeouts.clear();
    this.#tasks.clear();
  }

  #map(kind: Kind): Map<string, unknown> | undefined {
    return kind === 'cron'
      ? this.#cronJobs
      : kind === 'interval'
        ? this.#intervals
        : kind === 'timeout'
          ? this.#timeouts
          : undefined;
  }

  #get(kind: Kind, name: string): unknown {
    const entry = this.#map(kind)?.get(name);
    if (entry === undefined) {
      throw new TscronError(
        'ERR_JOB_NOT_FOUND',
        `SchedulerRegistry: no ${TITLES[kind]} named ${describeValue(name)} (add one with the decorator or the add method)`,
      );
    }
    return entry;
  }

  #add(kind: 'interval' | 'timeout', name: string, entry: unknown): void {
    const where = `SchedulerRegistry.add${kind === 'interval' ? 'Interval' : 'Timeout'}`;
    const map = this.#map(kind) as Map<string, unknown>;
    this.#checkName(name, where);
    if (map.has(name)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${where}: a ${TITLES[kind]} named "${name}" exists already`,
      );
    }
    if (entry === undefined || entry === null) {
      throw new TscronError('ERR_INVALID_ARGUMENT', `${where}("${name}"): the handle is ${String(entry)}`);
    }
    map.set(name, entry);
  }

  #checkName(name: unknown, where: string): void {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${where}: the name must be a non-empty string, got ${describeValue(name)}`,
      );
    }
    if (this.#closed !== undefined) {
      throw new TscronError(
        'ERR_SCHEDULER_SHUT_DOWN',
        `${where}("${name}"): the application is shutting down`,
      );
    }
  }

  /**
   * A new tscron job's name must be new to the registry's kind and to the scheduler: it is the lock
   * key of every occurrence, and two jobs sharing it would take each other's runs.
   */
  #checkFree(kind: Kind, name: string, where: string): void {
    this.#checkName(name, where);
    if (this.#map(kind)?.has(name)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${where}: a ${TITLES[kind]} named "${name}" exists already`,
      );
    }
    if (this.scheduler.jobs().some((job) => job.name === name)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${where}: the scheduler has a job named "${name}" already (a job's name is its lock key: names must differ)`,
      );
    }
  }

  /** Stops an interval or timeout: removes a tscron job of this scheduler, else clears a timer handle. */
  #release(entry: unknown, clear: (handle: ReturnType<typeof setTimeout>) => void): void {
    if (this.scheduler.jobs().includes(entry as Job)) {
      try {
        this.scheduler.removeJob((entry as Job).id);
      } catch (error) {
        if (!isTscronError(error, 'ERR_JOB_NOT_FOUND')) throw error;
      }
      return;
    }
    if (this.#tasks.has(entry)) return;
    clear(entry as ReturnType<typeof setTimeout>);
  }

  #cancelDelay(job: CronJob): void {
    const timer = this.#delays.get(job);
    if (timer === undefined) return;
    this.#host.clock.clearTimeout(timer);
    this.#delays.delete(job);
  }
}
