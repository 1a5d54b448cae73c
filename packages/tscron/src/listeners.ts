import type { Logger } from './logger.js';

/**
 * Callbacks around each run of a job (gocron's event listeners), called in this order:
 * `afterLockError` (when the locker or elector failed, and the run is skipped), `beforeJobRuns`,
 * `beforeJobRunsSkipIfBeforeFuncErrors`, the task, then `afterJobRuns` or `afterJobRunsWithError`.
 *
 * A listener may return a promise: the `before*` ones are awaited before the task starts. Whatever a
 * listener throws or rejects with is logged and ignored, except for
 * `beforeJobRunsSkipIfBeforeFuncErrors`, whose failure skips the run.
 *
 * @example
 * ```ts
 * scheduler.newJob(durationJob('1m'), sync, {
 *   eventListeners: {
 *     afterJobRunsWithError: (jobId, jobName, error) => log.error({ jobId, jobName, error }),
 *   },
 * });
 * ```
 */
export interface EventListeners {
  /** Before each run, once a lock (if any) is held. */
  beforeJobRuns?(jobId: string, jobName: string): unknown;
  /** Before each run, after `beforeJobRuns`: throw or reject to skip this run. */
  beforeJobRunsSkipIfBeforeFuncErrors?(jobId: string, jobName: string): unknown;
  /** After a run whose task succeeded. */
  afterJobRuns?(jobId: string, jobName: string): unknown;
  /** After a run whose task threw, rejected or timed out, with what it failed with. */
  afterJobRunsWithError?(jobId: string, jobName: string, error: unknown): unknown;
  /** When the locker or elector failed (rejected); the run is skipped. */
  afterLockError?(jobId: string, jobName: string, error: unknown): unknown;
}

/** The names of {@link EventListeners}, for validation and merging. */
export const LISTENER_NAMES = [
  'beforeJobRuns',
  'beforeJobRunsSkipIfBeforeFuncErrors',
  'afterJobRuns',
  'afterJobRunsWithError',
  'afterLockError',
] as const;

/** Whether `value` looks like a promise. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls a user callback so that nothing it throws or rejects with escapes: failures are logged.
 * Returns the callback's promise when it returned one (already guarded), so that the caller may await it.
 */
export function callSafely(
  logger: Logger,
  what: string,
  fn: (...args: never[]) => unknown,
  ...args: unknown[]
): PromiseLike<unknown> | undefined {
  try {
    const result = (fn as (...a: unknown[]) => unknown)(...args);
    if (isThenable(result)) {
      return Promise.resolve(result).then(undefined, (error: unknown) => {
        logger.error(`tscron: ${what} rejected`, error);
      });
    }
  } catch (error) {
    logger.error(`tscron: ${what} threw`, error);
  }
  return undefined;
}
