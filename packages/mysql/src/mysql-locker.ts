// MySqlLocker: per-occurrence claims as rows, judged by the server's clock (UTC_TIMESTAMP(3)).
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
import { type MySqlClient, type MySqlQueryable, queryable, run } from './client.js';
import { type LockerSql, lockerSql } from './locker-sql.js';
import { ensureSchema, type Names, names } from './schema.js';

/** Options of {@link MySqlLocker}. Durations are milliseconds or Go-style strings (`'30s'`). */
export interface MySqlLockerOptions {
  /**
   * A mysql2 Pool (recommended) or Connection, promise API (`mysql2/promise`) or callback API.
   * tscron never ends it. Every claim, renewal and release is one statement with no session state,
   * so it works behind ProxySQL, MaxScale or any pool that hands each statement another connection.
   */
  client: MySqlClient;
  /**
   * The database of the tables. By default the connection's current database (the `database`
   * option of the pool).
   */
  database?: string;
  /**
   * The claims table; the leases and migrations tables are named after it (`<table>_leases`,
   * `<table>_migrations`). Use the same value for the elector.
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
   * lost. Must be shorter than `ttl`. Renewals falling due close together share one statement.
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
   * Prepended to every job name in the `lock_key` and `name` columns (to share one table between
   * applications); at most 200 characters.
   * @default ''
   */
  keyPrefix?: string;
}

/**
 * A {@link Locker} on MySQL 8 or MariaDB 10.6+. Each claimed occurrence is a row keyed
 * `<prefix><job>:<epoch ms>` with a random token, the server time of the claim and an expiry from
 * the server's `UTC_TIMESTAMP(3)`; `lock.fence` is the row's AUTO_INCREMENT value: strictly
 * increasing for every key (and across keys). A claim is one statement (two more to take over an
 * expired one), a renewal or release one; {@link MySqlLocker.lockBatch} claims many occurrences in
 * two. Renewals and unlocks made together share one statement, while every caller's promise still
 * settles on its own. No `GET_LOCK`: named locks belong to one session and break behind pools and
 * proxies.
 *
 * @example
 * ```ts
 * import mysql from 'mysql2/promise';
 * const pool = mysql.createPool({ uri: process.env.MYSQL_URL });
 * const locker = new MySqlLocker({ client: pool, ttl: '30s', minHold: '10s' });
 * const scheduler = createScheduler({ locker });
 * ```
 */
