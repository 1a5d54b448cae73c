// Renewal and release of one held claim, each a write that names the revision it expects.
import type { LockOps } from 'tscron/backend';
import type { ClaimBucket } from './bucket.js';

/**
 * The {@link LockOps} of one claim. It knows the claim's current revision: a renewal rewrites the
 * entry expecting it (and fails once another writer took the key), a release purges it or, before
 * the minimum hold has passed, replaces it with a marker without a token that lives out the rest
 * of the hold. The operations of one claim run one after another, so that a release never races a
 * renewal's revision.
 */
export class ClaimOps implements LockOps {
  readonly key: string;
  readonly token: string;
  readonly #bucket: ClaimBucket;
  readonly #ttl: number;
  readonly #minHold: number;
  #revision = 0;
  /** When the claim's first write was acknowledged (performance.now()), after the server stamped it. */
  #acquiredAt = 0;
  #last: Promise<unknown> = Promise.resolve();

  constructor(bucket: ClaimBucket, key: string, token: string, ttl: number, minHold: number) {
    this.#bucket = bucket;
    this.key = key;
    this.token = token;
    this.#ttl = ttl;
    this.#minHold = minHold;
  }

  /** Records the revision of the claim just made. */
  held(revision: number): void {
    this.#revision = revision;
    this.#acquiredAt = performance.now();
  }

  /**
   * What is left of the minimum hold, in ms. Measured from when the claim's write was acknowledged,
   * which is after the server stamped it: never less than what the server would count.
   */
  #holdLeft(): number {
    return this.#minHold - (performance.now() - this.#acquiredAt);
  }

  extend(): Promise<boolean> {
    return this.#serial(async () => {
      if (this.#revision === 0) return false;
      // Never shortens what is left of the minimum hold.
      const life = Math.max(this.#ttl, this.#holdLeft());
      const revision = await this.#bucket.write(this.key, { token: this.token, life }, this.#revision);
      if (revision === null) return false;
      this.#revision = revision;
      return true;
    });
  }

  release(): Promise<void> {
    return this.#serial(async () => {
      const revision = this.#revision;
      if (revision === 0) return;
      this.#revision = 0;
      const left = Math.ceil(this.#holdLeft());
      if (left >= 1) await this.#bucket.write(this.key, { token: '', life: left }, revision);
      else await this.#bucket.purge(this.key, revision);
    });
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#last.then(op, op);
    this.#last = next.catch(() => undefined);
    return next;
  }
}
