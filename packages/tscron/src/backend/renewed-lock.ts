// A held lock that renews itself in the background and says when it is lost.
import type { Lock } from '../distributed.js';
import { bounded } from './bounded.js';
import { lockLost } from './lock-errors.js';

/** What a backend does for one held claim; the token that identifies it lives in the closures. */
export interface LockOps {
  /** Renews the claim; resolves `false` when the claim is no longer this lock's. */
  extend(): Promise<boolean>;
  /** Releases the claim (respecting any minimum hold); a no-op when it is no longer this lock's. */
  release(): Promise<void>;
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
 * renewal's error, if any). No timer is left once it is unlocked, abandoned or lost.
 */
export class RenewedLock implements Lock {
  /** The fence of this claim: strictly increasing per key. */
  readonly fence: bigint;
  readonly #ops: LockOps;
  readonly #settings: RenewedLockSettings;
  readonly #lost = new AbortController();
  readonly #onEnd: (lock: RenewedLock) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
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
    return this.#lost.signal;
  }

  /**
   * Stops renewing and releases the claim. Rejects with `ERR_LOCK_TIMEOUT` or
   * `ERR_LOCK_BACKEND_FAILED` when the release fails, unless the lock was lost already.
   */
  async unlock(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.#state === 'released') return;
    const wasHeld = this.#state === 'held';
    this.#stop('released');
    // A lock lost to a failed renewal may still be ours on the server: the token makes this safe.
    const { owner, timeout } = this.#settings;
    await bounded(this.#ops.release(), timeout, `${owner} unlock`, options?.signal).catch(
      (error: unknown) => {
        if (wasHeld) throw error;
      },
    );
  }

  /** Stops renewing without releasing (the process is going away, or the client is gone). */
  abandon(): void {
    this.#stop('released');
  }

  #stop(state: 'lost' | 'released'): void {
    if (this.#state === 'held') this.#onEnd(this);
    this.#state = state;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#renew();
    }, this.#settings.renewInterval);
    this.#timer.unref?.();
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
    this.#lost.abort(
      cause === undefined
        ? lockLost(`${owner}: the lock expired or was taken over`)
        : lockLost(`${owner}: the lock could not be renewed`, cause),
    );
  }
}
