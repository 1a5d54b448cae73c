import { TscronError } from '../errors.js';
import type { DstPolicy, Schedule } from '../schedule.js';
import { daysFromCivil, MS_PER_DAY } from '../zone/civil.js';
import type { TimeZone } from '../zone/time-zone.js';
import { CompiledExpression } from './compiled-expression.js';
import { nextWall } from './next.js';
import { type CronFields, parseCron } from './parse.js';

/** A parsed, validated cron expression that answers "when next?". */
export interface CompiledCron {
  readonly expression: string;
  /** Zone from a `TZ=`/`CRON_TZ=` prefix (canonical IANA name), else undefined. */
  readonly timeZone: string | undefined;
  /** That zone itself. */
  readonly zone: TimeZone | undefined;
  /** Vixie-cron wildcard job: the minute or hour field starts with `*`. Not DST-adjusted. */
  readonly wildcard: boolean;
  /** `@every`: milliseconds between runs, counted from a job's anchor; else 0. */
  readonly every: number;
  /**
   * The first run strictly after `after` (epoch ms) in `zone` (a `TZ=` prefix wins over it), or
   * undefined when there is none within about 30 years. `anchor` is where `@every` counts from: it
   * runs at `anchor + k * every` for k >= 1.
   */
  next(after: number, zone: TimeZone, dstPolicy: DstPolicy, anchor: number): number | undefined;
  /**
   * This expression as the schedule of a job in `zone` under `dstPolicy`, when it can serve as one
   * itself: not `@every` (whose runs depend on the job's anchor), and `zone` and `dstPolicy` those
   * of the first call. Otherwise undefined, and the caller wraps it.
   */
  bind(zone: TimeZone, dstPolicy: DstPolicy): Schedule | undefined;
}

// Every satisfiable day pattern recurs within 28 years (Feb 29 on a given weekday); 2000-2028 holds
// no skipped leap year, so an expression with no match in it can never match.
const PROBE_FROM = daysFromCivil(2000, 1, 1) * MS_PER_DAY;
const PROBE_TO = daysFromCivil(2029, 1, 1) * MS_PER_DAY;

/**
 * Parses and validates without the cache. Throws `ERR_CRON_JOB_PARSE` (the message names the field,
 * the text and the expression), `ERR_INVALID_TIME_ZONE` for an unknown `TZ=` zone, and
 * `ERR_CRON_JOB_INVALID` when the expression can never fire.
 */
export function compileCronUncached(expression: string, withSeconds: boolean): CompiledCron {
  const compiled = new CompiledExpression(expression);
  try {
    parseCron(expression, withSeconds, compiled);
  } catch (error) {
    if (error instanceof TscronError) throw error;
    // A safety net: whatever the input, callers only ever see a TscronError.
    throw new TscronError('ERR_CRON_JOB_PARSE', `CronJob: cannot parse "${String(expression)}"`, {
      cause: error,
    });
  }
  if (
    compiled.every === 0 &&
    !surelySatisfiable(compiled) &&
    Number.isNaN(nextWall(compiled, PROBE_FROM, PROBE_TO))
  ) {
    throw new TscronError(
      'ERR_CRON_JOB_INVALID',
      `CronJob: "${expression}" never matches a date (e.g. a day that its months lack)`,
    );
  }
  compiled.monthKey = -1;
  return compiled;
}

/** The most days each month can have (February: 29), as a 31-bit day set each. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31].map((length) =>
  length === 31 ? 0x7fffffff : (1 << length) - 1,
);

/**
 * A shortcut past the search for expressions with no `L`, `W` or `#`: if some chosen day exists in
 * some chosen month, it falls on every weekday in some year, so the expression fires (day and
 * weekday both restricted: either may match). False means "search", not "never".
 */
function surelySatisfiable(fields: CronFields): boolean {
  if (
    (fields.lastDays |
      fields.nearestWeekdays |
      fields.lastWeekdays |
      fields.nthWeekdays |
      fields.fifthWeekdays) !==
      0 ||
    fields.lastWeekday
  ) {
    return false;
  }
  if (fields.weekdays === 0) return false;
  if (!fields.daysStar && !fields.weekdaysStar) return true;
  for (let month = 0; month < 12; month++) {
    if (((fields.months >>> month) & 1) === 1 && (fields.days & (MONTH_DAYS[month] as number)) !== 0)
      return true;
  }
  return false;
}

// The cache is direct-mapped: an expression's text picks one of CACHE_SIZE entries, and a miss
// overwrites it. Nothing is allocated per lookup or insert (a Map emptied when full grows its table
// again every time: a scheduler adding 100,000 distinct expressions paid megabytes for that).
const CACHE_SIZE = 1024;
const cachedText: (string | undefined)[] = new Array(CACHE_SIZE).fill(undefined);
const cachedWithSeconds: boolean[] = new Array(CACHE_SIZE).fill(false);
const cachedCompiled: (CompiledCron | undefined)[] = new Array(CACHE_SIZE).fill(undefined);

/** The cache entry of `expression` (FNV-1a over its UTF-16 code units). */
function entryOf(expression: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < expression.length; i++) hash = Math.imul(hash ^ expression.charCodeAt(i), 0x01000193);
  return (hash >>> 0) & (CACHE_SIZE - 1);
}

/**
 * Compiles a cron expression once; later calls with the same text and `withSeconds` return the
 * same object while it stays in the cache (1,024 entries). An expression compiled without a second
 * field is also returned when one is allowed: it reads the same. See {@link compileCronUncached}
 * for the errors.
 */
export function compileCron(expression: string, withSeconds: boolean): CompiledCron {
  if (typeof expression !== 'string') return compileCronUncached(expression, withSeconds);
  const entry = entryOf(expression);
  if (cachedText[entry] === expression && (cachedWithSeconds[entry] === withSeconds || withSeconds)) {
    return cachedCompiled[entry] as CompiledCron;
  }
  const compiled = compileCronUncached(expression, withSeconds);
  cachedText[entry] = expression;
  cachedWithSeconds[entry] = withSeconds;
  cachedCompiled[entry] = compiled;
  return compiled;
}

/** Empties the compile cache (for tests and benchmarks). */
export function clearCronCache(): void {
  cachedText.fill(undefined);
  cachedCompiled.fill(undefined);
}
