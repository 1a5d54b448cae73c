// RedisElector: a leader lease in one Redis key, renewed in the background.
import { randomBytes } from 'node:crypto';
import { type Duration, type Elector, TscronError } from 'tscron';
import { Campaign, electorTimings } from 'tscron/backend';
import type { RedisClient } from './client.js';
import { clientOption } from './options.js';
import { script } from './scripts.js';

/** Options of {@link RedisElector}. Durations are milliseconds or Go-style strings. */
export interface RedisElectorOptions {
  /**
   * The client: an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client or cluster
   * (`redis` 4 to 6), connected by you. tscron never closes it.
   */
  client: RedisClient;
  /** The election: replicas with the same name (and prefix) compete for one lease. */
  name: string;
  /**
   * How long the lease lasts without renewal. A leader that dies is replaced after at most
   * `lease + retryPeriod`; a leader that cannot reach Redis says false a little before `lease`.
   * @default '15s'
   */
  lease?: Duration;
  /**
   * How often the leader renews and followers try to take the lease; also the longest one attempt
   * may take. Must be shorter than `lease`.
   * @default '2s'
   */
  retryPeriod?: Duration;
  /**
   * Prefix of the lease key `<prefix><name>`.
   * @default 'tscron:leader:'
   */
  keyPrefix?: string;
}

/**
 * An {@link Elector} on Redis: the lease is one key holding the leader's random token with a PX
 * expiry set by the server. It campaigns from the first `isLeader` call, renews every
 * `retryPeriod`, answers `isLeader` from local state, and resigns (deletes its key) on `close()`.
 *
 * @example
 * ```ts
 * const elector = new RedisElector({ client: new Redis(), name: 'billing' });
 * const scheduler = createScheduler({ elector });
 * ```
 */
export class RedisElector implements Elector {
  readonly #campaign: Campaign;
  readonly #retryPeriod: number;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: RedisElectorOptions) {
    const connection = clientOption('RedisElector', options?.client);
    if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 255) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'RedisElector: `name` must be a string of 1 to 255 characters',
      );
    }
    const { lease, retryPeriod } = electorTimings('RedisElector', options);
    this.#retryPeriod = retryPeriod;
    const key = `${options.keyPrefix ?? 'tscron:leader:'}${options.name}`;
    const token = randomBytes(16).toString('base64url');
    this.#campaign = new Campaign({
      owner: 'RedisElector',
      campaign: async () => (await connection.run(script.campaign, [key], [token, lease])) === 1,
      resign: async () => {
        await connection.run(script.resign, [key], [token]);
      },
      lease,
      retryPeriod,
    });
  }

  /** Whether this instance leads now. The first call starts campaigning and waits for the first attempt. */
  isLeader(options?: { signal?: AbortSignal }): Promise<boolean> {
    return this.#campaign.isLeader(options?.signal);
  }

  /** Resigns the lease if held and stops campaigning. Never closes the client. */
  close(): Promise<void> {
    return this.#campaign.close(this.#retryPeriod);
  }
}
