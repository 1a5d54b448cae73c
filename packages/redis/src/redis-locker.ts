// RedisLocker: per-occurrence claims in Redis with a token, a fence, renewal and a minimum hold.
import { randomBytes } from 'node:crypto';
import { type Duration, type Lock, type Locker, type LockOptions, TscronError } from 'tscron';
import { checkLockRequest, durationOption, HeldLocks, lockerTimings } from 'tscron/backend';
import { isRedisClient, type RedisClient } from './client.js';
import { ConnectionWatch, explainTimeout } from './connection-watch.js';
import { runScript, type Script, script } from './scripts.js';

/** Options of {@link RedisLocker}. Durations are milliseconds or Go-style strings (`'30s'`). */
export interface RedisLockerOptions {
  /**
   * The ioredis client to use: a `Redis` or a `Cluster`. tscron never closes it; share it with the
   * rest of the application if you like. ioredis 5 and 6 are supported.
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
   * How long `lock()` and `unlock()` may take before they reject with `ERR_LOCK_TIMEOUT` (an
   * unreachable server never hangs a run). A claim that the server makes after the caller gave up
   * is released at once. A `lock()` timeout names, and has as `cause`, the connection error the
   * client last saw (e.g. `connect ECONNREFUSED`), when it saw one.
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
 * A {@link Locker} on Redis (standalone, Sentinel or Cluster through ioredis). Each scheduled
 * occurrence of a job is one hash `<prefix>{<job>}:<epoch ms>` holding a random token and the
 * server time of the claim; acquire, renew and release are single Lua scripts judged by the server's
 * clock. `lock.fence` comes from the counter `<prefix>{<job>}:fence` (`INCR`), strictly increasing
 * per job. The constructor does no I/O; `close()` releases what this instance holds.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const locker = new RedisLocker({ client: new Redis(process.env.REDIS_URL), ttl: '30s' });
 * const scheduler = createScheduler({ locker });
 * ```
 */
export class RedisLocker implements Locker {
  readonly #client: RedisClient;
  readonly #watch: ConnectionWatch;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #prefix: string;
  readonly #locks: HeldLocks;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: RedisLockerOptions) {
    if (!isRedisClient(options?.client)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'RedisLocker: `client` must be an ioredis Redis or Cluster client',
      );
    }
    this.#client = options.client;
    this.#watch = new ConnectionWatch(options.client);
    const { ttl, minHold, renewInterval } = lockerTimings('RedisLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    const timeout = durationOption(options.acquireTimeout, 5_000, 'RedisLocker acquireTimeout');
    this.#locks = new HeldLocks({ owner: 'RedisLocker', renewInterval, timeout });
    this.#prefix = options.keyPrefix ?? 'tscron:lock:';
    if (/[{}]/.test(this.#prefix)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `RedisLocker keyPrefix must not contain { or }: "${this.#prefix}"`,
      );
    }
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
   * when another holds it. Rejects with `ERR_LOCK_BACKEND_FAILED` when Redis fails (the ioredis error
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
    const claim = this.#run(
      script.acquire,
      [lockKey, fenceKey],
      [token, Math.max(this.#ttl, this.#minHold)],
    ) as Promise<string | number | null>;
    try {
      return await this.#locks.acquire(
        claim,
        {
          extend: async () => (await this.#run(script.extend, [lockKey], [token, this.#ttl])) === 1,
          release: async () => {
            await this.#run(script.release, [lockKey], [token, this.#minHold]);
          },
        },
        options.signal,
      );
    } catch (error) {
      throw explainTimeout(error, this.#watch.lastSeen());
    } finally {
      done();
    }
  }

  /** Releases every lock this instance holds and stops its timers. Never closes the client. */
  close(): Promise<void> {
    return this.#locks.releaseAll();
  }

  #run(which: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
    return runScript(this.#client, which, keys, args);
  }
}
