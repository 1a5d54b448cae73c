// RedisLocker: per-occurrence claims in Redis with a token, a fence, renewal and a minimum hold.
import { randomBytes } from 'node:crypto';
import type { Duration, Lock, LockClaim, Locker, LockOptions } from 'tscron';
import {
  abortReason,
  bounded,
  checkLockClaims,
  checkLockRequest,
  durationOption,
  HeldLocks,
  type LockOps,
  lockerTimings,
  RenewedLock,
  type RenewedLockSettings,
} from 'tscron/backend';
import { type BatchClaim, claimBatch } from './claim-batch.js';
import type { RedisClient } from './client.js';
import { CoalescedScript } from './coalesced-script.js';
import type { RedisConnection } from './connection.js';
import { ConnectionWatch, explainTimeout } from './connection-watch.js';
import { clientOption, keyPrefixOption } from './options.js';
import { script } from './scripts.js';

/** Milliseconds renewals falling due close together wait for one another, to share a script call. */
const RENEWAL_WINDOW = 20;

/** Options of {@link RedisLocker}. Durations are milliseconds or Go-style strings (`'30s'`). */
export interface RedisLockerOptions {
  /**
   * The client to use: an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client
   * from `createClient()` or `createCluster()` (`redis` 4 to 6), connected by you. tscron tells them
   * apart by their methods and never closes the client; share it with the rest of the application
   * if you like.
   */
  client: RedisClient;
  /**
   * Lifetime of a claim that is not renewed. A holder renews every `renewInterval`; a holder that
   * dies frees its occurrence after at most this long (or `minHold`, whichever is longer).
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
   * after the caller gave up is released at once. A `lock()` or `lockBatch()` timeout names, and has
   * as `cause`, the connection error the client last saw (e.g. `connect ECONNREFUSED`), when it saw
   * one.
   * @default '5s'
   */
  acquireTimeout?: Duration;
  /**
   * Prefix of every key. Must not contain `{` or `}`: the job name is wrapped in a hash tag so that
   * an occurrence's key and the job's fence counter share a Cluster slot.
   * @default 'tscron:lock:'
   */
  keyPrefix?: string;
}

/**
 * A {@link Locker} on Redis (standalone, Sentinel or Cluster, through ioredis or node-redis). Each scheduled
 * occurrence of a job is one string key `<prefix>{<job>}:<epoch ms>` holding a random token and the
 * server time of the claim (`<token>:<ms>`); acquire, renew and release are single Lua scripts judged by the server's
 * clock. `lock.fence` comes from the counter `<prefix>{<job>}:fence` (`INCR`), strictly increasing
 * per job. `lockBatch()` claims many occurrences in one script call per slot group, and the
 * renewals and `unlock()` calls of one turn of the event loop are coalesced the same way. The
 * constructor does no I/O; `close()` releases what this instance holds.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const locker = new RedisLocker({ client: new Redis(process.env.REDIS_URL), ttl: '30s' });
 * const scheduler = createScheduler({ locker });
 * ```
 */
