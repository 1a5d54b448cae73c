/** The instrumentation scope of the tracer and the meter: this package. */
export const SCOPE = '@tscron/otel';

/** Span attributes, span events and metric names this package writes. */
export const JOB_NAME = 'tscron.job.name';
export const JOB_ID = 'tscron.job.id';
export const SCHEDULED_AT = 'tscron.scheduled_at';
export const CRON = 'faas.cron';
export const LOCK_FENCE = 'tscron.lock.fence';
/** How the run ended (a `JobStatus`): on the span at its end, and on both metrics. */
export const RUN_STATUS = 'tscron.run.status';
/** Tries the task took (more than 1 when it was retried). */
export const RUN_ATTEMPTS = 'tscron.run.attempts';

/** Span event: the run holds its lock (or its elector said lead); its time minus the span's start is the wait. */
export const LOCK_ACQUIRED = 'tscron.lock.acquired';
/** Span event: a try after the first begins. */
export const RETRY = 'tscron.run.retry';

export const RUNS_METRIC = 'tscron.job.runs';
export const DURATION_METRIC = 'tscron.job.duration';

/**
 * Bucket boundaries (seconds) of the duration histogram: jobs take from a millisecond to hours, which
 * the SDK's default boundaries (0 to 10,000, meant for milliseconds) do not cover.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400,
];
