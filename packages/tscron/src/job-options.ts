import type { JobDefinition } from './definitions.js';
import type { Locker } from './distributed.js';
import { type Duration, formatDuration, toMilliseconds } from './duration.js';
import { describeValue, TscronError, type TscronErrorCode } from './errors.js';
import { type EventListeners, LISTENER_NAMES } from './listeners.js';
import type { DstPolicy } from './schedule.js';

/** What happens to a run that would overlap, or that finds the concurrency limit reached. */
export type LimitMode = 'reschedule' | 'wait';

/**
 * What happens to occurrences missed while the process slept or stalled (`'skip'`, `'once'`), and,
 * with a fleet and `catchUpWithin`, to those the whole fleet missed while it was down (`'once'`,
 * `'all'`).
 */
export type MissedRunPolicy = 'skip' | 'once' | 'all';

/** The most missed occurrences `missedRuns: 'all'` replays for one job at a start: the latest 100. */
export const MAX_CATCH_UP_RUNS = 100;

/** How a failed run is retried, within the same run (same signal, same lock, same slot). */
export interface RetryOptions {
  /** How many times a failed run is tried again (so `attempts: 2` calls the task up to 3 times). */
  attempts: number;
  /** Wait before the first retry. @default 0 */
  delay?: Duration;
  /** Each further retry waits `backoff` times longer than the one before. @default 1 */
  backoff?: number;
}

/**
 * Options of one job (gocron's JobOption functions as one object). All are optional; a scheduler's
 * `globalJobOptions` supply defaults, and a job's own options win field by field (event listeners
 * merge listener by listener).
 *
 * @example
 * ```ts
 * scheduler.newJob(cronJob('*\/5 * * * *'), sync, {
 *   name: 'sync',
 *   singletonMode: 'reschedule',
 *   timeout: '4m',
 *   retry: { attempts: 2, delay: '10s', backoff: 2 },
 * });
 * ```
 */
export interface JobOptions {
  /** A human-readable name, also the lock key under a locker. Non-empty. @default the task function's name, else the id */
  name?: string;
  /** Labels for {@link Scheduler.removeByTags}. @default [] */
  tags?: string[];
  /** The job's id; must be unique in the scheduler. @default `crypto.randomUUID()` */
  id?: string;
  /**
   * Never run this job twice at once: `'reschedule'` drops a run that finds the previous one still
   * running, `'wait'` queues it until the previous one ends. @default undefined (runs may overlap)
   */
  singletonMode?: LimitMode;
  /** Remove the job after this many runs (a `runNow()` counts). At least 1. @default unlimited */
  limitedRuns?: number;
  /**
   * The first run: `'immediately'` when the scheduler starts (or at once if it runs already), or an
   * instant; later runs follow the definition from there. A past instant throws
   * `ERR_WITH_START_DATE_TIME_PAST` unless `startAtPast` is set, or it passed less than
   * `startAtGrace` ago. @default the definition's first occurrence
   */
  startAt?: 'immediately' | Date | number;
  /**
   * Accept a `startAt` in the past (gocron's WithStartDateTimePast): it anchors the schedule (a
   * duration job runs at `startAt + k * every`, an interval of days, weeks or months counts from it)
   * and the first run is the first occurrence after now.
   * @default false
   */
  startAtPast?: boolean;
  /**
   * A first run whose time passed less than this long ago still runs once, late (gocron's
   * WithStartAtGrace): a `startAt` that passed while the program started, or an occurrence missed by
   * a few moments because the job was added or the scheduler started just after it.
   * @default 0 (a past first run is never made up)
   *
   * @example
   * ```ts
   * // Deployed at 09:00:00.400: the 09:00 run still happens, 0.4 s late.
   * scheduler.newJob(cronJob('0 9 * * *'), report, { name: 'report', startAtGrace: '5s' });
   * ```
   */
  startAtGrace?: Duration;
  /** No run starts at or after this instant. @default never */
  stopAt?: Date | number;
  /** Callbacks around each run. */
  eventListeners?: EventListeners;
  /** Aborting this signal removes the job (gocron's WithContext). */
  signal?: AbortSignal;
  /** This job's own locker, or `false` to run without the scheduler's locker. @default the scheduler's */
  locker?: Locker | false;
  /**
   * Duration jobs: count the interval from the end of each run instead of its scheduled time. Other
   * kinds ignore it, as gocron does (so it can be set in `globalJobOptions`). @default false
   */
  intervalFromCompletion?: boolean;
  /** A wall time skipped by a spring-forward gap runs at the same offset after it, or not that day. @default 'shift' */
  dstPolicy?: DstPolicy;
  /**
   * Abort a run's signal after this long; the run then fails with a `TscronError` coded
   * `ERR_JOB_TIMED_OUT`. Covers retries. @default none
   */
  timeout?: Duration;
  /** Retry a failed run. @default no retries */
  retry?: RetryOptions;
  /**
   * After the process slept or stalled, or the wall clock jumped forward: `'once'` runs one missed
   * occurrence late and goes on from the next one due; `'skip'` drops an occurrence noticed more than
   * a second late and waits for the next one. A stalled process never replays a backlog: `'all'`
   * behaves as `'once'` there.
   *
   * With a fleet (`SchedulerOptions.fleet`) and {@link JobOptions.catchUpWithin}, it also says what
   * happens to the occurrences the whole fleet missed while it was down: `'once'` runs the latest of
   * them, `'all'` runs each of them in order (at most the latest 100), once fleet-wide; `'skip'`
   * runs none.
   * @default 'once'
   */
  missedRuns?: MissedRunPolicy;
  /**
   * With a fleet (`SchedulerOptions.fleet`): replay occurrences that the whole fleet missed while it
   * was down (a deploy, an outage), if they fell within this long before the scheduler started (or
   * before the job was added to a started scheduler). The fleet stores each such job's last
   * completed occurrence; the occurrences after it and before the job's next run are the missed
   * ones, and `missedRuns` says how many of them run (`'once'`: the latest, `'all'`: each, at most
   * 100). Each runs with `scheduledAt` set to its occurrence, claimed through the locker (or run by
   * the elector's leader), so replicas starting together run it once fleet-wide. A job with no
   * completed occurrence on record has nothing to catch up. Without a fleet it has no effect;
   * one-time and `durationRandom` jobs, and jobs with `intervalFromCompletion`, ignore it (their
   * occurrences are not shared by the replicas), so that it can be set in `globalJobOptions`.
   * @default none (no catch-up)
   *
   * @example
   * ```ts
   * // After a deploy that took the fleet down over 02:00, the nightly export still runs once.
   * scheduler.newJob(cronJob('0 2 * * *'), nightlyExport, { name: 'export', catchUpWithin: '6h' });
   * ```
   */
  catchUpWithin?: Duration;
  /** Delay each run by a random time in [0, jitter), to spread load. `scheduledAt` is unchanged. @default 0 */
  jitter?: Duration;
}

