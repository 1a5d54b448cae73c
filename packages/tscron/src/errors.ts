/**
 * Every stable error code tscron throws. gocron's sentinel errors in Node style
 * (`ErrCronJobParse` becomes `ERR_CRON_JOB_PARSE`), plus tscron's own.
 */
export const ERROR_CODES = [
  'ERR_CRON_JOB_PARSE',
  'ERR_CRON_JOB_INVALID',
  'ERR_DURATION_JOB_INTERVAL_ZERO',
  'ERR_DURATION_JOB_INTERVAL_NEGATIVE',
  'ERR_DURATION_RANDOM_JOB_MIN_MAX',
  'ERR_DAILY_JOB_ZERO_INTERVAL',
  'ERR_DAILY_JOB_AT_TIMES_NIL',
  'ERR_DAILY_JOB_HOURS',
  'ERR_DAILY_JOB_MINUTES_SECONDS',
  'ERR_WEEKLY_JOB_ZERO_INTERVAL',
  'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL',
  'ERR_WEEKLY_JOB_HOURS',
  'ERR_WEEKLY_JOB_MINUTES_SECONDS',
  'ERR_MONTHLY_JOB_ZERO_INTERVAL',
  'ERR_MONTHLY_JOB_DAYS',
  'ERR_MONTHLY_JOB_DAYS_NIL',
  'ERR_MONTHLY_JOB_HOURS',
  'ERR_MONTHLY_JOB_MINUTES_SECONDS',
  'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST',
  'ERR_JOB_NOT_FOUND',
  'ERR_JOB_RUN_NOW_FAILED',
  'ERR_NEW_JOB_TASK_NIL',
  'ERR_STOP_JOBS_TIMED_OUT',
  'ERR_WITH_LIMIT_CONCURRENT_JOBS_ZERO',
  'ERR_WITH_NAME_EMPTY',
  'ERR_WITH_START_DATE_TIME_PAST',
  'ERR_WITH_STOP_DATE_TIME_PAST',
  'ERR_START_TIME_LATER_THAN_END_TIME',
  'ERR_WITH_STOP_TIMEOUT_ZERO_OR_NEGATIVE',
  'ERR_WITH_LIMITED_RUNS_ZERO',
  'ERR_WITH_IDENTIFIER_NIL',
  'ERR_INVALID_TIME_ZONE',
  'ERR_INVALID_DURATION',
  'ERR_JOB_NAME_REQUIRED',
  'ERR_SCHEDULER_SHUT_DOWN',
  'ERR_NOT_DETERMINISTIC',
  'ERR_INVALID_OPTION',
  'ERR_INVALID_ARGUMENT',
  'ERR_LOCK_KEY_INVALID',
  'ERR_JOB_TIMED_OUT',
  'ERR_LOCK_TIMEOUT',
  'ERR_LOCK_LOST',
  'ERR_LOCK_BACKEND_FAILED',
] as const;

/** A stable error code: match on it, never on the message. */
export type TscronErrorCode = (typeof ERROR_CODES)[number];

/** Marks tscron errors so that {@link isTscronError} works across realms and duplicated installs. */
const BRAND = Symbol.for('tscron.error');

/**
 * The one error class tscron throws. The message says what was wrong and with which value.
 *
 * @example
 * ```ts
 * try { cronJob('61 * * * *'); } catch (error) {
 *   if (isTscronError(error, 'ERR_CRON_JOB_PARSE')) console.error(error.message);
 * }
 * ```
 */
export class TscronError extends Error {
  /** The stable code of this error. */
  readonly code: TscronErrorCode;

  constructor(code: TscronErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TscronError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Tells whether `error` is a {@link TscronError}, optionally with the given code. Works for errors
 * thrown by another copy of tscron or in another realm, where `instanceof` fails.
 */
export function isTscronError(error: unknown, code?: TscronErrorCode): error is TscronError {
  if (typeof error !== 'object' || error === null) return false;
  if (!(error instanceof TscronError) && (error as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (error as TscronError).code === code;
}

/** A value as a message shows it: strings quoted, so that `"5"` and `5` or `""` stay apart. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
