// PostgresLocker: per-occurrence claims in a lease table, judged by the server's now().
import { randomBytes } from 'node:crypto';
import { type Duration, type Lock, type Locker, type LockOptions, TscronError } from 'tscron';
import { checkLockRequest, durationOption, HeldLocks, lockerTimings } from 'tscron/backend';
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
   * lost. Must be shorter than `ttl`.
   * @default ttl / 3
   */
  renewInterval?: Duration;
  /**
   * How long `lock()` and `unlock()` may take before they reject with `ERR_LOCK_TIMEOUT`. A claim
   * the server makes after the caller gave up is released at once.
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
 * call is one statement.
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
  readonly #locks: HeldLocks;
  readonly #sql: { acquire: string; extend: string; release: string; sweep: string };
  #releases = 0;

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
    const timeout = durationOption(options.acquireTimeout, 5_000, 'PostgresLocker acquireTimeout');
    this.#locks = new HeldLocks({ owner: 'PostgresLocker', renewInterval, timeout });
    this.#prefix = options.keyPrefix ?? '';
    const { schema, locks, fenceSequence } = this.#names;
    const L = `${schema}.${locks}`;
    const Q = `${schema}.${fenceSequence}`.replaceAll("'", "''");
    const ms = "* interval '1 millisecond'";
    this.#sql = {
      acquire: `INSERT INTO ${L} AS l (key, name, token, fence, acquired_at, expires_at)
VALUES ($1, $2, $3, nextval('${Q}'), now(), now() + $4::bigint ${ms})
ON CONFLICT (key) DO UPDATE SET token = excluded.token, fence = excluded.fence,
  acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE l.expires_at <= now()
RETURNING l.fence::text AS fence`,
      extend: `UPDATE ${L} SET expires_at = greatest(expires_at, now() + $3::bigint ${ms})
WHERE key = $1 AND token = $2 AND expires_at > now()`,
      release: `WITH gone AS (
  DELETE FROM ${L} WHERE key = $1 AND token = $2 AND acquired_at + $3::bigint ${ms} <= now() RETURNING 1
)
UPDATE ${L} SET token = '', expires_at = acquired_at + $3::bigint ${ms}
WHERE key = $1 AND token = $2 AND acquired_at + $3::bigint ${ms} > now()`,
      // Every so often a release also deletes expired claims of the same job (skipping locked rows,
      // so concurrent releases never wait on each other).
      sweep: `WITH gone AS (
  DELETE FROM ${L} WHERE key = $1 AND token = $2 AND acquired_at + $3::bigint ${ms} <= now() RETURNING 1
), kept AS (
  UPDATE ${L} SET token = '', expires_at = acquired_at + $3::bigint ${ms}
  WHERE key = $1 AND token = $2 AND acquired_at + $3::bigint ${ms} > now() RETURNING 1
)
DELETE FROM ${L} WHERE key IN (
  SELECT key FROM ${L} WHERE name = $4 AND key <> $1 AND expires_at < now() - interval '1 second'
  LIMIT 100 FOR UPDATE SKIP LOCKED
)`,
    };
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
    const name = this.#prefix + key;
    const token = randomBytes(16).toString('base64url');
    const release = async () => {
      const sweep = ++this.#releases % 32 === 0;
      const args = sweep ? [id, token, this.#minHold, name] : [id, token, this.#minHold];
      await run(this.#client, sweep ? this.#sql.sweep : this.#sql.release, args);
    };
    const acquire = async () => {
      await ensureSchema(this.#client, this.#names);
      const { rows } = await run(this.#client, this.#sql.acquire, [
        id,
        name,
        token,
        Math.max(this.#ttl, this.#minHold),
      ]);
      return rows[0]?.fence as string | undefined;
    };
    return this.#locks.acquire(
      acquire(),
      {
        extend: async () =>
          (await run(this.#client, this.#sql.extend, [id, token, this.#ttl])).rowCount === 1,
        release,
      },
      options.signal,
    );
  }

  /** Releases every lock this instance holds and stops its timers. Never ends the client. */
  close(): Promise<void> {
    return this.#locks.releaseAll();
  }
}
