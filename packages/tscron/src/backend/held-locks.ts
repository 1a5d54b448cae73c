// The locks one locker instance holds: acquired within a timeout, renewed, released together.
import type { Lock } from '../distributed.js';
import { bounded } from './bounded.js';
import { type LockOps, RenewedLock, type RenewedLockSettings } from './renewed-lock.js';

/** A claim's fence as a backend returns it: a number, a decimal string or a bigint. */
export type FenceValue = bigint | number | string;

/**
 * The locks one locker instance holds. {@link HeldLocks.acquire} turns a backend's claim attempt
 * into a {@link RenewedLock}; {@link HeldLocks.releaseAll} is the locker's `close()`.
 *
 * @example
 * ```ts
 * readonly #locks = new HeldLocks({ owner: 'MyLocker', renewInterval, timeout: acquireTimeout });
 * lock(key, options) {
 *   return this.#locks.acquire(claim(key, token), { extend, release }, options.signal);
 * }
 * close() { return this.#locks.releaseAll(); }
 * ```
 */
export class HeldLocks {
  readonly #settings: RenewedLockSettings;
  readonly #held = new Set<RenewedLock>();
  readonly #forget = (lock: RenewedLock) => {
    this.#held.delete(lock);
  };

  /** `timeout` bounds both acquiring and unlocking. */
  constructor(settings: RenewedLockSettings) {
    this.#settings = { ...settings };
  }

  /** How many locks are held now. */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Waits for `claim` (the backend's attempt: the fence of a new claim, or `null`/`undefined` when
   * another holder has the occurrence) within the timeout and `signal`, and returns the held lock
   * or `null`. Rejects with the signal's reason, `ERR_LOCK_TIMEOUT` or `ERR_LOCK_BACKEND_FAILED`; a
   * claim that succeeds after that is released with `ops.release()`.
   */
  async acquire(
    claim: Promise<FenceValue | null | undefined>,
    ops: LockOps,
    signal?: AbortSignal,
  ): Promise<Lock | null> {
    const { owner, timeout } = this.#settings;
    const fence = await bounded(claim, timeout, `${owner} lock`, signal, (late) => {
      if (late !== null && late !== undefined) ops.release().catch(() => undefined);
    });
    if (fence === null || fence === undefined) return null;
    const lock = new RenewedLock(BigInt(fence), ops, this.#settings, this.#forget);
    this.#held.add(lock);
    return lock;
  }

  /** Unlocks every held lock, ignoring failures, and stops their timers. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#held].map((lock) => lock.unlock().catch(() => undefined)));
  }
}
