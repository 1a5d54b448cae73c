// The checks every Locker makes on a lock request before talking to its backend.
import { TscronError } from '../errors.js';

/** The longest lock key (job name) tscron's lockers accept, in UTF-16 code units. */
export const MAX_LOCK_KEY_LENGTH = 255;

/**
 * Checks the key and the occurrence of a `lock()` call and returns the occurrence in epoch
 * milliseconds. Throws `ERR_LOCK_KEY_INVALID` for an empty, over-long or non-string key and
 * `ERR_INVALID_ARGUMENT` for a `scheduledAt` that is not a valid `Date`.
 *
 * @param owner - names the locker in the message, e.g. `'RedisLocker'`.
 */
export function checkLockRequest(owner: string, key: unknown, scheduledAt: unknown): number {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `${owner}: lock key must be a non-empty string, got ${JSON.stringify(key)}`,
    );
  }
  if (key.length > MAX_LOCK_KEY_LENGTH) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `${owner}: lock key is ${key.length} characters long, the limit is ${MAX_LOCK_KEY_LENGTH}: "${key.slice(0, 40)}..."`,
    );
  }
  const at = scheduledAt instanceof Date ? scheduledAt.getTime() : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `${owner}: scheduledAt must be a valid Date, got ${String(scheduledAt)}`,
    );
  }
  return at;
}

/**
 * Checks the claims of a `lockBatch()` call: an array of `{ key, scheduledAt }`, each as
 * {@link checkLockRequest} wants it, with no key twice (a batch claims one occurrence of each job).
 * Returns the claims, for chaining.
 */
export function checkLockClaims<T extends { key: string; scheduledAt: Date }>(
  owner: string,
  claims: readonly T[],
): readonly T[] {
  if (!Array.isArray(claims)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `${owner}: lockBatch takes an array of claims, got ${String(claims)}`,
    );
  }
  const seen = new Set<string>();
  for (const claim of claims) {
    checkLockRequest(owner, claim?.key, claim?.scheduledAt);
    if (seen.has(claim.key)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `${owner}: lockBatch claims "${claim.key}" twice; a batch holds one occurrence per key`,
      );
    }
    seen.add(claim.key);
  }
  return claims;
}
