// The single-process reference Elector: a lease renewed in the background.
import { abortReason, electorTimings } from './backend/index.js';
import { type Clock, systemClock } from './clock.js';
import type { Elector } from './distributed.js';
import type { Duration } from './duration.js';
import { TscronError } from './errors.js';

/** Options of {@link MemoryElector}. */
export interface MemoryElectorOptions {
  /**
   * The election: electors sharing a table and a name compete for one lease.
   * @default 'default'
   */
  name?: string;
  /**
   * How long a lease lasts without renewal: a leader that stops renewing is replaced after at most
   * `lease + retryPeriod`.
   * @default '15s'
   */
  lease?: Duration;
  /**
   * How often the leader renews and a follower tries to take the lease; must be shorter than `lease`.
   * @default '2s'
   */
  retryPeriod?: Duration;
  /**
   * Judges the lease and arms the renewal timer.
   * @default the system clock
   */
  clock?: Clock;
  /** Another MemoryElector whose leases this one shares, so that they behave as replicas. */
  shareWith?: MemoryElector;
}

interface Lease {
  holder: MemoryElector;
  expiresAt: number;
}

const TABLES = new WeakMap<MemoryElector, Map<string, Lease>>();

/**
 * An {@link Elector} for schedulers in one process, and the reference for the backends' electors.
 * It campaigns from its first `isLeader` call, renews its lease every `retryPeriod`, answers
 * `isLeader` from local state, and resigns on `close()`.
 *
 * @example
 * ```ts
 * const first = new MemoryElector();
 * const second = new MemoryElector({ shareWith: first }); // only one of them leads
 * ```
 */
export class MemoryElector implements Elector {
  readonly #leases: Map<string, Lease>;
  readonly #name: string;
  readonly #lease: number;
  readonly #retryPeriod: number;
  readonly #clock: Clock;
  #leaderUntil = Number.NEGATIVE_INFINITY;
  #timer: unknown;
  #state: 'idle' | 'campaigning' | 'stopped' = 'idle';

  /** Throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION` for bad options. */
  constructor(options: MemoryElectorOptions = {}) {
    this.#name = options.name ?? 'default';
    if (typeof this.#name !== 'string' || this.#name.length === 0) {
      throw new TscronError('ERR_INVALID_OPTION', 'MemoryElector name must be a non-empty string');
    }
    const { lease, retryPeriod } = electorTimings('MemoryElector', options);
    this.#lease = lease;
    this.#retryPeriod = retryPeriod;
    this.#clock = options.clock ?? systemClock;
    const shared = options.shareWith === undefined ? undefined : TABLES.get(options.shareWith);
    this.#leases = shared ?? new Map();
    TABLES.set(this, this.#leases);
  }

  /** Whether this instance leads now; the first call starts campaigning. */
  async isLeader(options?: { signal?: AbortSignal }): Promise<boolean> {
    if (options?.signal?.aborted) throw abortReason(options.signal);
    if (this.#state === 'idle') {
      this.#state = 'campaigning';
      this.#attempt();
    }
    return this.#clock.now() < this.#leaderUntil;
  }

  /** Stops campaigning without resigning, as if the process had died. For failure tests. */
  abandon(): void {
    this.#stop();
  }

  /** Resigns the lease if held and stops campaigning. */
  async close(): Promise<void> {
    this.#stop();
    const lease = this.#leases.get(this.#name);
    if (lease?.holder === this) this.#leases.delete(this.#name);
    this.#leaderUntil = Number.NEGATIVE_INFINITY;
  }

  #stop(): void {
    this.#state = 'stopped';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #attempt(): void {
    if (this.#state !== 'campaigning') return;
    const now = this.#clock.now();
    const lease = this.#leases.get(this.#name);
    if (lease === undefined || lease.holder === this || lease.expiresAt <= now) {
      const expiresAt = now + this.#lease;
      this.#leases.set(this.#name, { holder: this, expiresAt });
      this.#leaderUntil = expiresAt;
    }
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#attempt();
    }, this.#retryPeriod);
  }
}
