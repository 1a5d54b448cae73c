import { compileCalendarSchedule } from './calendar-schedule.js';
import { type CompiledCron, compileCron } from './cron/compile.js';
import type { JobDefinition } from './definitions.js';
import { TscronError } from './errors.js';
import { getTimeZone, localTimeZone, type TimeZone } from './zone/time-zone.js';

/** How a wall time that a spring-forward gap skips is treated: run an hour later, or not that day. */
export type DstPolicy = 'shift' | 'skip';

/** What a job definition's schedule is computed against. */
export interface ScheduleContext {
  /** The zone wall times are read in (a cron `TZ=` prefix overrides it). */
  timeZone: TimeZone;
  dstPolicy: DstPolicy;
  /**
   * The instant the schedule counts from: a duration job runs at anchor + k * every, an interval
   * daily/weekly/monthly job's first period is the one holding the first match after the anchor.
   */
  anchor: number;
  /** Random numbers in [0, 1) for durationRandom jobs. @default Math.random */
  random?: () => number;
}

/** A compiled schedule: answers "when next, strictly after this instant?" */
export interface Schedule {
  /** The first run strictly after `after` (epoch ms), or `undefined` when there is none. */
  nextAfter(after: number): number | undefined;
  /** False for durationRandom: the same question can get a different answer. */
  readonly deterministic: boolean;
}

/**
 * A cron job's schedule when its compiled expression cannot serve as one itself (see
 * `CompiledCron.bind`). A class rather than a closure: a closure here would keep this module's
 * whole compile context (the definition, the context object) alive for each of many cron jobs.
 */
class CronSchedule implements Schedule {
  readonly deterministic = true;
  readonly #cron: CompiledCron;
  readonly #zone: TimeZone;
  readonly #dstPolicy: DstPolicy;
  readonly #anchor: number;

  constructor(cron: CompiledCron, zone: TimeZone, dstPolicy: DstPolicy, anchor: number) {
    this.#cron = cron;
    this.#zone = zone;
    this.#dstPolicy = dstPolicy;
    this.#anchor = anchor;
  }

  nextAfter(after: number): number | undefined {
    return this.#cron.next(after, this.#zone, this.#dstPolicy, this.#anchor);
  }
}

/**
 * A compiled cron expression as a schedule in `zone` (its own `TZ=` zone wins): the compiled
 * expression itself when it can serve as one, else a wrapper (see `CompiledCron.bind`).
 */
function cronSchedule(cron: CompiledCron, zone: TimeZone, dstPolicy: DstPolicy, anchor: number): Schedule {
  const own = cron.zone ?? zone;
  return cron.bind(own, dstPolicy) ?? new CronSchedule(cron, own, dstPolicy, anchor);
}

/**
 * The schedule of a cron expression in `zone`, for an expression already known to be valid and not
 * `@every` (so no anchor matters). It is compiled, or found in the cache, with a second field
 * allowed, which reads a five-field expression the same.
 */
export function cronScheduleIn(expression: string, zone: TimeZone, dstPolicy: DstPolicy): Schedule {
  return cronSchedule(compileCron(expression, true), zone, dstPolicy, 0);
}

/**
 * Compiles a job definition into its schedule.
 *
 * A duration job runs at `anchor + k * every` (k >= 1), so its runs never drift; interval daily,
 * weekly and monthly jobs count their periods from the first match after the anchor; a one-time
 * `'immediately'` job runs once, at the anchor.
 */
export function compileSchedule(definition: JobDefinition, context: ScheduleContext): Schedule {
  const { anchor } = context;
  switch (definition.kind) {
    case 'duration': {
      const every = definition.every;
      return {
        deterministic: true,
        nextAfter(after) {
          const periods = after < anchor ? 1 : Math.max(1, Math.floor((after - anchor) / every) + 1);
          return anchor + periods * every;
        },
      };
    }
    case 'durationRandom': {
      const { min, max } = definition;
      const random = context.random ?? Math.random;
      return {
        deterministic: false,
        nextAfter: (after) => after + min + Math.floor(random() * (max - min)),
      };
    }
    case 'cron': {
      const cron = compileCron(definition.expression, definition.withSeconds);
      return cronSchedule(cron, context.timeZone, context.dstPolicy, anchor);
    }
    case 'daily':
    case 'weekly':
    case 'monthly':
      return compileCalendarSchedule(definition, context.timeZone, context.dstPolicy, anchor);
    case 'oneTime': {
      const at = definition.at;
      if (at === 'immediately') {
        return { deterministic: true, nextAfter: (after) => (after < anchor ? anchor : undefined) };
      }
      return {
        deterministic: true,
        nextAfter(after) {
          // Instants are sorted ascending; lists are short, a linear scan is enough.
          for (const instant of at) if (instant > after) return instant;
          return undefined;
        },
      };
    }
    default:
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `unknown job definition kind "${String((definition as { kind?: unknown }).kind)}"`,
      );
  }
}

/** Options of {@link nextRuns}. */
export interface NextRunsOptions {
  /** Runs are listed strictly after this instant. @default now */
  from?: Date | number;
  /** IANA zone the wall times are read in. @default the process's local zone */
  timeZone?: string;
  /** How a wall time skipped by a spring-forward gap is treated. @default 'shift' */
  dstPolicy?: DstPolicy;
}

/**
 * The first `count` runs of a definition strictly after `from`, as a job created at `from` would see
 * them, without a scheduler. A one-time `'immediately'` job lists `from` itself.
 * Throws `ERR_NOT_DETERMINISTIC` for durationRandom jobs.
 *
 * @example
 * ```ts
 * nextRuns(cronJob('0 9 * * MON-FRI'), 3, { timeZone: 'Europe/London' });
 * nextRuns(dailyJob(2, [atTime(2, 30)]), 5, { from: new Date('2026-03-07'), timeZone: 'America/New_York' });
 * ```
 */
export function nextRuns(definition: JobDefinition, count: number, options: NextRunsOptions = {}): Date[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `nextRuns: count must be a non-negative integer, got ${count}`,
    );
  }
  if (definition?.kind === 'durationRandom') {
    throw new TscronError('ERR_NOT_DETERMINISTIC', 'nextRuns: a durationRandom job has no fixed schedule');
  }
  const from = options.from === undefined ? Date.now() : toInstant(options.from, 'nextRuns: from');
  const timeZone = options.timeZone === undefined ? localTimeZone() : getTimeZone(options.timeZone);
  const schedule = compileSchedule(definition, {
    timeZone,
    dstPolicy: options.dstPolicy ?? 'shift',
    anchor: from,
  });
  return collectRuns(
    schedule,
    definition.kind === 'oneTime' && definition.at === 'immediately' ? from - 1 : from,
    count,
  );
}

/** Up to `count` runs of a schedule strictly after `after`. */
function collectRuns(schedule: Schedule, after: number, count: number): Date[] {
  const runs: Date[] = [];
  let at: number | undefined = after;
  while (runs.length < count) {
    at = schedule.nextAfter(at);
    if (at === undefined) break;
    runs.push(new Date(at));
  }
  return runs;
}

/** Epoch milliseconds of a `Date | number`, or `ERR_INVALID_ARGUMENT` naming `what`. */
export function toInstant(value: Date | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `${what}: ${String(value)} is not a valid date or epoch milliseconds`,
    );
  }
  return ms;
}
