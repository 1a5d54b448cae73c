import { type JobOptions, TscronError } from 'tscron';
import { describeValue } from './describe-value.js';

/**
 * The options of the `cron` package's `CronJob` that `@Cron` and `CronJob.from` read beside tscron's
 * own `JobOptions`.
 */
export interface CronFields {
  /** The IANA zone the expression is read in. @default the scheduler's zone (`TscronModule`'s `timeZone`) */
  timeZone?: string | null;
  /**
   * Instead of `timeZone`: a fixed offset in minutes east of UTC (`-300` for UTC-05:00). It must be a
   * whole number of hours from -720 to +840 (read in the `Etc/GMT` zone of that offset); any other
   * offset throws `ERR_INVALID_TIME_ZONE`, naming IANA zones to use instead. @default none
   */
  utcOffset?: number | null;
  /**
   * Skip a run that falls due while the previous one still runs: `singletonMode: 'reschedule'`
   * (an explicit `singletonMode` wins). @default false
   */
  waitForCompletion?: boolean | null;
  /**
   * Milliseconds by which an occurrence may have passed when the job starts and still run, late:
   * `startAtGrace` (an explicit `startAtGrace` wins). Runs missed while the process stalls follow
   * `missedRuns`. @default none (an occurrence passed at start is not made up)
   */
  threshold?: number | null;
  /**
   * Accepted for compatibility, without effect: tscron has one timer per scheduler; let the process
   * exit while jobs wait with `TscronModule.forRoot({ unref: true })`. @default false
   */
  unrefTimeout?: boolean | null;
}

/** The option names {@link jobOptionsOf} reads itself; the rest are tscron `JobOptions`. */
const CRON_FIELDS = ['timeZone', 'utcOffset', 'waitForCompletion', 'threshold', 'unrefTimeout'] as const;

/** A boolean option, false when not given. */
export function checkBoolean(value: unknown, option: string, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: ${option} must be a boolean, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A number of milliseconds >= 0, or undefined when not given. */
export function checkMilliseconds(value: unknown, option: string, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: ${option} must be a number of milliseconds >= 0, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Splits options of the `cron` package's shape from tscron `JobOptions` and maps them:
 * `waitForCompletion` to `singletonMode: 'reschedule'`, `threshold` to `startAtGrace`. The zone
 * fields are read by the cron time; `rest` keeps what the caller reads itself.
 */
export function jobOptionsOf(
  options: Readonly<Record<string, unknown>>,
  where: string,
): {
  jobOptions: JobOptions;
  waitForCompletion: boolean;
  threshold: number | undefined;
  unrefTimeout: boolean;
} {
  const waitForCompletion = checkBoolean(options.waitForCompletion, 'waitForCompletion', where);
  const unrefTimeout = checkBoolean(options.unrefTimeout, 'unrefTimeout', where);
  const threshold = checkMilliseconds(options.threshold, 'threshold', where);
  const jobOptions: Record<string, unknown> = {};
  if (waitForCompletion) jobOptions.singletonMode = 'reschedule';
  if (threshold !== undefined) jobOptions.startAtGrace = threshold;
  for (const [key, value] of Object.entries(options)) {
    if (!(CRON_FIELDS as readonly string[]).includes(key) && value !== undefined) jobOptions[key] = value;
  }
  return { jobOptions: jobOptions as JobOptions, waitForCompletion, threshold, unrefTimeout };
}
