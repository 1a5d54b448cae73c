import { compileCron } from './cron/compile.js';
import { type Duration, formatDuration, toMilliseconds } from './duration.js';
import { describeValue, TscronError, type TscronErrorCode } from './errors.js';

/** Days of the week, numbered as `Date#getDay()` numbers them. */
export const Weekday = {
  Sunday: 0,
  Monday: 1,
  Tuesday: 2,
  Wednesday: 3,
  Thursday: 4,
  Friday: 5,
  Saturday: 6,
} as const;

/** A day of the week, 0 (Sunday) to 6 (Saturday). */
export type Weekday = (typeof Weekday)[keyof typeof Weekday];

/** A wall-clock time of day, built by {@link atTime}. */
export interface AtTime {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

/** Runs every `every` milliseconds, counted in absolute time. */
export interface DurationJobDefinition {
  readonly kind: 'duration';
  /** Milliseconds between runs. */
  readonly every: number;
}

/** Runs after a random delay between `min` and `max` milliseconds, drawn anew for each run. */
export interface DurationRandomJobDefinition {
  readonly kind: 'durationRandom';
  readonly min: number;
  readonly max: number;
}

/** Runs on the times a cron expression matches. */
export interface CronJobDefinition {
  readonly kind: 'cron';
  readonly expression: string;
  /** Whether a sixth, leading seconds field is accepted. */
  readonly withSeconds: boolean;
}

/** Runs every `interval` days at each of `atTimes`. */
export interface DailyJobDefinition {
  readonly kind: 'daily';
  readonly interval: number;
  readonly atTimes: readonly AtTime[];
}

/** Runs every `interval` weeks on each of `weekdays` at each of `atTimes`. */
export interface WeeklyJobDefinition {
  readonly kind: 'weekly';
  readonly interval: number;
  readonly weekdays: readonly Weekday[];
  readonly atTimes: readonly AtTime[];
}

/** Runs every `interval` months on each of `days` (negative: counted from the month's end) at `atTimes`. */
export interface MonthlyJobDefinition {
  readonly kind: 'monthly';
  readonly interval: number;
  readonly days: readonly number[];
  readonly atTimes: readonly AtTime[];
}

/** Runs once at each given instant (epoch milliseconds, ascending), or once as soon as it is scheduled. */
export interface OneTimeJobDefinition {
  readonly kind: 'oneTime';
  readonly at: 'immediately' | readonly number[];
}

/** What a job runs on: plain, serialisable data tagged by `kind`. Build one with the factories. */
export type JobDefinition =
  | DurationJobDefinition
  | DurationRandomJobDefinition
  | CronJobDefinition
  | DailyJobDefinition
  | WeeklyJobDefinition
  | MonthlyJobDefinition
  | OneTimeJobDefinition;

/**
 * A job that runs every `every` (milliseconds or a Go duration string), counted in absolute time.
 *
 * @example
 * ```ts
 * scheduler.newJob(durationJob('5m'), () => sweep());
 * ```
 */
export function durationJob(every: Duration): DurationJobDefinition {
  const ms = toMilliseconds(every, 'DurationJob');
  if (ms === 0)
    throw new TscronError('ERR_DURATION_JOB_INTERVAL_ZERO', 'DurationJob: the interval must be > 0, got 0');
  if (ms < 0) {
    throw new TscronError(
      'ERR_DURATION_JOB_INTERVAL_NEGATIVE',
      `DurationJob: the interval must be > 0, got ${formatDuration(ms)}`,
    );
  }
  wholeMilliseconds(ms, every, 'DurationJob: the interval');
  return { kind: 'duration', every: ms };
}

/**
 * Timers count whole milliseconds: a fraction would be rounded differently by every replica and
 * every timer, so it is refused rather than silently changed.
 */
function wholeMilliseconds(ms: number, given: Duration, what: string): void {
  if (!Number.isInteger(ms)) {
    throw new TscronError(
      'ERR_INVALID_DURATION',
      `${what} must be a whole number of milliseconds, got ${describeValue(given)}`,
    );
  }
}

/** A job that waits a random time between `min` and `max` before each run (`0 < min < max`). */
export function durationRandomJob(min: Duration, max: Duration): DurationRandomJobDefinition {
  const minMs = toMilliseconds(min, 'DurationRandomJob min');
  const maxMs = toMilliseconds(max, 'DurationRandomJob max');
  if (!(minMs > 0 && minMs < maxMs)) {
    throw new TscronError(
      'ERR_DURATION_RANDOM_JOB_MIN_MAX',
      `DurationRandomJob: need 0 < min < max, got min ${formatDuration(minMs)} and max ${formatDuration(maxMs)}`,
    );
  }
  wholeMilliseconds(minMs, min, 'DurationRandomJob: min');
  wholeMilliseconds(maxMs, max, 'DurationRandomJob: max');
  return { kind: 'durationRandom', min: minMs, max: maxMs };
}

/**
 * A job on a cron expression: 5 fields (minute first), or 6 (seconds first) with `withSeconds`.
 * Throws `ERR_CRON_JOB_PARSE` naming the field and the bad text, or `ERR_CRON_JOB_INVALID` when the
 * expression can never match.
 *
 * @example
 * ```ts
 * cronJob('0 9 * * MON-FRI');
 * cronJob('CRON_TZ=Europe/London 30 0 9 * * 1L', { withSeconds: true });
 * ```
 */
export function cronJob(expression: string, options?: { withSeconds?: boolean }): CronJobDefinition {
  const withSeconds = options?.withSeconds ?? false;
  compileCron(expression, withSeconds);
  return { kind: 'cron', expression, withSeconds };
}

/**
 * A wall-clock time of day for daily, weekly and monthly jobs.
 *
 * @param hours 0-23
 * @param minutes 0-59 @default 0
 * @param seconds 0-59 @default 0
 */
export function atTime(hours: number, minutes = 0, seconds = 0): AtTime {
  return { hours, minutes, seconds };
}

type AtTimeErrors = { nil: TscronErrorCode; hours: TscronErrorCode; minutesSeconds: TscronErrorCode };

function checkInteger(value: number, low: number, high: number): boolean {
  return Number.isInteger(value) && value >= low && value <= high;
}

function validateAtTimes(kind: string, atTimes: readonly AtTime[], codes: AtTimeErrors): AtTime[] {
  if (!Array.isArray(atTimes) || atTimes.length === 0) {
    throw new TscronError(codes.nil, `${kind}: at least one atTime is required`);
  }
  const seen = new Set<number>();
  const result: AtTime[] = [];
  for (const at of atTimes) {
    if (!checkInteger(at?.hours, 0, 23)) {
      throw new TscronError(
        codes.hours,
        `${kind}: atTime hours must be 0-23, got ${describeValue(at?.hours)}`,
      );
    }
    if (!checkInteger(at.minutes, 0, 59) || !checkInteger(at.seconds, 0, 59)) {
      throw new TscronError(
        codes.minutesSeconds,
        `${kind}: atTime minutes and seconds must be 0-59, got ${describeValue(at.minutes)}:${describeValue(at.seconds)}`,
      );
    }
    const key = at.hours * 3600 + at.minutes * 60 + at.seconds;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ hours: at.hours, minutes: at.minutes, seconds: at.seconds });
  }
  return result.sort((a, b) => a.hours - b.hours || a.minutes - b.minutes || a.seconds - b.seconds);
}

