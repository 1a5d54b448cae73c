import type { Clock } from './clock.js';
import type { Lock, LockClaim, Locker } from './distributed.js';

/** Claims sent in one `lockBatch` call at most: bounds a call's size and the server's work per call. */
export const MAX_BATCH = 1000;
/** Batch calls in flight at once per locker; more claims wait their turn (back-pressure, not loss). */
export const MAX_IN_FLIGHT = 4;

/**
 * What a claim resolves with when it waited past its deadline: it was never sent, as a claim that
 * late could win an occurrence another replica already ran.
 */
export const TOO_LATE: unique symbol = Symbol('tscron.claimTooLate');

/** A locker that offers `lockBatch`. */
export type BatchLocker = Locker & Required<Pick<Locker, 'lockBatch'>>;

/**
 * What tells a waiting claim that its run was called off: an `AbortSignal`, or the run itself, so
 * that a claim in a batch costs no AbortController of its own (10,000 per burst otherwise).
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** A signal for a lone claim sent through `lock()`, made only then. */
  readonly signal: AbortSignal;
}

/** One claim waiting for its batch: where its answer goes. */
interface PendingClaim {
  readonly claim: LockClaim;
  readonly cancel: Cancellation;
  /** Epoch ms after which the claim is not sent (see {@link TOO_LATE}). */
  readonly claimBy: number;
  readonly resolve: (lock: Lock | null | typeof TOO_LATE) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Groups the lock claims of runs due together into `lockBatch` calls on one locker: a burst of
 * 10,000 jobs on `0 * * * *` costs ten round trips instead of 10,000. Claims made in the same turn of
 * the event loop (the scheduler starts every due run in one go) are sent together on the next
 * microtask; a lone claim goes through `lock()` as before.
 *
 * At most {@link MAX_IN_FLIGHT} calls are in flight; the claims behind them wait with no time limit of
 * their own, so that a busy backend slows a burst down instead of failing it: only the backend's
 * own timeout, counted from when a call is sent, fails a claim.
 */
export class ClaimBatcher {
  readonly #locker: BatchLocker;
  readonly #clock: Clock;
  #waiting: PendingClaim[] = [];
  #flushQueued = false;
  #inFlight = 0;
  /** Aborts the calls in flight when the scheduler stops. */
  readonly #controllers = new Set<AbortController>();

  constructor(locker: BatchLocker, clock: Clock) {
    this.#locker = locker;
    this.#clock = clock;
  }

  /**
   * Claims one occurrence; settles as `lock()` would, or with {@link TOO_LATE} when it is still
   * waiting for its turn at `claimBy` (epoch ms on the scheduler's clock).
   */
  claim(
    key: string,
    scheduledAt: Date,
    cancel: Cancellation,
    claimBy: number,
  ): Promise<Lock | null | typeof TOO_LATE> {
    return new Promise<Lock | null | typeof TOO_LATE>((resolve, reject) => {
      this.#waiting.push({ claim: { key, scheduledAt }, cancel, claimBy, resolve, reject });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(this.#flush);
      }
    });
  }

  /** Aborts every call in flight (the scheduler is stopping); waiting claims fail with `reason`. */
  abortAll(reason: unknown): void {
    for (const controller of this.#controllers) controller.abort(reason);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const entry of waiting) entry.reject(reason);
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    while (this.#waiting.length > 0 && this.#inFlight < MAX_IN_FLIGHT) {
      if (this.#waiting.length === 1 && this.#inFlight === 0) {
        this.#single(this.#waiting.pop() as PendingClaim);
        return;
      }
      this.#send(this.#takeBatch());
    }
  };

  /** The next batch: up to MAX_BATCH claims on distinct keys; claims aborted or past their deadline are answered now. */
  #takeBatch(): PendingClaim[] {
    const batch: PendingClaim[] = [];
    const kept: PendingClaim[] = [];
    const keys = new Set<string>();
    const now = this.#clock.now();
    for (const entry of this.#waiting) {
      if (entry.cancel.aborted) entry.reject(entry.cancel.reason);
      else if (now > entry.claimBy) entry.resolve(TOO_LATE);
      else if (batch.length >= MAX_BATCH || keys.has(entry.claim.key)) kept.push(entry);
      else {
        keys.add(entry.claim.key);
        batch.push(entry);
      }
    }
    this.#waiting = kept;
    return batch;
  }

  #single(entry: PendingClaim): void {
    if (this.#clock.now() > entry.claimBy) {
      entry.resolve(TOO_LATE);
      return;
    }
    this.#inFlight++;
    this.#locker
      .lock(entry.claim.key, { signal: entry.cancel.signal, scheduledAt: entry.claim.scheduledAt })
      .then(entry.resolve, entry.reject)
      .finally(this.#done);
  }

  #send(batch: PendingClaim[]): void {
    if (batch.length === 0) return;
    this.#inFlight++;
    const controller = new AbortController();
    this.#controllers.add(controller);
    let answer: Promise<Array<Lock | null>>;
    try {
      answer = this.#locker.lockBatch(
        batch.map((entry) => entry.claim),
        { signal: controller.signal },
      );
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .then(
        (locks) => {
          for (const [i, entry] of batch.entries()) entry.resolve(locks[i] ?? null);
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        this.#controllers.delete(controller);
        this.#done();
      });
  }

  readonly #done = (): void => {
    this.#inFlight--;
    if (this.#waiting.length > 0 && !this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
  };
}
