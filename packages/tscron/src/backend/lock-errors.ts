// The errors a lock or lease backend reports: timed out, lost, failed.
import { isTscronError, TscronError } from '../errors.js';

/**
 * `ERR_LOCK_TIMEOUT`: a backend call did not settle in time.
 *
 * @param what - the operation, e.g. `'RedisLocker lock'`.
 * @param timeout - the limit it exceeded, in milliseconds.
 */
export function lockTimeout(what: string, timeout: number): TscronError {
  return new TscronError('ERR_LOCK_TIMEOUT', `${what} timed out after ${timeout}ms`);
}

/**
 * `ERR_LOCK_LOST`: the reason a `lock.lost` signal aborts with. `cause` is the error of the renewal
 * that failed, if one did (none when the claim had expired or been taken over).
 */
export function lockLost(message: string, cause?: unknown): TscronError {
  return new TscronError('ERR_LOCK_LOST', message, cause === undefined ? undefined : { cause });
}

/**
 * The error a backend call rejects with: a `TscronError` as it is, anything else (the
 * driver's error: connection refused, permission denied, ...) wrapped as `ERR_LOCK_BACKEND_FAILED`
 * with the original as `cause`.
 *
 * @param what - the operation, e.g. `'PostgresLocker lock'`.
 */
export function backendFailure(what: string, error: unknown): TscronError {
  if (isTscronError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new TscronError('ERR_LOCK_BACKEND_FAILED', `${what} failed: ${detail}`, { cause: error });
}
