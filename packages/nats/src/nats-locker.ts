// NatsLocker: per-occurrence claims in a JetStream KV bucket, with a token, a fence, renewal and a
// minimum hold, expiry judged by the server's timestamps.
import { randomBytes } from 'node:crypto';
import { type Duration, type Lock, type LockClaim, type Locker, type LockOptions, TscronError } from 'tscron';
import {
  abortReason,
  bounded,
  checkLockClaims,
  checkLockRequest,
  durationOption,
  HeldLocks,
  lockerTimings,
  RenewedLock,
  type RenewedLockSettings,
} from 'tscron/backend';
import { ClaimBucket } from './bucket.js';
import { expired } from './claim.js';
import { ClaimOps } from './claim-ops.js';
import { isNatsConnection, type NatsConnection } from './connection.js';
import { checkBucket, occurrenceKey } from './keys.js';

/** Options of {@link NatsLocker}. Durations are milliseconds or Go-style strings (`'30s'`). */
export interface NatsLockerOptions {
  /**
   * The connection to use, as `connect()` from `@nats-io/transport-node` returns it (JetStream
   * enabled on the server). tscron never closes it; share it with the rest of the application.
   */
  client: NatsConnection;
  /**
   * Lifetime of a claim that is not renewed, counted from the server timestamp of its last write. A
   * holder renews every `renewInterval`; a holder that dies frees its occurrence after at most this
   * long (or `minHold`, whichever is longer).
   * @default '30s'
   */
  ttl?: Duration;
  /**
   * How long an occurrence stays claimed after it was acquired, even if its task finished sooner,
   * so that a replica whose clock or timer is late finds it taken. Keep it above the largest clock
   * skew plus timer lag between replicas.
   * @default '10s'
   */
  minHold?: Duration;
  /**
   * How often a held claim is renewed; also the longest a renewal may take before the lock counts
   * as lost. Must be shorter than `ttl`.
   * @default ttl / 3
   */
  renewInterval?: Duration;
  /**
   * How long `lock()`, `lockBatch()` (the whole batch) and `unlock()` may take before they reject
   * with `ERR_LOCK_TIMEOUT` (an unreachable server never hangs a run). A claim that the server makes
   * after the caller gave up is released at once.
   * @default '5s'
   */
  acquireTimeout?: Duration;
  /**
   * The KV bucket holding the claims. Created on first use when missing (one revision per key,
   * file storage, entries unwritten for an hour dropped); an existing bucket must keep one revision
   * per key and keep entries at least `max(ttl, minHold)`.
   * @default 'tscron_locks'
   */
  bucket?: string;
}

/**
 * A {@link Locker} on NATS JetStream KV. Each scheduled occurrence of a job is one key
 * `<base64url(job)>.<epoch ms>` holding a random token and the entry's lifetime (`<token>:<ms>`).
 * Every write names the revision it expects, so two replicas never both win; expiry is judged from
 * the server timestamp of the entry against the server's time read by a write, never a client's
 * clock. `lock.fence` is the claim's revision in the bucket's stream, strictly increasing. The
 * constructor does no I/O; `close()` releases what this instance holds.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * const locker = new NatsLocker({ client: await connect({ servers: '127.0.0.1:4222' }) });
 * const scheduler = createScheduler({ locker });
 * ```
 */
