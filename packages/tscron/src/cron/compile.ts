import { TscronError } from '../errors.js';
import { daysFromCivil, MS_PER_DAY } from '../zone/civil.js';
import type { TimeZone } from '../zone/time-zone.js';
import { type CronProgram, nextInstant, nextWall } from './next.js';
import { type CronFields, parseCron } from './parse.js';

/** A parsed, validated cron expression that answers "when next?". */
export interface CompiledCron {
  readonly expression: string;
  /** Zone from a `TZ=`/`CRON_TZ=` prefix (canonical IANA name), else undefined. */
  readonly timeZone: string | undefined;
  /** Vixie-cron wildcard job: the minute or hour field starts with `*`. Not DST-adjusted. */
  readonly wildcard: boolean;
  /**
   * The first run strictly after `after` (epoch ms) in `zone` (a `TZ=` prefix wins over it), or
   * undefined when there is none within about 30 years. `anchor` is where `@every` counts from: it
   * runs at `anchor + k * every` for k >= 1.
   */
  next(after: number, zone: TimeZone, dstPolicy: 'shift' | 'skip', anchor: number): number | undefined;
}

class Compiled implements CompiledCron, CronProgram {
  readonly expression: string;
  readonly timeZone: string | undefined;
  readonly wildcard: boolean;
  readonly fields: CronFields;
  monthKey = -1;
  monthMask = 0;

  constructor(expression: string, fields: CronFields) {
    this.expression = expression;
    this.fields = fields;
    this.timeZone = fields.zone?.name;
    this.wildcard = fields.wildcard;
  }

  next(after: number, zone: TimeZone, dstPolicy: 'shift' | 'skip', anchor: number): number | undefined {
    const every = this.fields.every;
    if (every > 0) {
      const k = Math.max(1, Math.floor((after - anchor) / every) + 1);
      return anchor + k * every;
    }
    return nextInstant(this, after, this.fields.zone ?? zone, dstPolicy === 'shift');
  }
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
  let compiled: Compiled;
  try {
    compiled = new Compiled(expression, parseCron(expression, withSeconds));
  } catch (error) {
    if (error instanceof TscronError) throw error;
    // A safety net: whatever the input, callers only ever see a TscronError.
    throw new TscronError('ERR_CRON_JOB_PARSE', `CronJob: cannot parse "${String(expression)}"`, {
      cause: error,
    });
  }
  if (compiled.fields.every === 0 && Number.isNaN(nextWall(compiled, PROBE_FROM, PROBE_TO))) {
    throw new TscronError(
      'ERR_CRON_JOB_INVALID',
      `CronJob: "${expression}" never matches a date (e.g. a day that its months lack)`,
    );
  }
  compiled.monthKey = -1;
  return compiled;
}

const CACHE_LIMIT = 1024;
const cache = new Map<string, CompiledCron>();

/**
 * Compiles a cron expression once; later calls with the same text and `withSeconds` return the
 * same object. See {@link compileCronUncached} for the errors.
 */
export function compileCron(expression: string, withSeconds: boolean): CompiledCron {
  const key = withSeconds ? `s${expression}` : `m${expression}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const compiled = compileCronUncached(expression, withSeconds);
  if (cache.size >= CACHE_LIMIT) {
    // Oldest first: Map keeps insertion order.
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, compiled);
  return compiled;
}

/** Empties the compile cache (for tests and benchmarks). */
export function clearCronCache(): void {
  cache.clear();
}