export class MySqlLocker implements Locker {
  readonly #client: MySqlQueryable;
  readonly #names: Names;
  readonly #ttl: number;
  readonly #minHold: number;
  readonly #prefix: string;
  readonly #timeout: number;
  readonly #settings: RenewedLockSettings;
  /** Locks from `lock()`. */
  readonly #locks: HeldLocks;
  /** Locks from `lockBatch()`, made directly: a batch has its fences already. */
  readonly #batchLocks = new Set<RenewedLock>();
  readonly #forget = (lock: RenewedLock) => {
    this.#batchLocks.delete(lock);
  };
  readonly #sql: LockerSql;
  readonly #extends: Coalescer<Claimed, boolean>;
  readonly #releases: Coalescer<Claimed, undefined>;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * The `minHold` option in ms: how long an occurrence stays claimed after its first claim. The
   * scheduler sends no claim later than half of it after its occurrence (see `Locker.minHold`).
   */
  get minHold(): number {
    return this.#minHold;
  }

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: MySqlLockerOptions) {
    this.#client = queryable('MySqlLocker', options?.client);
    this.#names = names('MySqlLocker', options.database, options.table);
    const { ttl, minHold, renewInterval } = lockerTimings('MySqlLocker', options);
    this.#ttl = ttl;
    this.#minHold = minHold;
    this.#timeout = durationOption(options.acquireTimeout, 5_000, 'MySqlLocker acquireTimeout');
    this.#settings = { owner: 'MySqlLocker', renewInterval, timeout: this.#timeout };
    this.#locks = new HeldLocks(this.#settings);
    const prefix = options.keyPrefix ?? '';
    if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `MySqlLocker keyPrefix: must be a string of at most ${MAX_PREFIX} characters, got ${JSON.stringify(prefix)}`,
      );
    }
    this.#prefix = prefix;
    this.#sql = lockerSql(this.#names);
    this.#extends = new Coalescer(
      (claims) => this.#extendAll(claims),
      renewalWindow(ttl, renewInterval, RENEWAL_WINDOW),
    );
    this.#releases = new Coalescer((claims) => this.#releaseAll(claims));
  }

  /**
   * Applies pending migrations now (otherwise the first `lock()` does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the mysql2 error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
   */
  migrate(): Promise<void> {
    return ensureSchema(this.#client, this.#names);
  }

  /** The `lock_key` column value of one occurrence of `key`, for inspection. */
  occurrenceKey(key: string, scheduledAt: Date): string {
    const at = checkLockRequest('MySqlLocker', key, scheduledAt);
    return `${this.#prefix}${key}:${at}`;
  }

  /**
   * Claims the occurrence `scheduledAt` of `key`: a {@link Lock} when this instance got it, `null`
   * when another holds it. Rejects with `ERR_LOCK_BACKEND_FAILED` when the server fails (the mysql2
   * error as `cause`), `ERR_LOCK_TIMEOUT` when it does not answer within `acquireTimeout`, and with
   * the signal's reason when `options.signal` aborts. `lock.lost` aborts with `ERR_LOCK_LOST`.
   */
  async lock(key: string, options: LockOptions): Promise<Lock | null> {
    const id = this.occurrenceKey(key, options?.scheduledAt);
    const claimed: Claimed = { key: id, token: newToken(), since: 0 };
    const acquire = async () => {
      await ensureSchema(this.#client, this.#names);
      const values = [id, this.#prefix + key, claimed.token, this.#lifetime() * 1000];
      // Twice at most: a takeover that another instance beats finds the key held the second time.
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await run(this.#client, this.#sql.acquire, values);
        const fence = BigInt(String(result.insertId));
        if (fence >= FIRST_FENCE) {
          claimed.since = performance.now();
          return fence;
        }
        if (fence !== EXPIRED) return null;
        await run(this.#client, this.#sql.takeOver(1), [id]);
      }
      return null;
    };
    return this.#locks.acquire(acquire(), this.#ops(claimed), options.signal);
  }

  /**
   * Claims several occurrences in two statements (see {@link Locker.lockBatch}): one multi-row
   * `INSERT ... ON DUPLICATE KEY UPDATE` that leaves existing claims as they are, and one `SELECT`
   * of what this instance holds among them (plus a `DELETE` and the two again for occurrences whose
   * claims had expired). Resolves one entry per claim, in order: a {@link Lock} for each occurrence
   * won, `null` for each held elsewhere. Rejects as `lock()` does, which fails the whole batch;
   * throws `ERR_LOCK_KEY_INVALID` or `ERR_INVALID_ARGUMENT` for a bad claim.
   */
  async lockBatch(
    claims: readonly LockClaim[],
    options: { signal: AbortSignal },
  ): Promise<Array<Lock | null>> {
    checkLockClaims('MySqlLocker', claims);
    const keys = claims.map((claim) => this.occurrenceKey(claim.key, claim.scheduledAt));
    const signal = options?.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (keys.length === 0) return [];
    // One token for the whole batch: the key already tells its claims apart.
    const token = newToken();
    const entries = claims
      .map((claim, i) => ({ key: keys[i] as string, name: this.#prefix + claim.key }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const acquire = async () => {
      await ensureSchema(this.#client, this.#names);
      const won = new Map<string, string>();
      let pending = entries;
      for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
        const lifetime = this.#lifetime() * 1000;
        await run(
          this.#client,
          this.#sql.acquireBatch(pending.length),
          pending.flatMap((entry) => [entry.key, entry.name, token, lifetime]),
        );
        const rows = await run<HolderRow[]>(this.#client, this.#sql.holders(pending.length), [
          token,
          ...pending.map((entry) => entry.key),
        ]);
        const expired = new Set<string>();
        for (const row of rows) {
          if (Number(row.mine) === 1) won.set(row.lock_key, row.fence);
          else if (Number(row.expired) === 1) expired.add(row.lock_key);
        }
        pending = pending.filter((entry) => expired.has(entry.key));
        if (pending.length > 0) {
          await run(
            this.#client,
            this.#sql.takeOver(pending.length),
            pending.map((entry) => entry.key),
          );
        }
      }
      return won;
    };
    const won = await bounded(acquire(), this.#timeout, 'MySqlLocker lock', signal, (late) => {
      for (const key of late.keys()) this.#releases.add({ key, token, since: 0 }).catch(() => undefined);
    });
    const since = performance.now();
    return keys.map((key) => {
      const fence = won.get(key);
      if (fence === undefined) return null;
      const lock = new RenewedLock(
        BigInt(fence),
        this.#ops({ key, token, since }),
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
    const values = [this.#ttl * 1000, ...keysAndPairs(claims)];
    const result = await run(this.#client, this.#sql.extend(claims.length), values);
    if (result.affectedRows === claims.length) return claims.map(() => true);
    const rows = await run<Array<{ lock_key: string; token: string }>>(
      this.#client,
      this.#sql.held(claims.length),
      keysAndPairs(claims),
    );
    const renewed = new Set(rows.map((row) => `${row.token} ${row.lock_key}`));
    return claims.map((claim) => renewed.has(`${claim.token} ${claim.key}`));
  }

  /**
   * Claims held for `minHold` already (by the local clock's rate, counted from when the claim was
   * answered, so never early) are deleted; the others stay, tokenless, until `minHold` after their
   * acquisition by the server's clock. Every second at most, long-expired claims are swept after.
   */
  async #releaseAll(claims: readonly Claimed[]): Promise<undefined[]> {
    const now = performance.now();
    const done = claims.filter((claim) => claim.since > 0 && now - claim.since >= this.#minHold);
    let kept: readonly Claimed[] = claims.filter((claim) => !done.includes(claim));
    if (done.length > 0) {
      const result = await run(this.#client, this.#sql.releaseDone(done.length), [
        ...keysAndPairs(done),
        this.#minHold * 1000,
      ]);
      if (result.affectedRows < done.length) kept = claims;
    }
    if (kept.length > 0) {
      await run(this.#client, this.#sql.releaseKept(kept.length), [
        this.#minHold * 1000,
        ...keysAndPairs(kept),
      ]);
    }
    if (now - this.#lastSweep >= SWEEP_EVERY) {
      this.#lastSweep = now;
      run(this.#client, this.#sql.sweep, [claims.length + SWEEP_SLACK]).catch(() => undefined);
    }
    return [];
  }
}

/** A claim as the server knows it: its occurrence key and its holder's token. */
interface Claimed {
  readonly key: string;
  readonly token: string;
  /** `performance.now()` when the claim was answered; 0 when unknown. */
  since: number;
}

interface HolderRow {
  lock_key: string;
  fence: string;
  mine: unknown;
  expired: unknown;
}

/** The values of `lock_key IN (...) AND (lock_key, token) IN (...)` for `claims`. */
function keysAndPairs(claims: readonly Claimed[]): string[] {
  return [...claims.map((claim) => claim.key), ...claims.flatMap((claim) => [claim.key, claim.token])];
}

/** Insert ids the acquire statement reports: fences start at 2 (see the first migration). */
const FIRST_FENCE = 2n;
const EXPIRED = 1n;

/** The longest `keyPrefix`: with a 255-character job name and the occurrence it fills `lock_key`. */
const MAX_PREFIX = 200;

/** How many expired claims a sweep may delete beyond one per released claim. */
const SWEEP_SLACK = 100;

/** Milliseconds between sweeps of one locker. */
const SWEEP_EVERY = 1000;

/** The longest a renewal waits for others to share its statement, in milliseconds. */
const RENEWAL_WINDOW = 1000;

function newToken(): string {
  return randomBytes(16).toString('base64url');
}
