// PostgresLocker: per-occurrence claims in a lease table, judged by the server's now().
import { randomBytes } from 'node:crypto';
import { type Duration, type Lock, type LockClaim, type Locker, type LockOptions, TscronError } from 'tscron';
import {
  abortReason,
  bounded,
  Coalescer,
  checkLockClaims,
  checkLockRequest,
  durationOption,
  HeldLocks,
  type LockOps,
  lockerTimings,
  RenewedLock,
  type RenewedLockSettings,
  renewalWindow,
} from 'tscron/backend';
import { type LockerSql, lockerSql } from './locker-sql.js';
import { ensureSchema, type Names, names, type PgClient, run } from './schema.js';

/** Options of {@link PostgresLocker}. Durations are milliseconds or Go-style strings (`'30s'`). */
export interface PostgresLockerOptions {
  /**
   * A `pg` Pool (recommended), Client or checked-out PoolClient. tscron never ends it. Works
   * through PgBouncer in transaction mode: every call is one statement (migrations one transaction),
   * with no session state, no named prepared statements and no `SET`.
   */
  client: PgClient;
  /**
   * The schema of the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * The claims table (UNLOGGED, see docs/distributed.md); the fence sequence, the leases table and
   * the migrations table are named after it (`<table>_fence`, `<table>_leases`, `<table>_migrations`).
   * Use the same value for the elector.
   * @default 'tscron_locks'
   */
  table?: string;
  /**
   * Lifetime of a claim that is not renewed; a holder that dies frees its occurrence after at most
   * this long (or `minHold`, whichever is longer).
   * @default '30s'
   */
  ttl?: Duration;
  /**
   * How long an occurrence stays claimed after it was acquired, even if its task finished sooner, so
   * that a replica whose clock or timer is late finds it taken. Keep it above the largest clock skew
   * plus timer lag between replicas.
   * @default '10s'
   */
  minHold?: Duration;
  /**
   * How often a held claim is renewed; also the longest a renewal may take before the lock counts as
   * lost. Must be shorter than `ttl`. Renewals falling due within
   * `min(1s, renewInterval / 5, (ttl - renewInterval) / 4)` of each other (the locks of a batch)
   * wait for each other and share one statement.
   * @default ttl / 3
   */
  renewInterval?: Duration;
  /**
   * How long `lock()`, `lockBatch()` and `unlock()` may take before they reject with
   * `ERR_LOCK_TIMEOUT`, time waiting for a pooled connection included. A claim the server makes
   * after the caller gave up is released at once.
   * @default '5s'
   */
  acquireTimeout?: Duration;
  /**
   * Prepended to every job name in the `key` column (to share one table between applications).
   * @default ''
   */
  keyPrefix?: string;
}

/**
 * A {@link Locker} on PostgreSQL. Each claimed occurrence is a row keyed `<prefix><job>:<epoch ms>`
 * with a random token, the server time of the claim and an expiry set from the server's `now()`;
 * `lock.fence` comes from a sequence: strictly increasing for every key (and across keys). Every
 * call is one statement. {@link PostgresLocker.lockBatch} claims many occurrences in one statement;
 * renewals and unlocks made in the same turn of the event loop (a batch's locks renew together,
 * a burst of runs ends together) are sent as one statement each, while every caller's promise
 * still settles on its own.
 * The first call applies pending migrations (or call {@link PostgresLocker.migrate} at start-up).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const locker = new PostgresLocker({ client: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * const scheduler = createScheduler({ locker });
 * ```
 */
