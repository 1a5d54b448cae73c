import { type BatchLocker, ClaimBatcher, TOO_LATE } from './claim-batcher.js';
import { type Clock, systemClock } from './clock.js';
import type { Elector, Lock, Locker } from './distributed.js';
import { formatDuration } from './duration.js';
import { isTscronError, TscronError } from './errors.js';
import type { Job, JobContext } from './job.js';
import { BACKUP_LOCKING, type JobRecord, LOCKING, REMOVED } from './job.js';
import { BEHIND_MS, LagReporter } from './lag-reporter.js';
import { callSafely, isThenable } from './listeners.js';
import type { Logger } from './logger.js';
import { hasLostListener, ON_LOST } from './lost-listener.js';
import type { JobStatus, Monitor, RunTrace } from './monitor.js';
import type { RunStatus } from './run-history.js';
import { runOutputOf } from './run-output.js';
import { droppedRecord, endedRecord, startedRecord } from './run-records.js';
import type { SchedulerEvents } from './scheduler-events.js';
import type { SchedulerConfig } from './scheduler-options.js';

/** At most one warning in this interval about runs whose claim came too late. */
const TOO_LATE_WARNING_INTERVAL_MS = 10_000;

/**
 * One run of a job. Its own signal and `scheduledAt` Date are made only when read; the task gets a
 * {@link RunContext} instead, so that nothing of this object leaks to user code.
 */
export class Run {
  // Declared, then assigned once in the constructor: one hidden class, no define-then-assign per run.
  declare readonly job: JobRecord;
  /** The occurrence, epoch ms. */
  declare readonly at: number;
  /** Whether the run came from the schedule (not `runNow`). */
  declare readonly scheduled: boolean;
  /**
   * How long after its occurrence the scheduler chose to start it (a fleet's balance or catch-up),
   * in ms: lateness counts from the occurrence plus this.
   */
  declare readonly deferral: number;
  /** A backup claim: balance picked another replica for this occurrence (see {@link BACKUP_LOCKING}). */
  declare readonly backup: boolean;
  /**
   * When this replica's claim of the occurrence may first be made, epoch ms: the occurrence itself,
   * or for a catch-up run when its replay began. A locker's `minHold` counts from it.
   */
  declare readonly claimFrom: number;
  declare readonly version: number;
  declare controller: AbortController | undefined;
  declare reason: unknown;
  declare aborted: boolean;
  declare done: boolean;
  declare lock: Lock | undefined;
  /** Whether the run holds a lock that can be lost, which aborts this run alone. */
  declare loseable: boolean;
  declare onLost: (() => void) | undefined;
  declare timer: unknown;
  declare retryTimer: unknown;
  declare attempt: number;
  declare startedAt: number;
  declare lastError: unknown;
  declare date: Date | undefined;
  /** Whether the run is in the executor's `active` set. */
  declare tracked: boolean;
  /** What the task of the latest attempt received (its output, if reported, is keyed by it). */
  declare context: JobContext | undefined;
  /** The run's trace, when a monitor traces runs ({@link Monitor.traceRun}). */
  declare trace: RunTrace | undefined;

  constructor(
    job: JobRecord,
    at: number,
    scheduled: boolean,
    deferral: number,
    backup: boolean,
    claimFrom: number,
  ) {
    this.job = job;
    this.at = at;
    this.scheduled = scheduled;
    this.deferral = deferral;
    this.backup = backup;
    this.claimFrom = claimFrom;
    this.version = job.version;
    this.controller = undefined;
    this.reason = undefined;
    this.aborted = false;
    this.done = false;
    this.lock = undefined;
    this.loseable = false;
    this.onLost = undefined;
    this.timer = undefined;
    this.retryTimer = undefined;
    this.attempt = 0;
    this.startedAt = Number.NaN;
    this.lastError = undefined;
    this.date = undefined;
    this.tracked = false;
    this.context = undefined;
    this.trace = undefined;
  }

