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
  /** How late a run started compared with its scheduled time. */
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
}
