import { hostname } from 'node:os';
import { type Clock, systemClock } from './clock.js';
import type { Elector, Locker } from './distributed.js';
import { type Duration, formatDuration, toMilliseconds } from './duration.js';
import { describeValue, TscronError } from './errors.js';
import type { Fleet } from './fleet.js';
import { checkJobOptions, type JobOptions, type LimitMode } from './job-options.js';
import { type Logger, silentLogger } from './logger.js';
import type { Monitor } from './monitor.js';
import { combineMonitors } from './monitors.js';
import type { RunHistory } from './run-history.js';
import { getTimeZone, localTimeZone, type TimeZone } from './zone/time-zone.js';

/**
 * Options of {@link createScheduler} (gocron's SchedulerOption functions as one object), validated
 * once when the scheduler is created.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({
 *   timeZone: 'Europe/Berlin',
 *   logger: console,
 *   limitConcurrentJobs: { limit: 4, mode: 'wait' },
 *   globalJobOptions: { singletonMode: 'reschedule', timeout: '5m' },
 * });
 * ```
 */
export interface SchedulerOptions {
  /** Where the time is read and the timer armed; tests pass a `FakeClock`. @default the system clock */
  clock?: Clock;
  /** IANA zone wall-clock schedules (cron, daily, weekly, monthly) are read in. @default the process's local zone */
  timeZone?: string;
  /**
   * Receives the scheduler's diagnostics; `console` and pino fit, `silentLogger` drops everything.
   * @default only a task failure or lock error that no event listener or monitor observes is
   * printed, once, with `console.error`; nothing else is logged
   */
  logger?: Logger;
  /** How long `stopJobs()` and `shutdown()` wait for running tasks. Must be > 0. @default '10s' */
  stopTimeout?: Duration;
  /**
   * At most `limit` runs at once across all jobs; a run beyond it is dropped (`'reschedule'`) or
   * queued (`'wait'`). @default no limit
   */
  limitConcurrentJobs?: { limit: number; mode: LimitMode };
  /** Only the leader runs jobs: asked before every run. @default none */
  elector?: Elector;
  /** Claims each run so that one instance among many runs it. @default none */
  locker?: Locker;
  /**
   * Makes this scheduler one replica of a fleet that acts as one scheduler (`RedisFleet`,
   * `PostgresFleet`, or `MemoryFleet` in one process), given beside the `locker`:
   *
   * - it heartbeats at start and every `heartbeat` of the fleet (with its clock offset from the
   *   server), and leaves the fleet on `stopJobs()` and `shutdown()`, so `fleet.replicas()` lists
   *   the live replicas;
   * - a job paused fleet-wide with `fleet.pause(name)` is paused here within one heartbeat (as
   *   `job.pause()` does), and resumed after `fleet.resume(name)`; {@link Scheduler.syncFleet}
   *   applies it at once;
   * - with the fleet's `balance: true`, the occurrences of jobs under a locker spread over the live
   *   replicas instead of going to the one whose clock runs ahead, still once each;
   * - jobs with `catchUpWithin` replay what the whole fleet missed while it was down
   *   (`missedRuns: 'once' | 'all'`).
   *
   * Give each replica its own `replica` name (the default, `<hostname>:<pid>`, is unique per
   * process). A failing fleet never stops runs: the scheduler keeps its last view of the fleet,
   * logs a warning once, and tries again at the next heartbeat.
   * @default none
   *
   * @example
   * ```ts
   * const locker = new RedisLocker({ client });
   * const fleet = new RedisFleet({ client, balance: true });
   * const scheduler = createScheduler({ locker, fleet });
   * ```
   */
  fleet?: Fleet;
  /**
   * Receives metrics and lifecycle events; several monitors (say Prometheus and OpenTelemetry) as an
   * array, each called in order. @default none
   */
  monitor?: Monitor | readonly Monitor[];
  /**
   * Where every run is recorded: start, end, status, error, replica (see `RunHistory`). Records are
   * written after the fact, off the run's path; a failing store is logged and skipped.
   * @default none
   */
  history?: RunHistory;
  /**
   * This instance's name in run records and fleet views.
   * @default `<hostname>:<pid>`
   */
  replica?: string;
  /** Defaults for every job's options; a job's own options win field by field. @default none */
  globalJobOptions?: JobOptions;
  /**
   * Whether the scheduler lets the process exit while it waits for the next run. By default a
   * started scheduler with a run ahead keeps Node alive, as `setInterval` does; with `true` the
   * process exits once nothing else holds it. After `stopJobs()` or `shutdown()` nothing of the
   * scheduler holds the process either way.
   * @default false
   */
  unref?: boolean;
  /**
   * The least time between two wakes of the scheduler's timer. With the default 0 every run starts
   * at its time (within a millisecond); a few milliseconds let runs due close together share one
   * wake, which saves CPU when thousands of jobs are spread over each second (every wake costs the
   * process a sleep and a wake-up), at the price of starting runs up to that much late. Runs never
   * start early either way.
   * @default 0
   *
   * @example
   * ```ts
   * // 20,000 jobs spread over every minute: runs start up to 4 ms late, wakes drop several-fold.
   * const scheduler = createScheduler({ timerSlack: '4ms' });
   * ```
   */
  timerSlack?: Duration;
}