  /** The run's own signal, made when first read. */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === undefined) {
      controller = this.controller = new AbortController();
      if (this.aborted) controller.abort(this.reason);
    }
    return controller.signal;
  }

  /**
   * The signal the task gets. Runs of a job share one controller where they can, as an
   * AbortController is the largest cost of a run: a run that can only be aborted with every run of
   * its job (removal, update, stop) shares it with the others; a run that can be aborted on its own (a
   * timeout, a lock that can be lost) shares it only while no other run of the job is in progress,
   * and then has it to itself ({@link JobRecord.controllerOwner}) until it ends.
   */
  taskSignal(): AbortSignal {
    if (this.controller !== undefined || this.aborted) return this.signal;
    const job = this.job;
    const alone = this.loseable || job.cfg.timeout > 0;
    if (job.controllerOwner !== undefined || (alone && job.running > 1)) return this.signal;
    // Cleared when it aborts (see abort()): reading `signal.aborted` here would cost a megamorphic
    // load per run, as Node gives every AbortSignal a map of its own.
    let controller = job.controller;
    if (controller === undefined) controller = job.controller = new AbortController();
    if (alone) job.controllerOwner = this;
    this.controller = controller;
    return controller.signal;
  }

  get scheduledAt(): Date {
    this.date ??= new Date(this.at);
    return this.date;
  }

  /** Aborts the run's signal (once). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const controller = this.controller;
    if (controller === undefined) return;
    // The job's shared controller aborts for all its runs; the job's next run gets a new one.
    if (this.job.controller === controller) this.job.controller = undefined;
    controller.abort(reason);
  }
}

/**
 * What a task receives: an object of its own with exactly the {@link JobContext} fields, so that
 * `{ ...context }` keeps them all and logging it shows nothing internal.
 */
class RunContext implements JobContext {
  readonly signal: AbortSignal;
  readonly job: Job;
  readonly scheduledAt: Date;
  readonly lock: Lock | undefined;
  readonly attempt: number;

  constructor(signal: AbortSignal, job: Job, scheduledAt: Date, lock: Lock | undefined, attempt: number) {
    this.signal = signal;
    this.job = job;
    this.scheduledAt = scheduledAt;
    this.lock = lock;
    this.attempt = attempt;
  }
}

/**
 * Whether a run's failure is only its task obeying its signal after a stop, a removal or an update
 * (it rejected with the abort reason, or with an AbortError): not worth reporting as a failure. A
 * timeout or a lost lock (a TscronError reason) is a failure.
 */
function cutShort(run: Run, error: unknown): boolean {
  if (!run.aborted || isTscronError(run.reason)) return false;
  return error === run.reason || (error instanceof Error && error.name === 'AbortError');
}

/** What the executor asks of its scheduler. */
export interface ExecutorHooks {
  /**
   * A run passed its locks and listeners and is about to start: count it towards `limitedRuns` and
   * record `lastRun`. Returns false when the job is gone and the run must not go on.
   */
  dispatched(run: Run): boolean;
  /** A run ended (or was skipped after it took its slot). */
  ended(run: Run): void;
  /** The time, as the scheduler last read it while draining due runs, else read afresh. */
  now(): number;
}

