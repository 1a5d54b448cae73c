// The single-process reference Locker: per-occurrence claims with TTL, renewal, fence and minimum hold.
import { abortReason, checkLockClaims, checkLockRequest, lockerTimings, lockLost } from './backend/index.js';
import { type Clock, systemClock } from './clock.js';
import type { Lock, LockClaim, Locker, LockOptions } from './distributed.js';
import type { Duration } from './duration.js';

/** Options of {@link MemoryLocker}. */
export interface MemoryLockerOptions {
  /**
   * How long a claim lives without renewal. A holder renews it every `renewInterval` while the task
   * runs; a holder that vanishes without unlocking frees the occurrence after this long.
   * @default '30s'
   */
  ttl?: Duration;
  /**
   * How long an occurrence stays claimed after it was acquired, even when the task finished sooner
   * (ShedLock's lockAtLeastFor). Covers schedulers whose timers fire later than the first one's.
   * @default '10s'
   */
  minHold?: Duration;
  /**
   * How often a held claim is renewed; must be shorter than `ttl`.
   * @default ttl / 3
   */
  renewInterval?: Duration;
  /**
   * Prepended to every key.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * Judges expiry and arms renewal timers.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * Another MemoryLocker whose claims this one shares, so that two schedulers in one process
   * behave like two replicas on one backend (each with its own options and timers).
   */
  shareWith?: MemoryLocker;
}

interface Claim {
  /** `undefined` once released early and kept only for the minimum hold. */
  holder: MemoryLock | undefined;
  acquiredAt: number;
  expiresAt: number;
}

interface Table {
  claims: Map<string, Claim>;
  fences: Map<string, bigint>;
  operations: number;
}

const TABLES = new WeakMap<MemoryLocker, Table>();

/**
 * A {@link Locker} for schedulers in one process, and the reference every backend is measured
 * against. Claims are per occurrence (key + `scheduledAt`), live `ttl` unless renewed, stay claimed
 * for at least `minHold`, and carry a per-key `fence`.
 *
 * @example
 * ```ts
 * const locker = new MemoryLocker({ ttl: '10s' });
 * const a = createScheduler({ locker });
 * const b = createScheduler({ locker }); // each occurrence runs in a or b, never both
 * ```
 */
export class MemoryLocker implements Locker {
  readonly #table: Table;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #renewInterval: number;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #held = new Set<MemoryLock>();

  /**
   * The `minHold` option in ms: how long an occurrence stays claimed after its first claim. The
   * scheduler sends no claim later than half of it after its occurrence (see `Locker.minHold`).
   */
  get minHold(): number {
    return this.#minHold;
  }

  /** Throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION` for bad options. */
  constructor(options: MemoryLockerOptions = {}) {
    const { ttl, minHold, renewInterval } = lockerTimings('MemoryLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    this.#renewInterval = renewInterval;
    this.#prefix = options.keyPrefix ?? '';
    this.#clock = options.clock ?? systemClock;
    const shared = options.shareWith === undefined ? undefined : TABLES.get(options.shareWith);
    this.#table = shared ?? { claims: new Map(), fences: new Map(), operations: 0 };
    TABLES.set(this, this.#table);
  }

  /** Claims the occurrence `scheduledAt` of `key`; `null` when it is claimed already. */
  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    const id = this.#id(key, options?.scheduledAt);
    if (options.signal?.aborted) throw abortReason(options.signal);
    const now = this.#clock.now();
    this.#sweep(now);
    return this.#claim(key, id, now);
  }

  /**
   * Claims several occurrences at once (see {@link Locker.lockBatch}): one `Lock` or `null` per
   * claim, in order.
   */
  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    const ids = checkLockClaims('MemoryLocker', claims).map((claim) =>
      this.#id(claim.key, claim.scheduledAt),
    );
    if (options?.signal?.aborted) throw abortReason(options.signal);
    const now = this.#clock.now();
    this.#sweep(now);
    return claims.map((claim, i) => this.#claim(claim.key, ids[i] as string, now));
  }

  #claim(key: string, id: string, now: number): MemoryLock | null {
    const existing = this.#table.claims.get(id);
    if (existing !== undefined && existing.expiresAt > now) return null;
    const fenceKey = this.#prefix + key;
    const fence = (this.#table.fences.get(fenceKey) ?? 0n) + 1n;
    this.#table.fences.set(fenceKey, fence);
    const lock = new MemoryLock(this, id, fence);
    this.#table.claims.set(id, {
      holder: lock,
      acquiredAt: now,
      expiresAt: now + Math.max(this.#ttl, this.#minHold),
    });
    this.#held.add(lock);
    lock.schedule();
    return lock;
  }

