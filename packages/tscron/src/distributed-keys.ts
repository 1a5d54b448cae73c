// Shared checks for the single-process Locker and Elector.
import { type Duration, toMilliseconds } from './duration.js';
import { TscronError } from './errors.js';

/** The longest lock key (job name) tscron's lockers accept, in UTF-16 code units. */
export const MAX_LOCK_KEY_LENGTH = 255;

/**
 * Checks a lock key and an occurrence and returns the occurrence in epoch milliseconds.
 * Throws `ERR_LOCK_KEY_INVALID` for an empty, over-long or non-string key and
 * `ERR_INVALID_ARGUMENT` for a `scheduledAt` that is not a valid date.
 */
export function checkLockRequest(key: unknown, scheduledAt: unknown): number {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `lock key must be a non-empty string, got ${JSON.stringify(key)}`,
    );
  }
  if (key.length > MAX_LOCK_KEY_LENGTH) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `lock key is ${key.length} characters long, the limit is ${MAX_LOCK_KEY_LENGTH}: "${key.slice(0, 40)}..."`,
    );
  }
  const at = scheduledAt instanceof Date ? scheduledAt.getTime() : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `lock scheduledAt must be a valid Date, got ${String(scheduledAt)}`,
    );
  }
  return at;
}

/** Reads an optional duration option, checking that it is at least `min` milliseconds. */
export function durationOption(value: Duration | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  const ms = toMilliseconds(value, what);
  if (ms < min)
    throw new TscronError('ERR_INVALID_OPTION', `${what}: must be at least ${min}ms, got ${value}`);
  return ms;
}

/** The reason an aborted signal carries, or a plain AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The reason a `lock.lost` signal aborts with: an Error named `LockLostError`. */
export function lockLost(message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = 'LockLostError';
  return error;
}