/** Validated scheduler options with defaults filled in. */
export interface SchedulerConfig {
  readonly clock: Clock;
  readonly timeZone: TimeZone;
  readonly logger: Logger;
  /**
   * No logger was given: failures that nothing else observes go to `console.error`, so that a failing
   * task is never silent by default.
   */
  readonly printUnobserved: boolean;
  readonly stopTimeout: number;
  /** 0 when there is no limit. */
  readonly limit: number;
  readonly limitWait: boolean;
  readonly elector: Elector | undefined;
  readonly locker: Locker | undefined;
  readonly fleet: Fleet | undefined;
  readonly monitor: Monitor | undefined;
  readonly history: RunHistory | undefined;
  readonly replica: string;
  readonly globalJobOptions: JobOptions | undefined;
  readonly unref: boolean;
  /** Milliseconds; 0 for none. */
  readonly timerSlack: number;
}

const KNOWN = new Set<string>([
  'clock',
  'timeZone',
  'logger',
  'stopTimeout',
  'limitConcurrentJobs',
  'elector',
  'locker',
  'fleet',
  'monitor',
  'history',
  'replica',
  'globalJobOptions',
  'unref',
  'timerSlack',
]);

function invalid(message: string): never {
  throw new TscronError('ERR_INVALID_OPTION', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A logger whose own failures cannot escape into the scheduler. */
function guardLogger(logger: Logger): Logger {
  if (logger === silentLogger) return logger;
  const guard =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      try {
        logger[level](message, ...args);
      } catch {
        // A logger that throws has nowhere to report to.
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}

const FLEET_METHODS = [
  'heartbeat',
  'leave',
  'replicas',
  'pause',
  'resume',
  'pausedJobs',
  'lastCompleted',
  'recordCompleted',
] as const;

/** Throws `ERR_INVALID_OPTION` unless `fleet` is undefined or has the methods and settings of a Fleet. */
function checkFleet(fleet: unknown): void {
  if (fleet === undefined) return;
  const what = 'SchedulerOptions.fleet';
  if (!isObject(fleet)) invalid(`${what}: must be a Fleet, got ${describeValue(fleet)}`);
  const missing = FLEET_METHODS.filter((method) => typeof fleet[method] !== 'function');
  if (missing.length > 0) invalid(`${what}: must be a Fleet; it lacks ${missing.join('(), ')}()`);
  const settings = fleet.settings;
  if (
    !isObject(settings) ||
    typeof settings.heartbeatInterval !== 'number' ||
    !(settings.heartbeatInterval > 0) ||
    !Number.isFinite(settings.heartbeatInterval) ||
    typeof settings.balance !== 'boolean' ||
    typeof settings.balanceGrace !== 'number' ||
    !(settings.balanceGrace >= 0) ||
    !Number.isFinite(settings.balanceGrace)
  ) {
    invalid(
      `${what}.settings: must be { heartbeatInterval > 0, balance: boolean, balanceGrace >= 0 } in milliseconds, got ${describeValue(settings)}`,
    );
  }
}

/**
 * Throws `ERR_INVALID_OPTION` when a balanced fleet's grace reaches half the locker's `minHold`: no
 * claim goes out later than that after its occurrence, so no backup claim would ever be made, and an
 * occurrence whose picked replica died would be lost.
 */
function checkBalanceGrace(fleet: Fleet | undefined, locker: Locker | undefined): void {
  const hold = locker?.minHold;
  if (fleet === undefined || !fleet.settings.balance || hold === undefined || !(hold > 0)) return;
  const grace = fleet.settings.balanceGrace;
  if (grace < hold / 2) return;
  invalid(
    `SchedulerOptions.fleet: balanceGrace ${formatDuration(grace)} must be below half the locker's minHold of ${formatDuration(hold)}, since no claim goes out later than that after its occurrence`,
  );
}

/** Validates {@link SchedulerOptions}; throws a {@link TscronError} naming the option and value. */
export function resolveSchedulerOptions(options: SchedulerOptions | undefined): SchedulerConfig {
  if (options !== undefined && !isObject(options)) {
    invalid(`SchedulerOptions: must be an object, got ${String(options)}`);
  }
  const o: SchedulerOptions = options ?? {};
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) invalid(`SchedulerOptions: unknown option "${key}"`);
  }
  const clock = o.clock ?? systemClock;
  if (
    !isObject(clock as unknown) ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    invalid('SchedulerOptions.clock: must have now(), setTimeout() and clearTimeout()');
  }
  if (o.timeZone !== undefined && typeof o.timeZone !== 'string') {
    throw new TscronError(
      'ERR_INVALID_TIME_ZONE',
      `SchedulerOptions.timeZone: must be an IANA name, got ${String(o.timeZone)}`,
    );
  }
  const timeZone = o.timeZone === undefined ? localTimeZone() : getTimeZone(o.timeZone);
  const logger = o.logger ?? silentLogger;
  if (
    !isObject(logger as unknown) ||
    (['debug', 'info', 'warn', 'error'] as const).some((l) => typeof logger[l] !== 'function')
  ) {
    invalid('SchedulerOptions.logger: must have debug(), info(), warn() and error()');
  }
  let stopTimeout = 10_000;
  if (o.stopTimeout !== undefined) {
    stopTimeout = toMilliseconds(o.stopTimeout, 'SchedulerOptions.stopTimeout');
    if (stopTimeout <= 0) {
      throw new TscronError(
        'ERR_WITH_STOP_TIMEOUT_ZERO_OR_NEGATIVE',
        `SchedulerOptions.stopTimeout: must be > 0, got ${formatDuration(stopTimeout)}`,
      );
    }
  }
  let limit = 0;
  let limitWait = false;
  if (o.limitConcurrentJobs !== undefined) {
    const l = o.limitConcurrentJobs;
    if (!isObject(l as unknown)) invalid('SchedulerOptions.limitConcurrentJobs: must be { limit, mode }');
    if (typeof l.limit !== 'number' || !Number.isInteger(l.limit) || l.limit < 1) {
      throw new TscronError(
        'ERR_WITH_LIMIT_CONCURRENT_JOBS_ZERO',
        `SchedulerOptions.limitConcurrentJobs.limit: must be an integer >= 1, got ${String(l.limit)}`,
      );
    }
    if (l.mode !== 'reschedule' && l.mode !== 'wait') {
      invalid(
        `SchedulerOptions.limitConcurrentJobs.mode: must be 'reschedule' or 'wait', got ${String(l.mode)}`,
      );
    }
    limit = l.limit;
    limitWait = l.mode === 'wait';
  }
  if (
    o.elector !== undefined &&
    (!isObject(o.elector as unknown) || typeof o.elector.isLeader !== 'function')
  ) {
    invalid('SchedulerOptions.elector: must have isLeader()');
  }
  if (o.locker !== undefined && (!isObject(o.locker as unknown) || typeof o.locker.lock !== 'function')) {
    invalid('SchedulerOptions.locker: must have lock()');
  }
  checkFleet(o.fleet);
  checkBalanceGrace(o.fleet, o.locker);
  const monitors: readonly unknown[] =
    o.monitor === undefined ? [] : Array.isArray(o.monitor) ? o.monitor : [o.monitor];
  monitors.forEach((monitor, index) => {
    if (!isObject(monitor)) {
      const where = Array.isArray(o.monitor)
        ? `SchedulerOptions.monitor[${index}]`
        : 'SchedulerOptions.monitor';
      invalid(`${where}: must be an object, got ${describeValue(monitor)}`);
    }
  });
  if (
    o.history !== undefined &&
    (!isObject(o.history as unknown) ||
      typeof o.history.record !== 'function' ||
      typeof o.history.list !== 'function')
  ) {
    invalid(`SchedulerOptions.history: must have record() and list(), got ${describeValue(o.history)}`);
  }
  if (o.replica !== undefined && (typeof o.replica !== 'string' || o.replica.trim() === '')) {
    invalid(`SchedulerOptions.replica: must be a non-empty string, got ${describeValue(o.replica)}`);
  }
  checkJobOptions(o.globalJobOptions, 'SchedulerOptions.globalJobOptions');
  let timerSlack = 0;
  if (o.timerSlack !== undefined) {
    timerSlack = toMilliseconds(o.timerSlack, 'SchedulerOptions.timerSlack');
    if (timerSlack < 0 || timerSlack > 1000) {
      invalid(`SchedulerOptions.timerSlack: must be between 0 and 1s, got ${describeValue(o.timerSlack)}`);
    }
  }
  if (o.unref !== undefined && typeof o.unref !== 'boolean')
    invalid(`SchedulerOptions.unref: must be a boolean, got ${describeValue(o.unref)}`);
  return {
    clock,
    timeZone,
    logger: guardLogger(logger),
    printUnobserved: o.logger === undefined,
    stopTimeout,
    limit,
    limitWait,
    elector: o.elector,
    locker: o.locker,
    fleet: o.fleet,
    monitor: combineMonitors(monitors as Monitor[]),
    history: o.history,
    replica: o.replica ?? `${hostname()}:${process.pid}`,
    globalJobOptions: o.globalJobOptions,
    unref: o.unref === true,
    timerSlack,
  };
}