/**
 * The validated options of a job that shape its runs, with defaults filled in. A job whose options
 * only name, tag or identify it shares {@link DEFAULT_JOB_CONFIG}.
 */
export interface JobConfig {
  /** 0: off, 1: reschedule, 2: wait. */
  readonly singleton: 0 | 1 | 2;
  readonly limitedRuns: number;
  /** `undefined`, `'immediately'` or an instant. */
  readonly startAt: 'immediately' | number | undefined;
  /** A past `startAt` anchors the schedule. */
  readonly startAtPast: boolean;
  /** How late a first run may still run, ms. */
  readonly startAtGrace: number;
  readonly stopAt: number;
  readonly listeners: EventListeners | undefined;
  readonly signal: AbortSignal | undefined;
  readonly locker: Locker | false | undefined;
  readonly intervalFromCompletion: boolean;
  readonly dstPolicy: DstPolicy;
  readonly timeout: number;
  readonly retries: number;
  readonly retryDelay: number;
  readonly backoff: number;
  readonly skipMissed: boolean;
  /** `missedRuns: 'all'`. */
  readonly catchUpAll: boolean;
  /** `catchUpWithin` in ms; 0 for none. */
  readonly catchUpWithin: number;
  readonly jitter: number;
}

const KNOWN = new Set<string>([
  'name',
  'tags',
  'id',
  'singletonMode',
  'limitedRuns',
  'startAt',
  'startAtPast',
  'startAtGrace',
  'stopAt',
  'eventListeners',
  'signal',
  'locker',
  'intervalFromCompletion',
  'dstPolicy',
  'timeout',
  'retry',
  'missedRuns',
  'catchUpWithin',
  'jitter',
]);

const EMPTY_TAGS: readonly string[] = Object.freeze([]);

