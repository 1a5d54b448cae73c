/**
 * Decides whether this instance runs jobs at all (gocron's Elector). Only the leader runs.
 * An elector campaigns from its first `isLeader` call.
 */
export interface Elector {
  /** Whether this instance leads now. Should answer from local state, quickly. */
  isLeader(options: { signal: AbortSignal }): Promise<boolean>;
}

/** What a {@link Locker} is told about the run it locks for. */
export interface LockOptions {
  /** Aborts when the acquire should give up (scheduler stopping, timeout). */
  signal: AbortSignal;
  /** The occurrence being claimed; instances whose clocks differ still agree on it. */
  scheduledAt: Date;
}

/** A held lock, released with {@link Lock.unlock} after the run. */
export interface Lock {
  unlock(options?: { signal?: AbortSignal }): Promise<void>;
  /** A per-key counter, strictly increasing across acquires, where the backend can provide one. */
  readonly fence?: bigint;
  /** Aborts if the backend loses the lock while it is held (renewal failed, key deleted). */
  readonly lost?: AbortSignal;
}

/** One occurrence to claim in {@link Locker.lockBatch}. */
export interface LockClaim {
  /** The lock key: the job's name. */
  readonly key: string;
  /** The occurrence being claimed, as for {@link LockOptions.scheduledAt}. */
  readonly scheduledAt: Date;
}

/**
 * Claims a run so that one instance among many runs it (gocron's Locker). `lock` resolves `null`
 * when another instance holds the key, and rejects when the backend fails.
 */
export interface Locker {
  lock(key: string, options: LockOptions): Promise<Lock | null>;
  /**
   * Optional: how long, in ms, the backend keeps an occurrence claimed after its first claim,
   * whatever becomes of the run (the backends' `minHold` option). When it is above 0, the scheduler
   * sends no claim of an occurrence later than half of it after the occurrence (for a catch-up run,
   * after its replay began); the other half covers clock skew between replicas and time the claim
   * spends queued in the client or server. Later, another replica may have claimed, run and released
   * the occurrence, and the claim could run it twice: such a run is skipped as missed, with a warning.
   */
  readonly minHold?: number;
  /**
   * Optional: claims several occurrences in one round trip. The scheduler uses it for runs due
   * together (a burst of jobs on `0 * * * *`), so that a burst costs one round trip per batch rather
   * than one per run. Resolves one entry per claim, in order: a {@link Lock} this instance now holds,
   * or `null` when another instance holds that occurrence. Rejects when the backend failed, which
   * fails every claim of the batch. Keys in one batch are distinct.
   *
   * A backend that offers it should also coalesce the `unlock()` calls of locks released together
   * into as few round trips as it can.
   */
  lockBatch?(claims: readonly LockClaim[], options: { signal: AbortSignal }): Promise<Array<Lock | null>>;
}