  /**
   * How the occurrence looks from the shared table: `undefined` when free, else the milliseconds
   * until the claim expires. For tests and diagnostics.
   */
  peek(key: string, scheduledAt: Date): { expiresIn: number } | undefined {
    const now = this.#clock.now();
    const claim = this.#table.claims.get(this.#id(key, scheduledAt));
    if (claim === undefined || claim.expiresAt <= now) return undefined;
    return { expiresIn: claim.expiresAt - now };
  }

  /** Removes a claim as if it had expired; its holder learns it at the next renewal. For tests. */
  evict(key: string, scheduledAt: Date): boolean {
    return this.#table.claims.delete(this.#id(key, scheduledAt));
  }

  /**
   * Stops renewing every lock this instance holds without releasing them, as if the process had
   * died: they expire after their TTL. For failure tests.
   */
  abandon(): void {
    for (const lock of this.#held) lock.stop();
    this.#held.clear();
  }

  /** Releases every lock this instance still holds and stops its timers. */
  async close(): Promise<void> {
    await Promise.all([...this.#held].map((lock) => lock.unlock()));
  }

  /** @internal */
  renew(lock: MemoryLock): boolean {
    const now = this.#clock.now();
    const claim = this.#table.claims.get(lock.id);
    if (claim?.holder !== lock || claim.expiresAt <= now) return false;
    claim.expiresAt = Math.max(claim.expiresAt, now + this.#ttl);
    return true;
  }

  /** @internal */
  release(lock: MemoryLock): void {
    this.#held.delete(lock);
    const claim = this.#table.claims.get(lock.id);
    if (claim?.holder !== lock) return;
    const now = this.#clock.now();
    const keepUntil = claim.acquiredAt + this.#minHold;
    if (keepUntil > now && claim.expiresAt > now) {
      claim.holder = undefined;
      claim.expiresAt = keepUntil;
    } else {
      this.#table.claims.delete(lock.id);
    }
  }

  /** @internal */
  forget(lock: MemoryLock): void {
    this.#held.delete(lock);
  }

  /** @internal */
  get clock(): Clock {
    return this.#clock;
  }

  /** @internal */
  get renewInterval(): number {
    return this.#renewInterval;
  }

  #id(key: string, scheduledAt: Date): string {
    const at = checkLockRequest('MemoryLocker', key, scheduledAt);
    return `${this.#prefix}${key}\u0000${at}`;
  }

  #sweep(now: number): void {
    if (++this.#table.operations % 256 !== 0) return;
    for (const [id, claim] of this.#table.claims) if (claim.expiresAt <= now) this.#table.claims.delete(id);
  }
}

class MemoryLock implements Lock {
  readonly #locker: MemoryLocker;
  readonly #lost = new AbortController();
  #timer: unknown;
  #done = false;

  constructor(
    locker: MemoryLocker,
    readonly id: string,
    readonly fence: bigint,
  ) {
    this.#locker = locker;
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** @internal Arms the next renewal. */
  schedule(): void {
    if (this.#done) return;
    this.#timer = this.#locker.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#done) return;
      if (this.#locker.renew(this)) return this.schedule();
      this.stop();
      this.#locker.forget(this);
      this.#lost.abort(lockLost(`MemoryLocker: lock ${this.id} was lost: it expired or was taken over`));
    }, this.#locker.renewInterval);
  }

  /** @internal Stops renewing. */
  stop(): void {
    this.#done = true;
    if (this.#timer !== undefined) this.#locker.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async unlock(): Promise<void> {
    if (this.#done) {
      this.#locker.forget(this);
      return;
    }
    this.stop();
    this.#locker.release(this);
  }
}
