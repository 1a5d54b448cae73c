// Reading the options every Fleet backend shares (heartbeat, balance, balanceGrace).
import type { Duration } from '../duration.js';
import { describeValue, TscronError } from '../errors.js';
import type { FleetSettings } from '../fleet.js';
import { durationOption, requireShorter } from './options.js';

/** The options every fleet takes, as the user passes them. */
export interface FleetOptions {
  /**
   * How often each replica heartbeats. A replica missing for 3 heartbeats is gone; a fleet-wide pause
   * reaches every replica within one.
   * @default '5s'
   */
  heartbeat?: Duration | undefined;
  /**
   * Spread occurrences evenly over the live replicas instead of letting the replica whose clock runs
   * ahead claim nearly all of them. Each occurrence is still claimed through the locker, so it still
   * runs once.
   * @default false
   */
  balance?: boolean | undefined;
  /**
   * With `balance`, how long the replicas an occurrence did not pick wait before they claim it
   * themselves (measured on the server's clock, so clock skew between replicas does not eat into it).
   * Keep it shorter than the locker's `minHold`, which keeps a finished occurrence claimed.
   * @default '1s'
   */
  balanceGrace?: Duration | undefined;
}

/**
 * Reads and checks a fleet's options: `heartbeat` (default 5 s, at least 10 ms), `balance` (default
 * false) and `balanceGrace` (default 1 s, shorter than 3 heartbeats). Throws `ERR_INVALID_OPTION` or
 * `ERR_INVALID_DURATION`.
 *
 * @param owner - names the fleet in messages, e.g. `'RedisFleet'`.
 */
export function fleetSettings(owner: string, options: FleetOptions): FleetSettings {
  const heartbeatInterval = durationOption(options.heartbeat, 5000, `${owner} heartbeat`, 10);
  if (options.balance !== undefined && typeof options.balance !== 'boolean') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner} balance: must be a boolean, got ${describeValue(options.balance)}`,
    );
  }
  const balanceGrace = durationOption(options.balanceGrace, 1000, `${owner} balanceGrace`, 0);
  requireShorter(`${owner} balanceGrace`, balanceGrace, '3 heartbeats', 3 * heartbeatInterval);
  return { heartbeatInterval, balance: options.balance === true, balanceGrace };
}

/**
 * Throws `ERR_INVALID_OPTION` unless `jobName` is a non-empty string of at most 1,000 characters, as
 * every fleet method taking a job name requires.
 */
export function checkJobName(owner: string, method: string, jobName: unknown): asserts jobName is string {
  if (typeof jobName !== 'string' || jobName.length === 0 || jobName.length > 1000) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner}.${method}: job name must be a string of 1 to 1000 characters, got ${describeValue(jobName)}`,
    );
  }
}

/** Throws `ERR_INVALID_OPTION` unless `scheduledAt` is a valid Date. */
export function checkScheduledAt(
  owner: string,
  method: string,
  scheduledAt: unknown,
): asserts scheduledAt is Date {
  if (!(scheduledAt instanceof Date) || Number.isNaN(scheduledAt.getTime())) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner}.${method}: scheduledAt must be a valid Date, got ${describeValue(scheduledAt)}`,
    );
  }
}