export class PostgresLocker implements Locker {
  readonly #client: PgClient;
  readonly #names: Names;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #prefix: string;
  readonly #timeout: number;
  readonly #settings: RenewedLockSettings;
  /** Locks from `lock()`. */
  readonly #locks: HeldLocks;
  /** Locks from `lockBatch()`, made directly: a batch has its fences already, nothing to wait for. */
  readonly #batchLocks = new Set<RenewedLock>();
  readonly #forget = (lock: RenewedLock) => {
    this.#batchLocks.delete(lock);
  };
  readonly #sql: LockerSql;
  readonly #extends: Coalescer<Claimed, boolean>;
  readonly #releases: Coalescer<Claimed, undefined>;

  /**
   * The `minHold` option in ms: how long an occurrence stays claimed after its first claim. The
   * scheduler sends no claim later than half of it after its occurrence (see `Locker.minHold`).
   */
  get minHold(): number {
    return this.#minHold;
  }

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: PostgresLockerOptions) {
    if (typeof options?.client?.query !== 'function') {
      throw new TscronError('ERR_INVALID_OPTION', 'PostgresLocker: `client` must be a pg Pool or Client');
    }
    this.#client = options.client;
    this.#names = names('PostgresLocker', options.schema, options.table);
    const { ttl, minHold, renewInterval } = lockerTimings('PostgresLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    this.#timeout = durationOption(options.acquireTimeout, 5_000, 'PostgresLocker acquireTimeout');
    this.#settings = { owner: 'PostgresLocker', renewInterval, timeout: this.#timeout };
    this.#locks = new HeldLocks(this.#settings);
    this.#prefix = options.keyPrefix ?? '';
    this.#sql = lockerSql(this.#names);
    this.#extends = new Coalescer(
      (claims) => this.#extendAll(claims),
      renewalWindow(ttl, renewInterval, RENEWAL_WINDOW),
    );
    this.#releases = new Coalescer((claims) => this.#releaseAll(claims));
  }

  /**
   * Applies pending migrations now (otherwise the first `lock()` does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the pg error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
   */
  migrate(): Promise<void> {
    return ensureSchema(this.#client, this.#names);
  }

  /** The `key` column value of one occurrence of `key`, for inspection. */
  occurrenceKey(key: string, scheduledAt: Date): string {
    const at = checkLockRequest('PostgresLocker', key, scheduledAt);
    return `${this.#prefix}${key}:${at}`;
  }

  /**
   * Claims the occurrence `scheduledAt` of `key`: a {@link Lock} when this instance got it, `null`
   * when another holds it. Rejects with `ERR_LOCK_BACKEND_FAILED` when PostgreSQL fails (the pg error
   * as `cause`), `ERR_LOCK_TIMEOUT` when it does not answer within `acquireTimeout`, and with the
   * signal's reason when `options.signal` aborts. `lock.lost` aborts with `ERR_LOCK_LOST`.
   */
  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    const id = this.occurrenceKey(key, options?.scheduledAt);
    const claimed: Claimed = { key: id, token: newToken() };
    const acquire = async () => {
      await ensureSchema(this.#client, this.#names);
      const { rows } = await run(this.#client, this.#sql.acquire, [
        id,
        this.#prefix + key,
        claimed.token,
        this.#lifetime(),
      ]);
      return rows[0]?.fence as string | undefined;
    };
    return this.#locks.acquire(acquire(), this.#ops(claimed), options.signal);
  }

  /**
   * Claims several occurrences in one statement (see {@link Locker.lockBatch}): resolves one entry
   * per claim, in order, a {@link Lock} for each occurrence this instance won and `null` for each
   * another instance holds. Occurrences held elsewhere cost the server one index lookup each and
   * are never retried. The locks renew together (one statement per batch per `renewInterval`) and
   * unlocks made together are sent together (see {@link PostgresLocker}). Rejects as `lock()` does,
   * which fails the whole batch; throws `ERR_LOCK_KEY_INVALID` or `ERR_INVALID_ARGUMENT` for a bad
   * claim (an invalid key or date, a key twice).
   */
  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    checkLockClaims('PostgresLocker', claims);
    const keys = claims.map((claim) => this.occurrenceKey(claim.key, claim.scheduledAt));
    const signal = options?.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (keys.length === 0) return [];
    // One token for the whole batch: the key already tells its claims apart.
    const token = newToken();
    const acquire = async () => {
      await ensureSchema(this.#client, this.#names);
      const names = claims.map((claim) => this.#prefix + claim.key);
      const { rows } = await run(this.#client, this.#sql.acquireBatch, [
        keys,
        names,
        token,
        this.#lifetime(),
      ]);
      return rows;
    };
    const rows = await bounded(acquire(), this.#timeout, 'PostgresLocker lock', signal, (late) => {
      for (const row of late) this.#releases.add({ key: row.key as string, token }).catch(() => undefined);
    });
    const won = new Map<unknown, unknown>();
    for (const row of rows) won.set(row.key, row.fence);
    return keys.map((key) => {
      const fence = won.get(key);
      if (fence === undefined) return null;
      const lock = new RenewedLock(
        BigInt(fence as string),
        this.#ops({ key, token }),
        this.#settings,
        this.#forget,
      );
      this.#batchLocks.add(lock);
      return lock;
    });
  }

  /** Releases every lock this instance holds and stops its timers. Never ends the client. */
  async close(): Promise<void> {
    const batched = [...this.#batchLocks].map((lock) => lock.unlock().catch(() => undefined));
    await Promise.all([this.#locks.releaseAll(), ...batched]);
  }

  /** How long a new claim lives: its TTL, or the minimum hold when that is longer. */
  #lifetime(): number {
    return Math.max(this.#ttl, this.#minHold);
  }

  /** Renewal and release of one claim, each joining the statement of the current turn. */
  #ops(claimed: Claimed): LockOps {
    return {
      extend: () => this.#extends.add(claimed),
      release: () => this.#releases.add(claimed),
    };
  }

  async #extendAll(claims: readonly Claimed[]): Promise<boolean[]> {
    const { rows } = await run(this.#client, this.#sql.extend, [
      claims.map((claim) => claim.key),
      claims.map(pair),
      this.#ttl,
    ]);
    const renewed = new Set(rows.map((row) => `${row.token as string} ${row.key as string}`));
    return claims.map((claim) => renewed.has(pair(claim)));
  }

  async #releaseAll(claims: readonly Claimed[]): Promise<undefined[]> {
    await run(this.#client, this.#sql.release, [
      claims.map((claim) => claim.key),
      claims.map(pair),
      this.#minHold,
      claims.length + SWEEP_SLACK,
    ]);
    return [];
  }
}

/** A claim as the server knows it: its occurrence key and the token of its holder. */
interface Claimed {
  readonly key: string;
  readonly token: string;
}

/**
 * How many expired claims a release may sweep beyond one per released claim: enough to catch up
 * with claims of dead holders, little enough that one release never turns into a long delete.
 */
const SWEEP_SLACK = 100;

/** The longest a renewal waits for others to share its statement, in milliseconds. */
const RENEWAL_WINDOW = 1000;

/** `<token> <key>`: one value the server matches a claim by (tokens are base64url, no spaces). */
function pair(claim: Claimed): string {
  return `${claim.token} ${claim.key}`;
}

function newToken(): string {
  return randomBytes(16).toString('base64url');
}
