// A held lock that renews itself in the background and says when it is lost.
import { type LostListenerLock, ON_LOST } from '../lost-listener.js';
import { bounded } from './bounded.js';
import { lockLost } from './lock-errors.js';
import { cancelRenewal, type Renewable, scheduleRenewal } from './renewal-wheel.js';

/** What a backend does for one held claim; the token that identifies it lives in the closures. */
export interface LockOps {
  /** Renews the claim; resolves `false` when the claim is no longer this lock's. */
  extend(): Promise<boolean>;
  /** Releases the claim (respecting any minimum hold); a no-op when it is no longer this lock's. */
  release(): Promise<void>;
  /**
   * Whether `release()` settles within the unlock timeout by itself, rejecting as {@link bounded}
   * would (`ERR_LOCK_TIMEOUT`, `ERR_LOCK_BACKEND_FAILED`): a backend that bounds a whole coalesced
   * group of releases with one timer says so, and `unlock()` then adds no timer per lock.
   * @default false
   */
  readonly releaseIsBounded?: boolean;
}

/** How a {@link RenewedLock} renews and how long its calls may take. */
export interface RenewedLockSettings {
  /** Names the locker in error messages, e.g. `'RedisLocker'`. */
  owner: string;
  /** Milliseconds between renewals; also the longest one renewal may take. */
  renewInterval: number;
  /** Milliseconds `unlock()` may take before it rejects with `ERR_LOCK_TIMEOUT`. */
  timeout: number;
}

/**
 * A held lock: renews every `renewInterval` while held and aborts {@link RenewedLock.lost} with
 * `ERR_LOCK_LOST` at the first renewal that fails, times out or finds the claim gone (`cause`: the
 * renewal's error, if any). Renewals share timers (see `scheduleRenewal`); nothing is pending for a
 * lock once it is unlocked, abandoned or lost.
 */
export class RenewedLock implements LostListenerLock, Renewable {
  /** The fence of this claim: strictly increasing per key. */
  readonly fence: bigint;
  readonly #ops: LockOps;
  readonly #settings: RenewedLockSettings;
  readonly #onEnd: (lock: RenewedLock) => void;
  /** Made when `lost` is first read: the scheduler listens through {@link ON_LOST} instead. */
  #lost: AbortController | undefined;
  #onLost: ((reason: unknown) => void) | undefined;
  /** Why the lock was lost, once it is. */
  #reason: unknown;
  /** The pending renewal's handle (see {@link scheduleRenewal}), if one is pending. */
  #renewal: number | undefined;
  #state: 'held' | 'lost' | 'released' = 'held';

  /**
   * Starts renewing at once.
   *
   * @param onEnd - called once when the lock stops being held (unlocked, abandoned or lost).
   */
  constructor(
    fence: bigint,
    ops: LockOps,
    settings: RenewedLockSettings,
    onEnd: (lock: RenewedLock) => void,
  ) {
    this.fence = fence;
    this.#ops = ops;
    this.#settings = settings;
    this.#onEnd = onEnd;
    this.#arm();
  }

  /** Aborts with a `TscronError` `ERR_LOCK_LOST` when the claim is lost while held. */
  get lost(): AbortSignal {
    if (this.#lost === undefined) {
      this.#lost = new AbortController();
      if (this.#state === 'lost') this.#lost.abort(this.#reason);
    }
    return this.#lost.signal;
  }

  /** Calls `listener` with the reason `lost` aborts with, when it does (at once if it has). */
  [ON_LOST](listener: ((reason: unknown) => void) | undefined): void {
    this.#onLost = listener;
    if (listener !== undefined && this.#state === 'lost') listener(this.#reason);
  }

  /**
   * Stops renewing and releases the claim. Rejects with `ERR_LOCK_TIMEOUT` or
   * `ERR_LOCK_BACKEND_FAILED` when the release fails, unless the lock was lost already.
   */
  unlock(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.#state === 'released') return Promise.resolve();
    const wasHeld = this.#state === 'held';
    this.#stop('released');
    // A lock lost to a failed renewal may still be ours on the server: the token makes this safe.
    const { owner, timeout } = this.#settings;
    const signal = options?.signal;
    let release: Promise<void>;
    try {
      release = this.#ops.release();
    } catch (error) {
      release = Promise.reject(error);
    }
    // Not an async function: a burst unlocks 10,000 locks at once, and each promise counts.
    const settled =
      this.#ops.releaseIsBounded === true && signal === undefined
        ? release
        : bounded(release, timeout, `${owner} unlock`, signal);
    return wasHeld ? settled : settled.catch(() => undefined);
  }

  /** Stops renewing without releasing (the process is going away, or the client is gone). */
  abandon(): void {
    this.#stop('released');
  }

  #stop(state: 'lost' | 'released'): void {
    if (this.#state === 'held') this.#onEnd(this);
    this.#state = state;
    if (this.#renewal !== undefined) cancelRenewal(this, this.#renewal);
    this.#renewal = undefined;
  }

  /** @internal Called by the renewal wheel. */
  renewNow(): void {
    this.#renewal = undefined;
    void this.#renew();
  }

  #arm(): void {
    this.#renewal = scheduleRenewal(this, this.#settings.renewInterval);
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'held') return;
    const { owner, renewInterval } = this.#settings;
    let cause: unknown;
    let ok = false;
    try {
      ok = await bounded(this.#ops.extend(), renewInterval, `${owner} lock renewal`);
    } catch (error) {
      cause = error;
    }
    if (this.#state !== 'held') return;
    if (ok) return this.#arm();
    this.#stop('lost');
    this.#reason =
      cause === undefined
        ? lockLost(`${owner}: the lock expired or was taken over`)
        : lockLost(`${owner}: the lock could not be renewed`, cause);
    this.#lost?.abort(this.#reason);
    this.#onLost?.(this.#reason);
  }
}
