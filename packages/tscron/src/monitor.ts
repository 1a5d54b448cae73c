import type { Lock } from './distributed.js';
import type { Job } from './job.js';

/** How a run ended, as a monitor sees it. */
export type JobStatus = 'success' | 'fail' | 'skip' | 'singleton_rescheduled';

/**
 * Receives the scheduler's metrics and lifecycle events (gocron's Monitor, MonitorStatus and
 * SchedulerMonitor in one interface). Every method is optional; a method that throws is logged and
 * ignored.
 */
export interface Monitor {
  /** Counts a run by outcome. */
  incrementJob?(jobId: string, jobName: string, tags: readonly string[], status: JobStatus): void;
  /** The start and end of a run that executed. */
  recordJobTiming?(start: Date, end: Date, jobId: string, jobName: string, tags: readonly string[]): void;
  /** As {@link Monitor.recordJobTiming}, with the outcome and, on failure, the error. */
  recordJobTimingWithStatus?(
    start: Date,
    end: Date,
    jobId: string,
    jobName: string,
    tags: readonly string[],
    status: JobStatus,
    error?: unknown,
  ): void;
  schedulerStarted?(): void;
  schedulerStopped?(): void;
  schedulerShutdown?(): void;
  jobRegistered?(job: Job): void;
  jobUnregistered?(job: Job): void;
  /** A run was dispatched (before locks and listeners). */
  jobStarted?(job: Job): void;
  /** The task itself began to run. */
  jobRunning?(job: Job): void;
  jobFailed?(job: Job, error: unknown): void;
  jobCompleted?(job: Job): void;
  /** Milliseconds the task took. */
  jobExecutionTime?(job: Job, ms: number): void;
  /**
   * How late a run started compared with its scheduled time. `scheduledAt` is the occurrence plus any
   * wait the scheduler chose on purpose (a fleet's balance, a catch-up run), which is no lateness.
   */
  jobSchedulingDelay?(job: Job, scheduledAt: Date, startedAt: Date): void;
  /** A run was held back by singleton mode or by the scheduler's concurrency limit. */
  concurrencyLimitReached?(kind: 'singleton' | 'limit', job: Job): void;
  /**
   * The scheduler is falling behind: `runs` runs got their lock more than a second after their
   * scheduled time since the last report (reports come at most every 10 seconds), the latest of
   * them `worstMs` late. A locker slower than the runs coming due causes it; `missedRuns` decides
   * what such a late run does.
   */
  runsBehind?(runs: number, worstMs: number): void;
  /**
   * The locker or elector failed for a run (not a lost claim: another instance winning is no
   * failure). The run is skipped.
   */
  lockFailed?(job: Job, error: unknown): void;
  /** This instance became the leader (`true`) or stopped being it, as the elector answered a run. */
  leaderChanged?(leader: boolean): void;
  /**
   * Follows one run from its dispatch (before its lock) to its end (after the after-listeners), and
   * may run its task inside a context of its own: the hook a tracer needs (see {@link RunTrace}).
   * Called for every run dispatched, so keep it cheap; return `undefined` to leave a run alone.
   */
  traceRun?(run: TracedRun): RunTrace | undefined;
}

/** A run being dispatched, as {@link Monitor.traceRun} sees it. */
export interface TracedRun {
  readonly job: Job;
  /** The occurrence (`runNow()`: when it was called). */
  readonly scheduledAt: Date;
}

/**
 * One run's trace, from {@link Monitor.traceRun}. Each method is called at most as described; one
 * that throws is logged and never fails the run.
 *
 * @example
 * ```ts
 * import type { Monitor } from 'tscron';
 * import { AsyncLocalStorage } from 'node:async_hooks';
 *
 * const current = new AsyncLocalStorage<string>();
 * const tracing: Monitor = {
 *   traceRun: ({ job }) => ({
 *     wrap: (task) => current.run(`run of ${job.name}`, task),
 *     end: ({ status }) => console.log(job.name, status),
 *   }),
 * };
 * ```
 */
export interface RunTrace {
  /** The run holds its lock, or its elector said lead (not called when there is neither). */
  locked?(lock: Lock | undefined): void;
  /** Calls `task` (each try of the task, retries included) and returns what it returns, inside a context. */
  wrap?<T>(task: () => T): T;
  /** The run ended, or was skipped before its task ran (`status: 'skip'`); `error` on failure. */
  end(outcome: { status: JobStatus; error?: unknown }): void;
}