function validateInterval(kind: string, interval: number, code: TscronErrorCode): void {
  if (!Number.isInteger(interval) || interval < 1) {
    throw new TscronError(code, `${kind}: interval must be an integer >= 1, got ${describeValue(interval)}`);
  }
}

/**
 * A job that runs every `interval` days at each of `atTimes`, in the scheduler's time zone.
 *
 * @example
 * ```ts
 * dailyJob(1, [atTime(9, 30), atTime(17)]);
 * ```
 */
export function dailyJob(interval: number, atTimes: AtTime[]): DailyJobDefinition {
  validateInterval('DailyJob', interval, 'ERR_DAILY_JOB_ZERO_INTERVAL');
  const times = validateAtTimes('DailyJob', atTimes, {
    nil: 'ERR_DAILY_JOB_AT_TIMES_NIL',
    hours: 'ERR_DAILY_JOB_HOURS',
    minutesSeconds: 'ERR_DAILY_JOB_MINUTES_SECONDS',
  });
  return { kind: 'daily', interval, atTimes: times };
}

/**
 * A job that runs every `interval` weeks (weeks start on Sunday) on each of `weekdays` at `atTimes`.
 * Sunday is 0 or, as in cron, 7.
 *
 * @example
 * ```ts
 * weeklyJob(2, [Weekday.Monday, Weekday.Thursday], [atTime(8)]);
 * ```
 */