export class RedisLocker implements Locker {
  readonly #connection: RedisConnection;
  readonly #watch: ConnectionWatch;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #timeout: number;
  readonly #prefix: string;
  readonly #settings: RenewedLockSettings;
  /** Locks taken by `lock()`. */
  readonly #locks: HeldLocks;
  /** Locks taken by `lockBatch()`, made directly: a batch is bounded once, not once per lock. */
  readonly #batchLocks = new Set<RenewedLock>();
  readonly #forget = (lock: RenewedLock) => {
    this.#batchLocks.delete(lock);
  };
  readonly #extends: CoalescedScript;
  readonly #releases: CoalescedScript;

  /**
   * The `minHold` option in ms: how long an occurrence stays claimed after its first claim. The
   * scheduler sends no claim later than half of it after its occurrence (see `Locker.minHold`).
   */
  get minHold(): number {
    return this.#minHold;
  }

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: RedisLockerOptions) {
    const connection = clientOption('RedisLocker', options?.client);
    this.#connection = connection;
    this.#watch = new ConnectionWatch(connection);
    const { ttl, minHold, renewInterval } = lockerTimings('RedisLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    this.#timeout = durationOption(options.acquireTimeout, 5_000, 'RedisLocker acquireTimeout');
    this.#settings = { owner: 'RedisLocker', renewInterval, timeout: this.#timeout };
    this.#locks = new HeldLocks(this.#settings);
    this.#prefix = keyPrefixOption('RedisLocker', options.keyPrefix, 'tscron:lock:');
    // Renewals may wait a little for one another: each has a whole renewInterval to complete.
    const window = Math.min(RENEWAL_WINDOW, Math.floor(renewInterval / 20));
    this.#extends = new CoalescedScript(connection, script.extend, ttl, { window });
    // One timer bounds each coalesced release call, rather than one per unlock().
    this.#releases = new CoalescedScript(connection, script.release, minHold, {
      bound: { what: 'RedisLocker unlock', timeout: this.#timeout },
    });
  }

  /** The Redis key of one occurrence of `key`, for inspection. */
  occurrenceKey(key: string, scheduledAt: Date): string {
    const at = checkLockRequest('RedisLocker', key, scheduledAt);
    return `${this.#prefix}{${key}}:${at}`;
  }

  /** The Redis key of the fence counter of `key`. */
  fenceKey(key: string): string {
    checkLockRequest('RedisLocker', key, new Date(0));
    return `${this.#prefix}{${key}}:fence`;
  }

  /**
   * Claims the occurrence `scheduledAt` of `key`: a {@link Lock} when this instance got it, `null`
   * when another holds it. Rejects with `ERR_LOCK_BACKEND_FAILED` when Redis fails (the client's error
   * as `cause`), `ERR_LOCK_TIMEOUT` when it does not answer within `acquireTimeout` (with the
   * connection error the client last saw as `cause`, if any), and with the signal's reason when
   * `options.signal` aborts. `lock.lost` aborts with `ERR_LOCK_LOST`.
   */
  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    const lockKey = this.occurrenceKey(key, options?.scheduledAt);
    const fenceKey = this.fenceKey(key);
    const token = randomBytes(16).toString('base64url');
    // Watch from before the first command: nothing below throws before the finally block.
    const done = this.#watch.begin();
    const claim = this.#connection.run(
      script.acquire,
      [lockKey, fenceKey],
      [token, Math.max(this.#ttl, this.#minHold)],
    ) as Promise<string | number | null>;
    try {
      return await this.#locks.acquire(claim, this.#ops(lockKey, token), options.signal);
    } catch (error) {
      throw explainTimeout(error, this.#watch.lastSeen());
    } finally {
      done();
    }
  }

  /**
   * Claims many occurrences (see {@link Locker.lockBatch}): one `Lock` or `null` per claim, in order.
   * One script call per slot group (the whole batch on a standalone server, one per hash slot on a
   * Cluster), sent together; a claim held elsewhere costs the server one `SET NX`. Rejects as `lock()`
   * does (`ERR_LOCK_TIMEOUT` after `acquireTimeout` for the whole batch, `ERR_LOCK_BACKEND_FAILED`,
   * the signal's reason), and with `ERR_LOCK_KEY_INVALID` or `ERR_INVALID_ARGUMENT` for bad claims,
   * before any I/O. When any call fails, what the others claimed is released and the batch rejects.
   */
  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    checkLockClaims('RedisLocker', claims);
    const signal = options?.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (claims.length === 0) return [];
    const tokens = randomBytes(16 * claims.length);
    const batch = claims.map(({ key, scheduledAt }, i) => ({
      lockKey: `${this.#prefix}{${key}}:${scheduledAt.getTime()}`,
      fenceKey: `${this.#prefix}{${key}}:fence`,
      token: tokens.toString('base64url', 16 * i, 16 * i + 16),
    }));
    const done = this.#watch.begin();
    try {
      const life = Math.max(this.#ttl, this.#minHold);
      const fences = await bounded(
        claimBatch(this.#connection, batch, life, (claim) => this.#drop(claim)),
        this.#timeout,
        'RedisLocker lockBatch',
        signal,
        (late) => {
          for (const [i, fence] of late.entries()) if (fence !== null) this.#drop(batch[i] as BatchClaim);
        },
      );
      return fences.map((fence, i) => {
        if (fence === null) return null;
        const { lockKey, token } = batch[i] as BatchClaim;
        const lock = new RenewedLock(BigInt(fence), this.#ops(lockKey, token), this.#settings, this.#forget);
        this.#batchLocks.add(lock);
        return lock;
      });
    } catch (error) {
      throw explainTimeout(error, this.#watch.lastSeen());
    } finally {
      done();
    }
  }

  /** Releases every lock this instance holds and stops its timers. Never closes the client. */
  async close(): Promise<void> {
    const batchLocks = [...this.#batchLocks].map((lock) => lock.unlock().catch(() => undefined));
    await Promise.all([this.#locks.releaseAll(), ...batchLocks]);
  }

  /**
   * Renewal and release of one claim. Both go through a coalescer: the renewals of locks taken
   * together, and the releases of runs that end together, share one script call per slot group.
   */
  #ops(lockKey: string, token: string): LockOps {
    return new ClaimOps(this.#extends, this.#releases, lockKey, token);
  }

  /** Releases a claim that no lock was made for (its batch failed or came too late). */
  #drop(claim: BatchClaim): void {
    this.#releases.call(claim.lockKey, claim.token).catch(() => undefined);
  }
}

/** {@link LockOps} of one claim: one object per lock, no closures. */
class ClaimOps implements LockOps {
  readonly releaseIsBounded = true;
  readonly #extends: CoalescedScript;
  readonly #releases: CoalescedScript;
  readonly #key: string;
  readonly #token: string;

  constructor(extend: CoalescedScript, release: CoalescedScript, key: string, token: string) {
    this.#extends = extend;
    this.#releases = release;
    this.#key = key;
    this.#token = token;
  }

  async extend(): Promise<boolean> {
    return (await this.#extends.call(this.#key, this.#token)) === 1;
  }

  async release(): Promise<void> {
    await this.#releases.call(this.#key, this.#token);
  }
}
