// PostgresElector: a leader lease row, renewed in the background, judged by the server's now().
import { randomBytes } from 'node:crypto';
import { type Duration, type Elector, TscronError } from 'tscron';
import { Campaign, electorTimings } from 'tscron/backend';
import { ensureSchema, type Names, names, type PgClient, run } from './schema.js';

/** Options of {@link PostgresElector}. Durations are milliseconds or Go-style strings. */
export interface PostgresElectorOptions {
  /** A `pg` Pool (recommended), Client or PoolClient. tscron never ends it. */
  client: PgClient;
  /** The election: replicas with the same name compete for one lease row. */
  name: string;
  /**
   * The schema of the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * Base table name, as for {@link PostgresLockerOptions.table}: leases live in `<table>_leases`.
   * @default 'tscron_locks'
   */
  table?: string;
  /**
   * How long the lease lasts without renewal. A leader that dies is replaced after at most
   * `lease + retryPeriod`; a leader that cannot reach the server says false a little before `lease`.
   * @default '15s'
   */
  lease?: Duration;
  /**
   * How often the leader renews and followers try to take the lease; also the longest one attempt
   * may take. Must be shorter than `lease`.
   * @default '2s'
   */
  retryPeriod?: Duration;
}

/**
 * An {@link Elector} on PostgreSQL: one row per election holding the leader's random token, a term
 * counter and an expiry from the server's `now()`. It campaigns from the first `isLeader` call,
 * renews every `retryPeriod` with one statement, answers from local state, and resigns (deletes its
 * row) on `close()`.
 *
 * @example
 * ```ts
 * const elector = new PostgresElector({ client: pool, name: 'billing' });
 * const scheduler = createScheduler({ elector });
 * ```
 */
export class PostgresElector implements Elector {
  readonly #campaign: Campaign;
  readonly #retryPeriod: number;
  readonly #client: PgClient;
  readonly #names: Names;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: PostgresElectorOptions) {
    const client = options?.client;
    if (typeof client?.query !== 'function') {
      throw new TscronError('ERR_INVALID_OPTION', 'PostgresElector: `client` must be a pg Pool or Client');
    }
    if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 255) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'PostgresElector: `name` must be a string of 1 to 255 characters',
      );
    }
    this.#client = client;
    this.#names = names('PostgresElector', options.schema, options.table);
    const { lease, retryPeriod } = electorTimings('PostgresElector', options);
    this.#retryPeriod = retryPeriod;
    const S = `${this.#names.schema}.${this.#names.leases}`;
    const campaign = `INSERT INTO ${S} AS s (name, token, term, expires_at)
VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at,
  term = s.term + CASE WHEN s.token = excluded.token THEN 0 ELSE 1 END
WHERE s.token = excluded.token OR s.expires_at <= now()`;
    const resign = `DELETE FROM ${S} WHERE name = $1 AND token = $2`;
    const token = randomBytes(16).toString('base64url');
    this.#campaign = new Campaign({
      owner: 'PostgresElector',
      campaign: async () => {
        await ensureSchema(client, this.#names);
        return (await run(client, campaign, [options.name, token, lease])).rowCount === 1;
      },
      resign: async () => {
        await run(client, resign, [options.name, token]);
      },
      lease,
      retryPeriod,
    });
  }

  /**
   * Applies pending migrations now (otherwise the first campaign does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the pg error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
   */
  migrate(): Promise<void> {
    return ensureSchema(this.#client, this.#names);
  }

  /** Whether this instance leads now. The first call starts campaigning and waits for the first attempt. */
  isLeader(options?: { signal?: AbortSignal }): Promise<boolean> {
    return this.#campaign.isLeader(options?.signal);
  }

  /** Resigns the lease if held and stops campaigning. Never ends the client. */
  close(): Promise<void> {
    return this.#campaign.close(this.#retryPeriod);
  }
}