/** The configuration of a job with no options. */
export const DEFAULT_JOB_CONFIG: JobConfig = Object.freeze({
  singleton: 0,
  limitedRuns: Number.POSITIVE_INFINITY,
  startAt: undefined,
  startAtPast: false,
  startAtGrace: 0,
  stopAt: Number.POSITIVE_INFINITY,
  listeners: undefined,
  signal: undefined,
  locker: undefined,
  intervalFromCompletion: false,
  dstPolicy: 'shift',
  timeout: 0,
  retries: 0,
  retryDelay: 0,
  backoff: 1,
  skipMissed: false,
  catchUpAll: false,
  catchUpWithin: 0,
  jitter: 0,
});

function fail(code: TscronErrorCode, message: string): never {
  throw new TscronError(code, message);
}

function instant(value: unknown, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    fail('ERR_INVALID_OPTION', `${what}: ${describeValue(value)} is not a valid Date or epoch milliseconds`);
  }
  return ms;
}

/** Throws `ERR_INVALID_OPTION` naming `what` unless `value` can be listened to as an AbortSignal. */
export function checkSignal(value: unknown, what: string): void {
  const signal = value as Partial<AbortSignal> | null;
  if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
    fail('ERR_INVALID_OPTION', `${what}: must be an AbortSignal, got ${describeValue(value)}`);
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) {
    fail(
      'ERR_INVALID_OPTION',
      `${what}: must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

/**
 * Checks the shape of a {@link JobOptions} object (everything that does not depend on the time or the
 * definition). Throws a {@link TscronError} naming the option and the bad value.
 */
export function checkJobOptions(options: JobOptions | undefined, what = 'JobOptions'): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('ERR_INVALID_OPTION', `${what}: must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail('ERR_INVALID_OPTION', `${what}: unknown option "${key}"`);
  }
  const o = options;
  if (o.name !== undefined) {
    if (typeof o.name !== 'string')
      fail('ERR_INVALID_OPTION', `${what}.name: must be a string, got ${describeValue(o.name)}`);
    if (o.name.trim() === '')
      fail('ERR_WITH_NAME_EMPTY', `${what}.name: must not be empty, got ${describeValue(o.name)}`);
  }
  if (o.tags !== undefined) {
    if (!Array.isArray(o.tags) || o.tags.some((tag) => typeof tag !== 'string')) {
      fail('ERR_INVALID_OPTION', `${what}.tags: must be an array of strings, got ${describeValue(o.tags)}`);
    }
  }
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id === '')) {
    fail('ERR_WITH_IDENTIFIER_NIL', `${what}.id: must be a non-empty string, got ${describeValue(o.id)}`);
  }
  if (o.singletonMode !== undefined) oneOf(o.singletonMode, ['reschedule', 'wait'], `${what}.singletonMode`);
  if (o.limitedRuns !== undefined) {
    if (typeof o.limitedRuns !== 'number' || Number.isNaN(o.limitedRuns)) {
      fail(
        'ERR_INVALID_OPTION',
        `${what}.limitedRuns: must be a number, got ${describeValue(o.limitedRuns)}`,
      );
    }
    if (o.limitedRuns < 1) {
      fail('ERR_WITH_LIMITED_RUNS_ZERO', `${what}.limitedRuns: must be at least 1, got ${o.limitedRuns}`);
    }
    if (!Number.isInteger(o.limitedRuns)) {
      fail('ERR_INVALID_OPTION', `${what}.limitedRuns: must be an integer, got ${o.limitedRuns}`);
    }
  }
  if (o.startAt !== undefined && o.startAt !== 'immediately') instant(o.startAt, `${what}.startAt`);
  if (o.startAtPast !== undefined && typeof o.startAtPast !== 'boolean') {
    fail('ERR_INVALID_OPTION', `${what}.startAtPast: must be a boolean, got ${describeValue(o.startAtPast)}`);
  }
  if (o.startAtGrace !== undefined) {
    const ms = toMilliseconds(o.startAtGrace, `${what}.startAtGrace`);
    if (ms < 0) {
      fail('ERR_INVALID_OPTION', `${what}.startAtGrace: must be >= 0, got ${describeValue(o.startAtGrace)}`);
    }
  }
  if (o.stopAt !== undefined) instant(o.stopAt, `${what}.stopAt`);
  if (o.eventListeners !== undefined) {
    const listeners = o.eventListeners as Record<string, unknown>;
    if (typeof listeners !== 'object' || listeners === null) {
      fail(
        'ERR_INVALID_OPTION',
        `${what}.eventListeners: must be an object, got ${describeValue(listeners)}`,
      );
    }
    for (const key of Object.keys(listeners)) {
      if (!(LISTENER_NAMES as readonly string[]).includes(key)) {
        fail('ERR_INVALID_OPTION', `${what}.eventListeners: unknown listener "${key}"`);
      }
      const fn = listeners[key];
      if (fn !== undefined && typeof fn !== 'function') {
        fail(
          'ERR_INVALID_OPTION',
          `${what}.eventListeners.${key}: must be a function, got ${describeValue(fn)}`,
        );
      }
    }
  }
  if (o.signal !== undefined) checkSignal(o.signal, `${what}.signal`);
  if (o.locker !== undefined && o.locker !== false) {
    if (typeof o.locker !== 'object' || o.locker === null || typeof o.locker.lock !== 'function') {
      fail(
        'ERR_INVALID_OPTION',
        `${what}.locker: must be a Locker (with lock()) or false, got ${describeValue(o.locker)}`,
      );
    }
  }
  if (o.intervalFromCompletion !== undefined && typeof o.intervalFromCompletion !== 'boolean') {
    fail(
      'ERR_INVALID_OPTION',
      `${what}.intervalFromCompletion: must be a boolean, got ${describeValue(o.intervalFromCompletion)}`,
    );
  }
  if (o.dstPolicy !== undefined) oneOf(o.dstPolicy, ['shift', 'skip'], `${what}.dstPolicy`);
  if (o.timeout !== undefined) {
    const ms = toMilliseconds(o.timeout, `${what}.timeout`);
    if (ms <= 0) fail('ERR_INVALID_OPTION', `${what}.timeout: must be > 0, got ${formatDuration(ms)}`);
  }
  if (o.retry !== undefined) {
    const retry = o.retry;
    if (typeof retry !== 'object' || retry === null) {
      fail('ERR_INVALID_OPTION', `${what}.retry: must be an object, got ${describeValue(retry)}`);
    }
    if (!Number.isInteger(retry.attempts) || retry.attempts < 0) {
      fail(
        'ERR_INVALID_OPTION',
        `${what}.retry.attempts: must be an integer >= 0, got ${describeValue(retry.attempts)}`,
      );
    }
    if (retry.delay !== undefined) {
      const ms = toMilliseconds(retry.delay, `${what}.retry.delay`);
      if (ms < 0) fail('ERR_INVALID_OPTION', `${what}.retry.delay: must be >= 0, got ${formatDuration(ms)}`);
    }
    if (retry.backoff !== undefined && !(Number.isFinite(retry.backoff) && retry.backoff >= 1)) {
      fail(
        'ERR_INVALID_OPTION',
        `${what}.retry.backoff: must be a number >= 1, got ${describeValue(retry.backoff)}`,
      );
    }
  }
  if (o.missedRuns !== undefined) oneOf(o.missedRuns, ['skip', 'once', 'all'], `${what}.missedRuns`);
  if (o.catchUpWithin !== undefined) {
    const ms = toMilliseconds(o.catchUpWithin, `${what}.catchUpWithin`);
    if (ms <= 0) {
      fail('ERR_INVALID_OPTION', `${what}.catchUpWithin: must be > 0, got ${describeValue(o.catchUpWithin)}`);
    }
  }
  if (o.jitter !== undefined) {
    const ms = toMilliseconds(o.jitter, `${what}.jitter`);
    if (ms < 0) fail('ERR_INVALID_OPTION', `${what}.jitter: must be >= 0, got ${formatDuration(ms)}`);
  }
}

