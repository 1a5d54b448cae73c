import { cronJob, type JobDefinition, oneTimeJob, TscronError } from 'tscron';
import { describeValue } from './describe-value.js';
import { located } from './located.js';
import { zoneOfUtcOffset } from './utc-offset.js';

/** What tscron reads of a luxon `DateTime` (the `cron` package's other kind of instant). */
export interface DateTimeLike {
  toJSDate(): Date;
}

/** When a cron job runs: a cron expression, or one instant (a `Date` or a luxon `DateTime`). */
export type CronTimeSource = string | Date | DateTimeLike;

/** The `cron` package's descriptors that tscron's cron syntax does not have, as six fields. */
const PRESETS: Readonly<Record<string, string>> = {
  '@minutely': '0 * * * * *',
  '@secondly': '* * * * * *',
  '@weekdays': '0 0 0 * * 1-5',
  '@weekends': '0 0 0 * * 0,6',
};

const ZONE_PREFIX = /^\s*(?:CRON_)?TZ=/i;

function isDateTimeLike(value: unknown): value is DateTimeLike {
  return (
    typeof value === 'object' && value !== null && typeof (value as DateTimeLike).toJSDate === 'function'
  );
}

/**
 * The tscron job definition of a cron time as the `cron` package reads it: an expression of five or
 * six fields (seconds first) read in `timeZone`, or in the fixed offset `utcOffset` (minutes east of
 * UTC), else in the scheduler's zone; or one instant. Throws a `TscronError` naming `where`.
 */
export function definitionOf(
  source: unknown,
  timeZone: unknown,
  utcOffset: unknown,
  where: string,
): JobDefinition {
  const hasZone = timeZone !== undefined && timeZone !== null;
  const hasOffset = utcOffset !== undefined && utcOffset !== null;
  if (hasZone && hasOffset) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: give timeZone or utcOffset, not both (got ${describeValue(timeZone)} and ${describeValue(utcOffset)})`,
    );
  }
  if (hasZone && (typeof timeZone !== 'string' || timeZone.trim() === '')) {
    throw new TscronError(
      'ERR_INVALID_TIME_ZONE',
      `${where}: timeZone must be an IANA zone name such as "Europe/Paris", got ${describeValue(timeZone)}`,
    );
  }
  const instant = source instanceof Date ? source : isDateTimeLike(source) ? source.toJSDate() : undefined;
  if (instant !== undefined) return located(where, () => oneTimeJob(instant));
  if (typeof source !== 'string' || source.trim() === '') {
    throw new TscronError(
      'ERR_CRON_JOB_PARSE',
      `${where}: the cron time must be a cron expression, a Date or a luxon DateTime, got ${describeValue(source)}`,
    );
  }
  const zone = hasZone ? (timeZone as string) : hasOffset ? zoneOfUtcOffset(utcOffset, where) : undefined;
  if (zone !== undefined && ZONE_PREFIX.test(source)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: the expression ${describeValue(source)} names its zone already; drop timeZone or utcOffset`,
    );
  }
  const expression = PRESETS[source.trim().toLowerCase()] ?? source;
  const text = zone === undefined ? expression : `TZ=${zone} ${expression}`;
  return located(where, () => cronJob(text, { withSeconds: true }));
}

/**
 * A cron time as the `cron` package's `CronTime` holds it: its source and zone, checked when made.
 * `CronJob#setTime` takes one (or a `cron` package `CronTime`).
 *
 * @example
 * ```ts
 * registry.getCronJob('report').setTime(new CronTime('0 30 9 * * *', 'Europe/London'));
 * ```
 */
export class CronTime {
  /** The expression, `Date` or luxon `DateTime` it was made from. */
  readonly source: CronTimeSource;
  /** The IANA zone the expression is read in, if one was given. */
  readonly timeZone: string | undefined;
  /** The fixed offset (minutes east of UTC) the expression is read at, if one was given. */
  readonly utcOffset: number | undefined;
  /** Whether it is one instant rather than an expression. */
  readonly realDate: boolean;
  /** The tscron job definition it stands for. */
  readonly definition: JobDefinition;

  /**
   * @param source A cron expression (five fields, or six with the seconds first), a `Date` or a
   *   luxon `DateTime`.
   * @param timeZone The IANA zone to read the expression in. @default the scheduler's zone
   * @param utcOffset Instead of `timeZone`: a fixed offset in minutes east of UTC, a whole number of
   *   hours. @default none
   */
  constructor(source: CronTimeSource, timeZone?: string | null, utcOffset?: number | null) {
    this.definition = definitionOf(source, timeZone, utcOffset, `CronTime(${describeValue(source)})`);
    this.source = source;
    this.timeZone = timeZone ?? undefined;
    this.utcOffset = utcOffset ?? undefined;
    this.realDate = this.definition.kind === 'oneTime';
  }

  /** The expression, or the instant in ISO 8601. */
  toString(): string {
    const source = this.source;
    return typeof source === 'string'
      ? source
      : (isDateTimeLike(source) ? source.toJSDate() : source).toISOString();
  }
}