/** The reason a run's signal aborts with when it is stopped from outside: a standard AbortError. */
export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * Runs jobs: concurrency rules (singleton mode, the scheduler's limit), the elector or locker,
 * listeners, the task with its timeout and retries, and the monitor, in gocron's order.
 *
 * The common case (no lock, no before-listener, a synchronous task) runs without allocating anything
 * but the run itself.
 */
export class Executor {
  /** Runs holding a slot (from their lock attempt to their end). */
  running = 0;
  /** Runs waiting for a slot (limit 'wait') or for their job (singleton 'wait'). */
  waitingCount = 0;
  /** Runs that are not finished synchronously: awaiting a lock, a promise, a retry. */
  readonly active = new Set<Run>();
  /** Runs waiting for their job's previous run (singleton 'wait'), by job. */
  readonly #waiting = new Map<JobRecord, Run[]>();
  #queue: (Run | undefined)[] = [];
  #head = 0;
  #idle: (() => void)[] = [];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #printUnobserved: boolean;
  /** Timers of runs in progress (timeout, retry) hold the process open, as the scheduler's does. */
  readonly #keepAlive: boolean;
  readonly #monitor: Monitor | undefined;
  readonly #elector: Elector | undefined;
  readonly #locker: Locker | undefined;
  readonly #limit: number;
  readonly #limitWait: boolean;
  readonly #hooks: ExecutorHooks;
  /** Per locker that offers `lockBatch`: groups the claims of runs due together. */
  readonly #batchers = new Map<Locker, ClaimBatcher>();
  /** Runs skipped because their claim came too late (see `#tooLate`) since the last warning. */
  #tooLateRuns = 0;
  #tooLateWarnedAt = Number.NEGATIVE_INFINITY;
  readonly #lag: LagReporter;
  readonly #events: SchedulerEvents;
  readonly #replica: string;
  /** Whether a monitor traces runs: read once, so that a scheduler without one pays a field test per run. */
  readonly #tracing: boolean;
  /** What the elector last answered, so that `leaderChanged` hears only changes. */
  #leader: boolean | undefined;

  constructor(config: SchedulerConfig, hooks: ExecutorHooks, events: SchedulerEvents) {
    this.#clock = config.clock;
    this.#logger = config.logger;
    this.#printUnobserved = config.printUnobserved;
    this.#keepAlive = !config.unref && config.clock === systemClock;
    this.#monitor = config.monitor;
    this.#elector = config.elector;
    this.#locker = config.locker;
    this.#limit = config.limit;
    this.#limitWait = config.limitWait;
    this.#hooks = hooks;
    this.#events = events;
    this.#replica = config.replica;
    this.#tracing = config.monitor?.traceRun !== undefined;
    this.#leader = undefined;
    this.#lag = new LagReporter(config.logger, config.monitor, config.printUnobserved);
  }

  /**
   * Starts, queues or drops a run of `job` for occurrence `at`, which the scheduler chose to start
   * `deferral` ms late; `backup` when balance picked another replica for it; `claimFrom` when its
   * claim may first be made (see {@link Run.claimFrom}). Returns false when the run was dropped by a
   * concurrency rule in 'reschedule' mode.
   */
  dispatch(
    job: JobRecord,
    at: number,
    scheduled: boolean,
    deferral = 0,
    backup = false,
    claimFrom = at,
  ): boolean {
    const singleton = job.cfg.singleton;
    // A backup claim in flight is no run of this replica's yet: it does not hold the job's slot.
    if (singleton !== 0 && job.running - ((job.flags & BACKUP_LOCKING) === 0 ? 0 : 1) > 0) {
      // A backup's occurrence is normally another replica's: nothing of it is this one's to report.
      if (backup && singleton === 1) return false;
      this.#limitReached('singleton', job);
      if (singleton === 1) {
        this.#count(job, 'singleton_rescheduled');
        this.#dropped(job, at, 'singleton_rescheduled');
        return false;
      }
      this.#wait(job, new Run(job, at, scheduled, deferral, backup, claimFrom));
      return true;
    }
    if (this.#limit !== 0 && this.running >= this.#limit) {
      this.#limitReached('limit', job);
      if (!this.#limitWait) {
        this.#count(job, 'skip');
        this.#dropped(job, at, 'skip');
        return false;
      }
      this.#queue.push(new Run(job, at, scheduled, deferral, backup, claimFrom));
      this.waitingCount++;
      return true;
    }
    this.#start(new Run(job, at, scheduled, deferral, backup, claimFrom));
    return true;
  }

  /**
   * Aborts a job's runs in progress and drops its waiting runs. `reason` makes the abort reason, only
   * when a run is in progress (an error captures a stack, too dear to build for every removal);
   * `undefined` lets runs in progress finish.
   */
  abortJob(job: JobRecord, reason: (() => unknown) | undefined): void {
    if (reason !== undefined) {
      let made: unknown;
      for (const run of this.active) {
        if (run.job !== job) continue;
        made ??= reason();
        this.#abort(run, made);
      }
    }
    const waiting = this.#waiting.get(job);
    if (waiting !== undefined) {
      this.waitingCount -= waiting.length;
      this.#waiting.delete(job);
    }
    if (this.#head < this.#queue.length) {
      const kept = this.#queue.slice(this.#head).filter((run) => run !== undefined && run.job !== job);
      this.waitingCount -= this.#queue.length - this.#head - kept.length;
      this.#queue = kept;
      this.#head = 0;
    }
  }

  /** Aborts every run in progress and drops every waiting run. */
  abortAll(reason: unknown): void {
    for (const batcher of this.#batchers.values()) batcher.abortAll(reason);
    for (const run of this.active) this.#abort(run, reason);
    this.#waiting.clear();
    this.#queue = [];
    this.#head = 0;
    this.waitingCount = 0;
  }

  /** Resolves when no run holds a slot. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Cancels the timers of runs still in progress (at shutdown, once the stop timeout passed). */
  clearTimers(): void {
    for (const run of this.active) {
      if (run.timer !== undefined) this.#clock.clearTimeout(run.timer);
      if (run.retryTimer !== undefined) this.#clock.clearTimeout(run.retryTimer);
      run.timer = undefined;
      run.retryTimer = undefined;
    }
  }

  /**
   * A run's timer: on the system clock a plain Node timer unless `unref` was asked for, so that a run
   * waiting to retry keeps the process alive (the system clock's own timers never do).
   */
  #setTimer(fn: () => void, ms: number): unknown {
    return this.#keepAlive ? setTimeout(fn, ms) : this.#clock.setTimeout(fn, ms);
  }

  /** Marks a run as one that outlives the call that started it (abortable by stopJobs). */
  #track(run: Run): void {
    if (run.tracked) return;
    run.tracked = true;
    this.active.add(run);
  }

  #wait(job: JobRecord, run: Run): void {
    const waiting = this.#waiting.get(job);
    if (waiting === undefined) this.#waiting.set(job, [run]);
    else waiting.push(run);
    this.waitingCount++;
  }

  #abort(run: Run, reason: unknown): void {
    run.abort(reason);
    if (run.retryTimer !== undefined) {
      // Waiting to retry: there is nothing to wait for, the run ends with its last failure.
      this.#clock.clearTimeout(run.retryTimer);
      run.retryTimer = undefined;
      this.#end(run, run.lastError, true);
    }
  }

  #start(run: Run): void {
    const job = run.job;
    job.running++;
    this.running++;
    if (this.#elector === undefined) {
      if (run.backup) {
        if ((job.flags & BACKUP_LOCKING) !== 0) {
          this.#logger.debug(
            `tscron: job "${job.name}": a backup claim is still pending; the one for ${run.scheduledAt.toISOString()} is not made`,
          );
          this.#skip(run, 'skip', null);
          return;
        }
      } else if ((job.flags & LOCKING) !== 0) {
        this.#lockPending(run);
        return;
      }
    }
    const monitor = this.#monitor;
    if (monitor?.jobStarted !== undefined) this.#report('jobStarted', () => monitor.jobStarted?.(job));
    if (this.#tracing) this.#openTrace(run);
    const cfg = job.cfg;
    const listeners = cfg.listeners;
    const locker = cfg.locker === false ? undefined : (cfg.locker ?? this.#locker);
    if (
      this.#elector !== undefined ||
      locker !== undefined ||
      listeners?.beforeJobRuns !== undefined ||
      listeners?.beforeJobRunsSkipIfBeforeFuncErrors !== undefined
    ) {
      this.#track(run);
      void this.#gate(run, locker);
      return;
    }
    if (!this.#hooks.dispatched(run)) {
      this.#release(run);
      return;
    }
    this.#execute(run);
  }

  /** Elector or locker, then the before-listeners; then the task. */
  async #gate(run: Run, locker: Locker | undefined): Promise<void> {
    const job = run.job;
    const listeners = job.cfg.listeners;
    try {
      if (this.#elector !== undefined) {
        let leader = false;
        try {
          leader = (await this.#elector.isLeader({ signal: run.signal })) === true;
        } catch (error) {
          this.#lockFailed(run, 'elector', error);
        }
        if (leader !== this.#leader && !run.aborted) this.#leadership(leader);
        // Another instance leads: the run is its to record, not this one's.
        if (!leader) return this.#skip(run, 'skip', null);
        if (run.trace !== undefined) this.#traced(run, (trace) => trace.locked?.(undefined));
      } else if (locker !== undefined) {
        let lock: Lock | null | typeof TOO_LATE;
        const locking = run.backup ? BACKUP_LOCKING : LOCKING;
        // A claim made after the locker's minHold might win an occurrence another replica already
        // claimed, ran and released: the run would happen twice. Half of minHold is this replica's
        // to claim in; the other half covers the replicas' clock skew and the backend's own queue.
        const hold = locker.minHold;
        const claimBy =
          run.scheduled && hold !== undefined && hold > 0
            ? run.claimFrom + hold / 2
            : Number.POSITIVE_INFINITY;
        if (this.#clock.now() > claimBy) return this.#tooLate(run, hold as number);
        job.flags |= locking;
        try {
          lock =
            locker.lockBatch === undefined
              ? await locker.lock(job.name, { signal: run.signal, scheduledAt: run.scheduledAt })
              : await this.#batcher(locker as BatchLocker).claim(job.name, run.scheduledAt, run, claimBy);
        } catch (error) {
          this.#lockFailed(run, 'locker', error);
          return this.#skip(run, 'skip');
        } finally {
          job.flags &= ~locking;
        }
        if (lock === TOO_LATE) return this.#tooLate(run, hold as number);
        // Another instance holds the occurrence: the run is its to record, not this one's.
        if (lock === null || lock === undefined) return this.#skip(run, 'skip', null);
        this.#hold(run, lock);
        if (run.trace !== undefined) this.#traced(run, (trace) => trace.locked?.(lock));
        if (run.scheduled && this.#late(run)) return this.#skip(run, 'skip', 'missed');
      }
      if (run.aborted) return this.#skip(run, 'skip');
      if (listeners?.beforeJobRuns !== undefined) {
        const pending = callSafely(this.#logger, 'beforeJobRuns', listeners.beforeJobRuns, job.id, job.name);
        if (pending !== undefined) await pending;
      }
      const check = listeners?.beforeJobRunsSkipIfBeforeFuncErrors;
      if (check !== undefined) {
        try {
          const result = check(job.id, job.name);
          if (isThenable(result)) await result;
        } catch (error) {
          this.#logger.debug(
            `tscron: job "${job.name}": beforeJobRunsSkipIfBeforeFuncErrors failed; run skipped`,
            error,
          );
          // As gocron since v2.17: a run skipped here uses none of limitedRuns and sets no lastRun.
          return this.#skip(run, 'skip');
        }
      }
      if (run.aborted || !this.#hooks.dispatched(run)) return this.#skip(run, 'skip');
      this.#execute(run);
    } catch (error) {
      this.#logger.error(`tscron: job "${job.name}": internal error`, error);
      if (!run.done) this.#skip(run, 'skip');
    }
  }

  /**
   * The run's claim could not be sent within half the locker's minHold of its occurrence (a backend
   * or process that fell this far behind): skipped as missed, whatever `missedRuns` says, because
   * another replica may have run it already.
   */
  #tooLate(run: Run, hold: number): void {
    const now = this.#clock.now();
    this.#lag.note(run.at + run.deferral, now);
    this.#tooLateRuns++;
    const message = `tscron: job "${run.job.name}": the claim of ${run.scheduledAt.toISOString()} could not be sent within half the locker's minHold of ${formatDuration(hold)}; skipped as missed, as another replica may have run it already`;
    // A backend this far behind drops runs by the thousand: one warning per interval says so.
    if (now - this.#tooLateWarnedAt < TOO_LATE_WARNING_INTERVAL_MS) this.#logger.debug(message);
    else {
      const others = this.#tooLateRuns - 1;
      this.#logger.warn(
        others === 0 ? message : `${message} (and ${others} other run(s) since the last such warning)`,
      );
      this.#tooLateWarnedAt = now;
      this.#tooLateRuns = 0;
    }
    this.#skip(run, 'skip', 'missed');
  }

  #batcher(locker: BatchLocker): ClaimBatcher {
    let batcher = this.#batchers.get(locker);
    if (batcher === undefined) {
      batcher = new ClaimBatcher(locker, this.#clock);
      this.#batchers.set(locker, batcher);
    }
    return batcher;
  }

  /**
   * A run got its lock: notes how late, and tells whether `missedRuns: 'skip'` drops it (a locker
   * that cannot keep up makes runs late as a stalled process does).
   */
  #late(run: Run): boolean {
    const now = this.#clock.now();
    const due = run.at + run.deferral;
    this.#lag.note(due, now);
    if (!run.job.cfg.skipMissed || now - due <= BEHIND_MS) return false;
    this.#logger.debug(
      `tscron: job "${run.job.name}": occurrence ${run.scheduledAt.toISOString()} got its lock ${now - due} ms late; skipped (missedRuns: 'skip')`,
    );
    return true;
  }

  /**
   * The elector or locker failed. A run aborted meanwhile (stop, removal) is no lock error: its
   * attempt was cut short on purpose. Otherwise `afterLockError` hears of it; unheard, it is logged.
   */
  #lockFailed(run: Run, what: 'elector' | 'locker', error: unknown): void {
    if (run.aborted) return;
    const job = run.job;
    const message = `tscron: job "${job.name}": the ${what} failed; the run for ${run.scheduledAt.toISOString()} is skipped`;
    const listener = job.cfg.listeners?.afterLockError;
    if (listener !== undefined) callSafely(this.#logger, 'afterLockError', listener, job.id, job.name, error);
    const monitor = this.#monitor;
    if (monitor?.lockFailed !== undefined) this.#report('lockFailed', () => monitor.lockFailed?.(job, error));
    if (!this.#printUnobserved) this.#logger.warn(message, error);
    else if (listener === undefined && monitor?.lockFailed === undefined) console.error(message, error);
  }

  /**
   * An occurrence came while the job's previous lock attempt is still pending: a backend that is slow
   * or gone would otherwise pile up one attempt per occurrence. The occurrence is skipped.
   */
  #lockPending(run: Run): void {
    this.#logger.warn(
      `tscron: job "${run.job.name}": the previous lock attempt is still pending; the run for ${run.scheduledAt.toISOString()} is skipped`,
    );
    this.#skip(run, 'skip');
  }

  #hold(run: Run, lock: Lock): void {
    run.lock = lock;
    if (hasLostListener(lock)) {
      run.loseable = true;
      lock[ON_LOST]((reason) => this.#lockLost(run, reason));
      return;
    }
    const lost = lock.lost;
    if (lost === undefined || lost === null) return;
    run.loseable = true;
    if (lost.aborted) {
      this.#lockLost(run, lost.reason);
      return;
    }
    run.onLost = () => this.#lockLost(run, lost.reason);
    lost.addEventListener('abort', run.onLost, { once: true });
  }

  #lockLost(run: Run, reason: unknown): void {
    this.#logger.warn(`tscron: job "${run.job.name}": lock lost; aborting the run`);
    run.abort(reason ?? abortError(`job "${run.job.name}": lock lost`));
  }

  #execute(run: Run): void {
    const job = run.job;
    const monitor = this.#monitor;
    // The run was dispatched just now (`lastRunAt`); reading the clock again would cost a call per run.
    const now = job.lastRunAt;
    run.startedAt = now;
    const events = this.#events;
    if (events.recording) events.run(startedRecord(job, run.scheduledAt, now, this.#replica));
    if (monitor !== undefined) {
      if (monitor.jobRunning !== undefined) this.#report('jobRunning', () => monitor.jobRunning?.(job));
      if (monitor.jobSchedulingDelay !== undefined) {
        // A deferral the scheduler chose (balance, catch-up) is no lateness.
        const due = run.deferral === 0 ? run.scheduledAt : new Date(run.at + run.deferral);
        this.#report('jobSchedulingDelay', () => monitor.jobSchedulingDelay?.(job, due, new Date(now)));
      }
    }
    const timeout = job.cfg.timeout;
    if (timeout > 0) {
      this.#track(run);
      run.timer = this.#setTimer(() => this.#timedOut(run, timeout), timeout);
    }
    this.#attempt(run);
  }

  #attempt(run: Run): void {
    let result: unknown;
    try {
      const job = run.job;
      const context = new RunContext(run.taskSignal(), job, run.scheduledAt, run.lock, run.attempt + 1);
      run.context = context;
      const trace = run.trace;
      result = trace?.wrap === undefined ? job.task(context) : trace.wrap(() => job.task(context));
    } catch (error) {
      this.#failed(run, error);
      return;
    }
    if (isThenable(result)) {
      this.#track(run);
      const attempt = run.attempt;
      try {
        result.then(
          () => {
            if (run.attempt === attempt) this.#end(run, undefined, false);
          },
          (error: unknown) => {
            if (run.attempt === attempt) this.#failed(run, error);
          },
        );
      } catch (error) {
        this.#failed(run, error);
      }
      return;
    }
    this.#end(run, undefined, false);
  }

  #failed(run: Run, error: unknown): void {
    if (run.done) return;
    const cfg = run.job.cfg;
    if (run.attempt < cfg.retries && !run.aborted) {
      run.attempt++;
      run.lastError = error;
      const delay = cfg.retryDelay * cfg.backoff ** (run.attempt - 1);
      this.#logger.debug(
        `tscron: job "${run.job.name}" failed; retry ${run.attempt} in ${formatDuration(delay)}`,
      );
      this.#track(run);
      run.retryTimer = this.#setTimer(() => {
        run.retryTimer = undefined;
        if (!run.done) this.#attempt(run);
      }, delay);
      return;
    }
    this.#end(run, error, true);
  }

  #timedOut(run: Run, timeout: number): void {
    run.timer = undefined;
    if (run.done) return;
    const error = new TscronError(
      'ERR_JOB_TIMED_OUT',
      `job "${run.job.name}" timed out after ${formatDuration(timeout)}`,
    );
    run.abort(error);
    if (run.retryTimer !== undefined) {
      this.#clock.clearTimeout(run.retryTimer);
      run.retryTimer = undefined;
    }
    this.#end(run, error, true);
  }

  /** The task finished (or failed for good): report, call the after-listeners, release the slot. */
  #end(run: Run, error: unknown, failed: boolean): void {
    if (run.done) return;
    run.done = true;
    if (run.timer !== undefined) {
      this.#clock.clearTimeout(run.timer);
      run.timer = undefined;
    }
    const job = run.job;
    const listeners = job.cfg.listeners;
    const monitor = this.#monitor;
    const endedAt = this.#hooks.now();
    job.lastDoneAt = endedAt;
    const events = this.#events;
    if (events.recording) {
      const output = runOutputOf(run.context);
      events.run(endedRecord(job, run, endedAt, failed, error, output, this.#replica));
    }
    if (monitor !== undefined) {
      if (monitor.recordJobTiming !== undefined) {
        // Dates only for a monitor that takes them: most do not, and a run should not pay for two.
        const start = new Date(run.startedAt);
        const end = new Date(endedAt);
        this.#report('recordJobTiming', () =>
          monitor.recordJobTiming?.(start, end, job.id, job.name, job.tags),
        );
      }
      if (monitor.jobExecutionTime !== undefined) {
        this.#report('jobExecutionTime', () => monitor.jobExecutionTime?.(job, endedAt - run.startedAt));
      }
    }
    if (failed) {
      this.#reportFailure(run, error);
      if (listeners?.afterJobRunsWithError !== undefined) {
        callSafely(
          this.#logger,
          'afterJobRunsWithError',
          listeners.afterJobRunsWithError,
          job.id,
          job.name,
          error,
        );
      }
    } else if (listeners?.afterJobRuns !== undefined) {
      callSafely(this.#logger, 'afterJobRuns', listeners.afterJobRuns, job.id, job.name);
    }
    if (monitor !== undefined) {
      const status: JobStatus = failed ? 'fail' : 'success';
      this.#count(job, status);
      if (monitor.recordJobTimingWithStatus !== undefined) {
        const start = new Date(run.startedAt);
        const end = new Date(endedAt);
        this.#report('recordJobTimingWithStatus', () =>
          failed
            ? monitor.recordJobTimingWithStatus?.(start, end, job.id, job.name, job.tags, status, error)
            : monitor.recordJobTimingWithStatus?.(start, end, job.id, job.name, job.tags, status),
        );
      }
      if (failed) {
        if (monitor.jobFailed !== undefined) this.#report('jobFailed', () => monitor.jobFailed?.(job, error));
      } else if (monitor.jobCompleted !== undefined) {
        this.#report('jobCompleted', () => monitor.jobCompleted?.(job));
      }
    }
    if (run.trace !== undefined) this.#closeTrace(run, failed ? 'fail' : 'success', error);
    this.#release(run);
  }

  /** Logs a failed run: to the logger given, else (unless a listener or monitor hears of it) to the console. */
  #reportFailure(run: Run, error: unknown): void {
    const job = run.job;
    if (cutShort(run, error)) {
      this.#logger.debug(`tscron: job "${job.name}" (${job.id}) ended when its signal aborted`, error);
      return;
    }
    const message = `tscron: job "${job.name}" (${job.id}) failed`;
    if (!this.#printUnobserved) {
      this.#logger.error(message, error);
      return;
    }
    const monitor = this.#monitor;
    const observed =
      job.cfg.listeners?.afterJobRunsWithError !== undefined ||
      monitor?.jobFailed !== undefined ||
      monitor?.recordJobTimingWithStatus !== undefined ||
      monitor?.incrementJob !== undefined;
    if (!observed) console.error(message, error);
  }

  /**
   * The run ends without its task running (elector, lock, listener or abort said no). `recordAs`:
   * its status in the run history, `null` when it is not this instance's run to record.
   */
  #skip(run: Run, status: JobStatus, recordAs: RunStatus | null = status): void {
    if (run.done) return;
    run.done = true;
    this.#count(run.job, status);
    if (run.trace !== undefined) this.#closeTrace(run, 'skip', undefined);
    if (recordAs !== null && this.#events.recording) {
      this.#events.run(droppedRecord(run.job, run.scheduledAt, this.#hooks.now(), recordAs, this.#replica));
    }
    this.#release(run);
  }

  /** Starts a run's trace; a monitor whose traceRun throws leaves the run untraced. */
  #openTrace(run: Run): void {
    const monitor = this.#monitor as Monitor;
    try {
      // The run itself is the TracedRun: its scheduledAt Date is made only if the monitor reads it,
      // so a tracer that is off (no provider configured) costs no allocation.
      run.trace = monitor.traceRun?.(run);
    } catch (error) {
      this.#logger.error('tscron: monitor.traceRun threw', error);
    }
  }

  /** Calls a method of a run's trace; whatever it throws is logged and ignored. */
  #traced(run: Run, call: (trace: RunTrace) => void): void {
    try {
      call(run.trace as RunTrace);
    } catch (error) {
      this.#logger.error(`tscron: job "${run.job.name}": its run trace threw`, error);
    }
  }

  /** Ends a run's trace (once). */
  #closeTrace(run: Run, status: JobStatus, error: unknown): void {
    const outcome = status === 'fail' ? { status, error } : { status };
    this.#traced(run, (trace) => trace.end(outcome));
    run.trace = undefined;
  }

  /** The elector's answer changed: the monitor hears of it. */
  #leadership(leader: boolean): void {
    this.#leader = leader;
    const monitor = this.#monitor;
    if (monitor?.leaderChanged !== undefined)
      this.#report('leaderChanged', () => monitor.leaderChanged?.(leader));
  }

  /** Records an occurrence dropped before it became a run (singleton mode, the concurrency limit). */
  #dropped(job: JobRecord, at: number, status: RunStatus): void {
    if (!this.#events.recording) return;
    this.#events.run(droppedRecord(job, new Date(at), this.#hooks.now(), status, this.#replica));
  }

  /** Unlocks, frees the run's slot and starts what waited for it. */
  #release(run: Run): void {
    run.done = true;
    const lock = run.lock;
    if (lock !== undefined) {
      run.lock = undefined;
      if (run.onLost !== undefined) lock.lost?.removeEventListener('abort', run.onLost);
      else if (hasLostListener(lock)) lock[ON_LOST](undefined);
      run.onLost = undefined;
      let pending: unknown;
      try {
        pending = lock.unlock();
      } catch (error) {
        this.#logger.warn(`tscron: job "${run.job.name}": unlock failed`, error);
      }
      if (isThenable(pending)) {
        pending.then(
          () => this.#release(run),
          (error: unknown) => {
            this.#logger.warn(`tscron: job "${run.job.name}": unlock failed`, error);
            this.#release(run);
          },
        );
        return;
      }
    }
    if (run.tracked) this.active.delete(run);
    const job = run.job;
    if (job.controllerOwner === run) job.controllerOwner = undefined;
    job.running--;
    this.running--;
    this.#hooks.ended(run);
    this.#pump(job);
    if (this.running === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  #runnable(run: Run): boolean {
    const job = run.job;
    return run.version === job.version && (job.flags & REMOVED) === 0;
  }

  /** Starts runs that waited: first the ended job's own (singleton 'wait'), then the shared queue. */
  #pump(job: JobRecord): void {
    const limit = this.#limit;
    const waiting = this.#waiting.size === 0 ? undefined : this.#waiting.get(job);
    if (waiting !== undefined && job.running === 0) {
      const run = waiting.shift() as Run;
      this.waitingCount--;
      if (waiting.length === 0) this.#waiting.delete(job);
      if (this.#runnable(run)) {
        if (limit === 0 || this.running < limit) this.#start(run);
        else {
          this.#queue.push(run);
          this.waitingCount++;
        }
      }
    }
    const queue = this.#queue;
    while (limit !== 0 && this.running < limit && this.#head < queue.length) {
      const run = queue[this.#head] as Run;
      queue[this.#head++] = undefined;
      this.waitingCount--;
      if (this.#head > 1024 && this.#head * 2 > queue.length) {
        this.#queue = queue.slice(this.#head);
        this.#head = 0;
        this.#pump(job);
        return;
      }
      if (!this.#runnable(run)) continue;
      const owner = run.job;
      if (owner.cfg.singleton !== 0 && owner.running > 0) {
        // A singleton job still running: 'reschedule' drops the run, 'wait' hands it to the job's queue.
        if (owner.cfg.singleton === 1) {
          this.#count(owner, 'singleton_rescheduled');
          this.#dropped(owner, run.at, 'singleton_rescheduled');
        } else this.#wait(owner, run);
        continue;
      }
      this.#start(run);
    }
    if (this.#head === queue.length && this.#head > 0) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #limitReached(kind: 'singleton' | 'limit', job: Job): void {
    const monitor = this.#monitor;
    if (monitor?.concurrencyLimitReached !== undefined) {
      this.#report('concurrencyLimitReached', () => monitor.concurrencyLimitReached?.(kind, job));
    }
  }

  #count(job: JobRecord, status: JobStatus): void {
    const monitor = this.#monitor;
    if (monitor?.incrementJob !== undefined) {
      this.#report('incrementJob', () => monitor.incrementJob?.(job.id, job.name, job.tags, status));
    }
  }

  /** Calls a monitor method; whatever it throws is logged and ignored. */
  #report(what: string, call: () => unknown): void {
    try {
      const result = call();
      if (isThenable(result)) {
        Promise.resolve(result).then(undefined, (error: unknown) =>
          this.#logger.error(`tscron: monitor.${what} rejected`, error),
        );
      }
    } catch (error) {
      this.#logger.error(`tscron: monitor.${what} threw`, error);
    }
  }
}