function isDefault(config: JobConfig): boolean {
  for (const key of Object.keys(DEFAULT_JOB_CONFIG) as (keyof JobConfig)[]) {
    if (config[key] !== DEFAULT_JOB_CONFIG[key]) return false;
  }
  return true;
}

/** Who a job is: its name, tags and id options (a job's own win over the global ones). */
export interface JobIdentity {
  readonly name: string | undefined;
  readonly tags: readonly string[];
  readonly id: string | undefined;
}

/** A job with no name, tags or id options. */
const NO_IDENTITY: JobIdentity = Object.freeze({ name: undefined, tags: EMPTY_TAGS, id: undefined });

/** The identity options of a job; both inputs must have passed {@link checkJobOptions}. */
export function resolveJobIdentity(global: JobOptions | undefined, own: JobOptions | undefined): JobIdentity {
  if (own === undefined && global === undefined) return NO_IDENTITY;
  const tags = own?.tags ?? global?.tags;
  return {
    name: own?.name ?? global?.name,
    tags: tags === undefined || tags.length === 0 ? EMPTY_TAGS : tags.slice(),
    id: own?.id ?? global?.id,
  };
}

function mergeListeners(
  global: EventListeners | undefined,
  own: EventListeners | undefined,
): EventListeners | undefined {
  if (global === undefined) return own;
  if (own === undefined) return global;
  const merged: Record<string, unknown> = {};
  for (const key of LISTENER_NAMES) {
    const fn = own[key] ?? global[key];
    if (fn !== undefined) merged[key] = fn;
  }
  return merged as EventListeners;
}

