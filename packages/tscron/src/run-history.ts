/**
 * How a run ended, as its {@link RunRecord} says: `running` while it runs; `skip` when the scheduler
 * dropped it (the concurrency limit, a before-listener, an abort); `missed` when `missedRuns: 'skip'`
 * dropped an occurrence noticed too late.
 */
export type RunStatus = 'running' | 'success' | 'fail' | 'skip' | 'singleton_rescheduled' | 'missed';

/**
 * One run of a job, as the scheduler records it in its {@link RunHistory}. A run is recorded when it
 * starts (`running`) and again when it ends; both records share `jobId`, `scheduledAt`, `startedAt`
 * and `replica`, so that a store replaces the first with the second.
 */
export interface RunRecord {
  jobId: string;
  jobName: string;
  /** The occurrence the run is for (`runNow()`: when it was called). */
  scheduledAt: Date;
  /** When the task started; for a run that never started, when it was dropped. */
  startedAt: Date;
  /** When the run ended; absent while it runs. */
  endedAt?: Date;
  status: RunStatus;
  /** The failure's message. */
  error?: string;
  /** How many tries the task had (1 without retries). */
  attempts?: number;
  /** The scheduler instance that recorded the run (`SchedulerOptions.replica`). */
  replica: string;
  /** The last 8 KB of what the run printed, where the runner captures it (the CLI does). */
  output?: string;
}

/** What {@link RunHistory.list} returns. */
export interface RunQuery {
  /** Only this job's runs. @default every job's */
  jobName?: string;
  /** At most this many records. @default the store's own bound */
  limit?: number;
  /** Only runs started before this instant (for paging back). */
  before?: Date;
}

/**
 * Where a scheduler records its runs (`SchedulerOptions.history`). The scheduler calls `record` after
 * the fact, outside the run: a slow or failing store never delays or fails a run (a failure is
 * logged and the record dropped).
 *
 * @example
 * ```ts
 * import { createScheduler, MemoryRunHistory } from 'tscron';
 *
 * const history = new MemoryRunHistory({ perJob: 50 });
 * const scheduler = createScheduler({ history });
 * // later: the last 10 runs of "backup", newest first
 * const runs = await history.list({ jobName: 'backup', limit: 10 });
 * ```
 */
export interface RunHistory {
  /** Stores a record, replacing the stored one of the same run (same job id, occurrence, start and replica). */
  record(run: RunRecord): Promise<void>;
  /** Records, newest start first. */
  list(query: RunQuery): Promise<RunRecord[]>;
}

/** Options of {@link MemoryRunHistory}. */
export interface MemoryRunHistoryOptions {
  /** Runs kept per job name; the oldest leave first. @default 100 */
  perJob?: number;
}