export class NatsLocker implements Locker {
  readonly #bucket: ClaimBucket;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #timeout: number;
  readonly #settings: RenewedLockSettings;
  /** Locks taken by `lock()`. */
  readonly #locks: HeldLocks;
  /** Locks taken by `lockBatch()`, made directly: a batch is bounded once, not once per lock. */
  readonly #batchLocks = new Set<RenewedLock>();
  readonly #forget = (lock: RenewedLock) => {
    this.#batchLocks.delete(lock);
  };

  /**
   * The `minHold` option in ms: how long an occurrence stays claimed after its first claim. The
   * scheduler sends no claim later than half of it after its occurrence (see `Locker.minHold`).
   */
  get minHold(): number {
    return this.#minHold;
  }

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: NatsLockerOptions) {
    if (!isNatsConnection(options?.client)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'NatsLocker: `client` must be a NatsConnection (connect() from @nats-io/transport-node)',
      );
    }
    const { ttl, minHold, renewInterval } = lockerTimings('NatsLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    this.#timeout = durationOption(options.acquireTimeout, 5_000, 'NatsLocker acquireTimeout');
    this.#settings = { owner: 'NatsLocker', renewInterval, timeout: this.#timeout };
    this.#locks = new HeldLocks(this.#settings);
    const bucket = checkBucket('NatsLocker', options.bucket ?? 'tscron_locks');
    this.#bucket = new ClaimBucket(options.client, bucket, 'NatsLocker', Math.max(ttl, minHold));
  }

  /** The KV key of one occurrence of `key` in the bucket, for inspection. */
  occurrenceKey(key: string, scheduledAt: Date): string {
    return occurrenceKey(key, checkLockRequest('NatsLocker', key, scheduledAt));
  }

  /**
   * Claims the occurrence `scheduledAt` of `key`: a {@link Lock} when this instance got it, `null`
   * when another holds it. Rejects with `ERR_LOCK_BACKEND_FAILED` when NATS fails (the client's
   * error as `cause`), `ERR_LOCK_TIMEOUT` when it does not answer within `acquireTimeout`, and with
   * the signal's reason when `options.signal` aborts. `lock.lost` aborts with `ERR_LOCK_LOST`.
   */
  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    const kvKey = this.occurrenceKey(key, options?.scheduledAt);
    // An aborted caller claims nothing: no write is sent that would have to be taken back.
    if (options.signal?.aborted) throw abortReason(options.signal);
    const ops = this.#ops(kvKey, randomBytes(16).toString('base64url'));
    return this.#locks.acquire(this.#claim(ops), ops, options.signal);
  }

  /**
   * Claims many occurrences (see {@link Locker.lockBatch}): one `Lock` or `null` per claim, in order.
   * The claims go out together on the connection (NATS pipelines them), and claims that find an
   * occurrence held share one read of the server's clock. Rejects as `lock()` does
   * (`ERR_LOCK_TIMEOUT` after `acquireTimeout` for the whole batch, `ERR_LOCK_BACKEND_FAILED`, the
   * signal's reason), and with `ERR_LOCK_KEY_INVALID` or `ERR_INVALID_ARGUMENT` for bad claims,
   * before any I/O. When any claim fails, what the others claimed is released and the batch rejects.
   */
  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    checkLockClaims('NatsLocker', claims);
    const signal = options?.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (claims.length === 0) return [];
    const tokens = randomBytes(16 * claims.length);
    const batch = claims.map(({ key, scheduledAt }, i) =>
      this.#ops(occurrenceKey(key, scheduledAt.getTime()), tokens.toString('base64url', 16 * i, 16 * i + 16)),
    );
    const dropWon = (fences: ReadonlyArray<number | null>) => {
      for (const [i, fence] of fences.entries())
        if (fence !== null) batch[i]?.release().catch(() => undefined);
    };
    const all = Promise.allSettled(batch.map((ops) => this.#claim(ops))).then((outcomes) => {
      const fences = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed === undefined) return fences;
      dropWon(fences);
      throw failed.reason;
    });
    const fences = await bounded(all, this.#timeout, 'NatsLocker lockBatch', signal, dropWon);
    return fences.map((fence, i) => {
      if (fence === null) return null;
      const lock = new RenewedLock(BigInt(fence), batch[i] as ClaimOps, this.#settings, this.#forget);
      this.#batchLocks.add(lock);
      return lock;
    });
  }

  /** Releases every lock this instance holds and stops its timers. Never closes the connection. */
  async close(): Promise<void> {
    const batchLocks = [...this.#batchLocks].map((lock) => lock.unlock().catch(() => undefined));
    await Promise.all([this.#locks.releaseAll(), ...batchLocks]);
  }

  #ops(kvKey: string, token: string): ClaimOps {
    return new ClaimOps(this.#bucket, kvKey, token, this.#ttl, this.#minHold);
  }

  /**
   * One claim: create the key (expecting no revision); if it exists, take it over only when it is a
   * removed key or an entry expired by the server's clock, expecting the revision read. Resolves the
   * fence (the claim's revision) or `null` when another holder has the occurrence.
   */
  async #claim(ops: ClaimOps): Promise<number | null> {
    const life = Math.max(this.#ttl, this.#minHold);
    const sentAt = performance.now();
    let expected = 0;
    // Each retry follows a change by another writer; three in a row mean the key is contended.
    for (let attempt = 0; attempt < 3; attempt++) {
      const revision = await this.#bucket.write(ops.key, { token: ops.token, life }, expected);
      if (revision !== null) {
        ops.held(revision);
        return revision;
      }
      const entry = await this.#bucket.read(ops.key);
      if (entry === null) {
        expected = 0;
        continue;
      }
      if (entry.claim !== undefined) {
        const now = await this.#bucket.serverTime(sentAt);
        if (!expired(entry.claim, entry.stamped, now)) return null;
      }
      expected = entry.revision;
    }
    return null;
  }
}