/**
 * Merges a job's options over the scheduler's global ones and checks what depends on the time
 * (`now`) and the definition. Both inputs must have passed {@link checkJobOptions}.
 */
export function resolveJobOptions(
  global: JobOptions | undefined,
  own: JobOptions | undefined,
  definition: JobDefinition,
  now: number,
): JobConfig {
  if (global === undefined && own === undefined) return DEFAULT_JOB_CONFIG;
  return mergeJobOptions(global, own, definition, now);
}

/** {@link resolveJobOptions} with options given: apart, so that its closure costs nothing otherwise. */
function mergeJobOptions(
  global: JobOptions | undefined,
  own: JobOptions | undefined,
  definition: JobDefinition,
  now: number,
): JobConfig {
  const pick = <K extends keyof JobOptions>(key: K): JobOptions[K] | undefined => own?.[key] ?? global?.[key];
  const startAtOption = pick('startAt');
  const stopAtOption = pick('stopAt');
  const startAtPast = pick('startAtPast') ?? false;
  const grace = pick('startAtGrace');
  const startAtGrace = grace === undefined ? 0 : toMilliseconds(grace);
  let startAt: 'immediately' | number | undefined;
  if (startAtOption === 'immediately') startAt = 'immediately';
  else if (startAtOption !== undefined) {
    startAt = instant(startAtOption, 'startAt');
    if (startAt < now && !startAtPast && now - startAt >= startAtGrace) {
      fail(
        'ERR_WITH_START_DATE_TIME_PAST',
        `startAt: ${new Date(startAt).toISOString()} is in the past (now is ${new Date(now).toISOString()})`,
      );
    }
  }
  let stopAt = Number.POSITIVE_INFINITY;
  if (stopAtOption !== undefined) {
    stopAt = instant(stopAtOption, 'stopAt');
    if (stopAt < now) {
      fail(
        'ERR_WITH_STOP_DATE_TIME_PAST',
        `stopAt: ${new Date(stopAt).toISOString()} is in the past (now is ${new Date(now).toISOString()})`,
      );
    }
    if (typeof startAt === 'number' && startAt > stopAt) {
      fail(
        'ERR_START_TIME_LATER_THAN_END_TIME',
        `startAt ${new Date(startAt).toISOString()} is later than stopAt ${new Date(stopAt).toISOString()}`,
      );
    }
  }
  // As in gocron, only intervals can count from a run's end; other kinds ignore the option.
  const intervalFromCompletion =
    (pick('intervalFromCompletion') ?? false) &&
    (definition.kind === 'duration' || definition.kind === 'durationRandom');
  const singletonMode = pick('singletonMode');
  const retry = pick('retry');
  const timeout = pick('timeout');
  const jitter = pick('jitter');
  const missedRuns = pick('missedRuns');
  const catchUpWithin = pick('catchUpWithin');
  const config: JobConfig = {
    singleton: singletonMode === undefined ? 0 : singletonMode === 'reschedule' ? 1 : 2,
    limitedRuns: pick('limitedRuns') ?? Number.POSITIVE_INFINITY,
    startAt,
    startAtPast,
    startAtGrace,
    stopAt,
    listeners: mergeListeners(global?.eventListeners, own?.eventListeners),
    signal: pick('signal'),
    locker: own?.locker !== undefined ? own.locker : global?.locker,
    intervalFromCompletion,
    dstPolicy: pick('dstPolicy') ?? 'shift',
    timeout: timeout === undefined ? 0 : toMilliseconds(timeout),
    retries: retry?.attempts ?? 0,
    retryDelay: retry?.delay === undefined ? 0 : toMilliseconds(retry.delay),
    backoff: retry?.backoff ?? 1,
    skipMissed: missedRuns === 'skip',
    catchUpAll: missedRuns === 'all',
    catchUpWithin: catchUpWithin === undefined ? 0 : toMilliseconds(catchUpWithin),
    jitter: jitter === undefined ? 0 : toMilliseconds(jitter),
  };
  return isDefault(config) ? DEFAULT_JOB_CONFIG : config;
}
