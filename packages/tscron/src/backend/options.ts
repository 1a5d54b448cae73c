// Reading the timing options lockers and electors share (ttl, minHold, renewInterval, lease, retryPeriod).
import { type Duration, toMilliseconds } from '../duration.js';
import { TscronError } from '../errors.js';

/**
 * Reads an optional duration option in whole milliseconds: `fallback` when it is `undefined`.
 * Throws `ERR_INVALID_DURATION` for an unreadable value and `ERR_INVALID_OPTION` for one below `min`.
 *
 * @param what - names the option in the message, e.g. `'RedisLocker ttl'`.
 * @param min - the smallest accepted value in milliseconds. @default 1
 */
export function durationOption(value: Duration | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  const ms = toMilliseconds(value, what);
  if (ms < min) {
    throw new TscronError('ERR_INVALID_OPTION', `${what}: must be at least ${min}ms, got ${String(value)}`);
  }
  return Math.round(ms);
}

/**
 * Throws `ERR_INVALID_OPTION` unless `shorter` < `longer`, e.g.
 * `requireShorter('RedisLocker renewInterval', 10_000, 'ttl', 10_000)`.
 */
export function requireShorter(what: string, shorter: number, than: string, longer: number): void {
  if (shorter >= longer) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${what} (${shorter}ms) must be shorter than ${than} (${longer}ms)`,
    );
  }
}

/** The timing options of a per-occurrence locker, as the user passes them. */
export interface LockerTimingOptions {
  /** Lifetime of a claim that is not renewed. @default '30s' */
  ttl?: Duration | undefined;
  /** How long an occurrence stays claimed after it was acquired, at least. @default '10s' */
  minHold?: Duration | undefined;
  /** How often a held claim is renewed; shorter than `ttl`. @default ttl / 3 */
  renewInterval?: Duration | undefined;
}

/** {@link LockerTimingOptions} read and checked, in milliseconds. */
export interface LockerTimings {
  ttl: number;
  minHold: number;
  renewInterval: number;
}

/**
 * Reads and checks a locker's `ttl` (default 30 s, at least 2 ms), `minHold` (default 10 s, may be 0)
 * and `renewInterval` (default a third of `ttl`, shorter than `ttl`). Throws `ERR_INVALID_OPTION` or
 * `ERR_INVALID_DURATION`.
 *
 * @param owner - names the locker in messages, e.g. `'PostgresLocker'`.
 */
export function lockerTimings(owner: string, options: LockerTimingOptions): LockerTimings {
  const ttl = durationOption(options.ttl, 30_000, `${owner} ttl`, 2);
  const minHold = durationOption(options.minHold, 10_000, `${owner} minHold`, 0);
  const renewInterval = durationOption(
    options.renewInterval,
    Math.max(1, Math.floor(ttl / 3)),
    `${owner} renewInterval`,
  );
  requireShorter(`${owner} renewInterval`, renewInterval, 'ttl', ttl);
  return { ttl, minHold, renewInterval };
}

/** The timing options of an elector, as the user passes them. */
export interface ElectorTimingOptions {
  /** How long the lease lasts without renewal. @default '15s' */
  lease?: Duration | undefined;
  /** How often the leader renews and followers try to take the lease; shorter than `lease`. @default '2s' */
  retryPeriod?: Duration | undefined;
}

/** {@link ElectorTimingOptions} read and checked, in milliseconds. */
export interface ElectorTimings {
  lease: number;
  retryPeriod: number;
}

/**
 * Reads and checks an elector's `lease` (default 15 s) and `retryPeriod` (default 2 s, shorter than
 * `lease`). Throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`.
 *
 * @param owner - names the elector in messages, e.g. `'RedisElector'`.
 */
export function electorTimings(owner: string, options: ElectorTimingOptions): ElectorTimings {
  const lease = durationOption(options.lease, 15_000, `${owner} lease`);
  const retryPeriod = durationOption(options.retryPeriod, 2_000, `${owner} retryPeriod`);
  requireShorter(`${owner} retryPeriod`, retryPeriod, 'lease', lease);
  return { lease, retryPeriod };
}

/**
 * How long a renewal waits for the other locks of its batch before they renew in one statement
 * (give it to a `Coalescer`). Locks of one batch are armed over some milliseconds (tens for
 * thousands of locks), so their renewals fall due apart; after one shared renewal they re-arm
 * together and stay in step. The wait counts against the renewal's own time limit and delays it past
 * `renewInterval`, so it stays a small part of both that and the slack before `ttl`: at most `cap`,
 * a fifth of `renewInterval` and a quarter of `ttl - renewInterval`.
 */
export function renewalWindow(ttl: number, renewInterval: number, cap: number): number {
  return Math.min(cap, Math.floor(renewInterval / 5), Math.floor((ttl - renewInterval) / 4));
}
