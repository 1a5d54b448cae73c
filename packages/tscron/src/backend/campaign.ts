// The leader side of an elector: a lease taken and renewed in the background, answered locally.
import { abortReason, bounded } from './bounded.js';

/** What a {@link Campaign} needs from its backend, and its timings. */
export interface CampaignSettings {
  /** Names the elector in error messages, e.g. `'RedisElector'`. */
  owner: string;
  /** Takes the lease or renews it; resolves whether this instance holds it now. */
  campaign(): Promise<boolean>;
  /** Gives the lease up if this instance holds it. */
  resign(): Promise<void>;
  /** Milliseconds a lease lasts on the server without renewal. */
  lease: number;
  /** Milliseconds between attempts; also the longest one attempt may take. Shorter than `lease`. */
  retryPeriod: number;
}

/**
 * Campaigns every `retryPeriod` (taking or renewing the lease) and believes it leads until `lease`
 * minus a safety margin after the start of its last successful attempt, so that it stops saying true
 * before the lease can expire on the server. The timer is unref'd; `close()` stops it and resigns.
 */
export class Campaign {
  readonly #settings: CampaignSettings;
  readonly #margin: number;
  #leaderUntil = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: 'idle' | 'running' | 'closed' = 'idle';
  #first: Promise<void> | undefined;
  /** The error of the last failed attempt (`ERR_LOCK_TIMEOUT`, `ERR_LOCK_BACKEND_FAILED`), for diagnostics. */
  lastError: unknown;

  constructor(settings: CampaignSettings) {
    this.#settings = { ...settings };
    this.#margin = Math.min(Math.max(settings.lease * 0.02, 5), 1000);
  }

  /**
   * Whether this instance leads now. The first call starts campaigning and waits (at most one
   * `retryPeriod`) for the first attempt; later calls answer from local state. Rejects only with the
   * reason of an aborted `signal`.
   */
  async isLeader(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.#state === 'idle') {
      this.#state = 'running';
      this.#first = this.#attempt();
    }
    if (this.#first !== undefined) {
      const { owner, retryPeriod } = this.#settings;
      await bounded(this.#first, retryPeriod, `${owner} first campaign`, signal).catch(() => undefined);
      this.#first = undefined;
    }
    return performance.now() < this.#leaderUntil;
  }

  /** Stops campaigning and resigns (within `timeout` ms, failures ignored) if it ever campaigned. */
  async close(timeout: number): Promise<void> {
    const wasLeader = performance.now() < this.#leaderUntil;
    const started = this.#state !== 'idle';
    this.#state = 'closed';
    this.#leaderUntil = Number.NEGATIVE_INFINITY;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (started || wasLeader) {
      await bounded(this.#settings.resign(), timeout, `${this.#settings.owner} resign`).catch(
        () => undefined,
      );
    }
  }

  async #attempt(): Promise<void> {
    if (this.#state !== 'running') return;
    const { owner, lease, retryPeriod } = this.#settings;
    const start = performance.now();
    try {
      const leads = await bounded(this.#settings.campaign(), retryPeriod, `${owner} campaign`);
      if (this.#state !== 'running') return;
      this.#leaderUntil = leads ? start + lease - this.#margin : Number.NEGATIVE_INFINITY;
    } catch (error) {
      this.lastError = error;
    }
    if (this.#state !== 'running') return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.#attempt();
      },
      Math.max(0, retryPeriod - (performance.now() - start)),
    );
    this.#timer.unref?.();
  }
}