export function weeklyJob(
  interval: number,
  weekdays: Array<Weekday | 7>,
  atTimes: AtTime[],
): WeeklyJobDefinition {
  validateInterval('WeeklyJob', interval, 'ERR_WEEKLY_JOB_ZERO_INTERVAL');
  if (!Array.isArray(weekdays) || weekdays.length === 0) {
    throw new TscronError(
      'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL',
      'WeeklyJob: at least one weekday is required',
    );
  }
  for (const day of weekdays) {
    if (!checkInteger(day, 0, 7)) {
      throw new TscronError(
        'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL',
        `WeeklyJob: weekdays must be 0 (Sunday) to 6 (Saturday), or 7 (Sunday, as in cron), got ${describeValue(day)}`,
      );
    }
  }
  const times = validateAtTimes('WeeklyJob', atTimes, {
    nil: 'ERR_DAILY_JOB_AT_TIMES_NIL',
    hours: 'ERR_WEEKLY_JOB_HOURS',
    minutesSeconds: 'ERR_WEEKLY_JOB_MINUTES_SECONDS',
  });
  const days = [...new Set(weekdays.map((day) => (day % 7) as Weekday))].sort((a, b) => a - b);
  return { kind: 'weekly', interval, weekdays: days, atTimes: times };
}

/**
 * A job that runs every `interval` months on each of `days` at `atTimes`. A negative day counts from
 * the month's end (-1 is the last day); a day that a month lacks (the 31st in April) is skipped.
 *
 * @example
 * ```ts
 * monthlyJob(1, [1, -1], [atTime(0, 5)]); // first and last day of every month at 00:05
 * ```
 */
export function monthlyJob(interval: number, days: number[], atTimes: AtTime[]): MonthlyJobDefinition {
  validateInterval('MonthlyJob', interval, 'ERR_MONTHLY_JOB_ZERO_INTERVAL');
  if (!Array.isArray(days) || days.length === 0) {
    throw new TscronError(
      'ERR_MONTHLY_JOB_DAYS_NIL',
      'MonthlyJob: at least one day of the month is required',
    );
  }
  for (const day of days) {
    if (!Number.isInteger(day) || day === 0 || day < -31 || day > 31) {
      throw new TscronError(
        'ERR_MONTHLY_JOB_DAYS',
        `MonthlyJob: days must be in -31..-1 or 1..31, got ${describeValue(day)}`,
      );
    }
  }
  const times = validateAtTimes('MonthlyJob', atTimes, {
    nil: 'ERR_DAILY_JOB_AT_TIMES_NIL',
    hours: 'ERR_MONTHLY_JOB_HOURS',
    minutesSeconds: 'ERR_MONTHLY_JOB_MINUTES_SECONDS',
  });
  return { kind: 'monthly', interval, days: [...new Set(days)].sort((a, b) => a - b), atTimes: times };
}

/**
 * A job that runs once at each given instant, or once as soon as the scheduler runs it
 * (`'immediately'`). `newJob` drops the instants already past and rejects the job with
 * `ERR_ONE_TIME_JOB_START_DATE_TIME_PAST` only when every instant is past.
 */
export function oneTimeJob(at: 'immediately' | Date | number | Array<Date | number>): OneTimeJobDefinition {
  if (at === 'immediately') return { kind: 'oneTime', at };
  const list = Array.isArray(at) ? at : [at];
  if (list.length === 0) {
    throw new TscronError(
      'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST',
      'OneTimeJob: at least one instant is required',
    );
  }
  const instants = list.map((value) => {
    const ms = value instanceof Date ? value.getTime() : value;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `OneTimeJob: ${describeValue(value)} is not a valid instant`,
      );
    }
    return ms;
  });
  return { kind: 'oneTime', at: [...new Set(instants)].sort((a, b) => a - b) };
}
