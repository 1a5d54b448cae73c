// MySqlElector: a leader lease row, renewed in the background, judged by the server's clock.
import { randomBytes } from 'node:crypto';
import { type Duration, type Elector, TscronError } from 'tscron';
import { Campaign, electorTimings } from 'tscron/backend';
import { type MySqlClient, type MySqlQueryable, queryable, run } from './client.js';
import { ensureSchema, type Names, names } from './schema.js';

/** Options of {@link MySqlElector}. Durations are milliseconds or Go-style strings. */
export interface MySqlElectorOptions {
  /** A mysql2 Pool (recommended) or Connection, promise or callback API. tscron never ends it. */
  client: MySqlClient;
  /** The election: replicas with the same name compete for one lease row; 1 to 255 characters. */
  name: string;
  /** The database of the tables. By default the connection's current database. */
  database?: string;
  /**
   * Base table name, as for {@link MySqlLockerOptions.table}: leases live in `<table>_leases`.
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

const NOW = 'UTC_TIMESTAMP(3)';

/**
 * An {@link Elector} on MySQL 8 or MariaDB: one row per election holding the leader's random token,
 * a term counter and an expiry from the server's `UTC_TIMESTAMP(3)`. It campaigns from the first
 * `isLeader` call, renews every `retryPeriod` (an upsert and a read of the holder), answers from
 * local state, and resigns (deletes its row) on `close()`.
 *
 * @example
 * ```ts
 * const elector = new MySqlElector({ client: pool, name: 'billing' });
 * const scheduler = createScheduler({ elector });
 * ```
 */
export class MySqlElector implements Elector {
  readonly #campaign: Campaign;
  readonly #retryPeriod: number;
  readonly #client: MySqlQueryable;
  readonly #names: Names;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: MySqlElectorOptions) {
    const client = queryable('MySqlElector', options?.client);
    if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 255) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'MySqlElector: `name` must be a string of 1 to 255 characters',
      );
    }
    this.#client = client;
    this.#names = names('MySqlElector', options.database, options.table);
    const { lease, retryPeriod } = electorTimings('MySqlElector', options);
    this.#retryPeriod = retryPeriod;
    const S = this.#names.leases;
    // MySQL applies the assignments left to right, each seeing the ones before: term and token read
    // the old token and expiry, expires_at reads the new token.
    const campaign = `INSERT INTO ${S} (name, token, term, expires_at)
VALUES (?, ?, 1, ${NOW} + INTERVAL ? MICROSECOND)
ON DUPLICATE KEY UPDATE
  term = IF(token = ?, term, IF(expires_at <= ${NOW}, term + 1, term)),
  token = IF(token = ? OR expires_at <= ${NOW}, ?, token),
  expires_at = IF(token = ?, ${NOW} + INTERVAL ? MICROSECOND, expires_at)`;
    const holder = `SELECT token FROM ${S} WHERE name = ?`;
    const resign = `DELETE FROM ${S} WHERE name = ? AND token = ?`;
    const token = randomBytes(16).toString('base64url');
    const name = options.name;
    const us = lease * 1000;
    this.#campaign = new Campaign({
      owner: 'MySqlElector',
      campaign: async () => {
        await ensureSchema(client, this.#names);
        await run(client, campaign, [name, token, us, token, token, token, token, us]);
        const rows = await run<Array<{ token: string }>>(client, holder, [name]);
        return rows[0]?.token === token;
      },
      resign: async () => {
        await run(client, resign, [name, token]);
      },
      lease,
      retryPeriod,
    });
  }

  /**
   * Applies pending migrations now (otherwise the first campaign does). Rejects with
   * `ERR_LOCK_BACKEND_FAILED` (the mysql2 error as `cause`) or, for a newer schema, `ERR_INVALID_OPTION`.
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
