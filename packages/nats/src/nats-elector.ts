// NatsElector: a leader lease in one JetStream KV key, renewed in the background.
import { randomBytes } from 'node:crypto';
import { type Duration, type Elector, TscronError } from 'tscron';
import { Campaign, electorTimings } from 'tscron/backend';
import { ClaimBucket } from './bucket.js';
import { expired } from './claim.js';
import { isNatsConnection, type NatsConnection } from './connection.js';
import { checkBucket, nameToken } from './keys.js';

/** Options of {@link NatsElector}. Durations are milliseconds or Go-style strings. */
export interface NatsElectorOptions {
  /** The connection (`connect()` from `@nats-io/transport-node`). tscron never closes it. */
  client: NatsConnection;
  /** The election: replicas with the same name (and bucket) compete for one lease. */
  name: string;
  /**
   * How long the lease lasts without renewal, from the server timestamp of its last write. A leader
   * that dies is replaced after at most `lease + retryPeriod`; a leader that cannot reach NATS says
   * false a little before `lease`.
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
   * The KV bucket holding the leases, created on first use when missing (as `NatsLocker`'s).
   * @default 'tscron_leaders'
   */
  bucket?: string;
}

/**
 * An {@link Elector} on NATS JetStream KV: the lease is one key `<base64url(name)>` holding the
 * leader's random token and the lease length. The leader rewrites it every `retryPeriod`, expecting
 * the revision it wrote last; a follower takes it over only when the server's time has passed the
 * entry's server timestamp plus the lease. It campaigns from the first `isLeader` call, answers
 * `isLeader` from local state, and resigns (purges the key) on `close()`.
 *
 * @example
 * ```ts
 * const elector = new NatsElector({ client: await connect(), name: 'billing' });
 * const scheduler = createScheduler({ elector });
 * ```
 */
export class NatsElector implements Elector {
  readonly #campaign: Campaign;
  readonly #retryPeriod: number;
  readonly #bucket: ClaimBucket;
  readonly #key: string;
  readonly #token = randomBytes(16).toString('base64url');
  readonly #lease: number;
  /** The revision this instance last wrote the lease at, while it believes it holds it. */
  #revision = 0;

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: NatsElectorOptions) {
    const client = options?.client;
    if (!isNatsConnection(client)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'NatsElector: `client` must be a NatsConnection (connect() from @nats-io/transport-node)',
      );
    }
    if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 255) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        'NatsElector: `name` must be a string of 1 to 255 characters',
      );
    }
    const { lease, retryPeriod } = electorTimings('NatsElector', options);
    this.#lease = lease;
    this.#retryPeriod = retryPeriod;
    const bucket = checkBucket('NatsElector', options.bucket ?? 'tscron_leaders');
    this.#bucket = new ClaimBucket(client, bucket, 'NatsElector', lease);
    this.#key = nameToken(options.name);
    this.#campaign = new Campaign({
      owner: 'NatsElector',
      campaign: () => this.#attempt(),
      resign: () => this.#resign(),
      lease,
      retryPeriod,
    });
  }

  /** Whether this instance leads now. The first call starts campaigning and waits for the first attempt. */
  isLeader(options?: { signal?: AbortSignal }): Promise<boolean> {
    return this.#campaign.isLeader(options?.signal);
  }

  /** Resigns the lease if held and stops campaigning. Never closes the connection. */
  close(): Promise<void> {
    return this.#campaign.close(this.#retryPeriod);
  }

  /** Takes or renews the lease; resolves whether this instance holds it afterwards. */
  async #attempt(): Promise<boolean> {
    const lease = { token: this.#token, life: this.#lease };
    const startedAt = performance.now();
    if (this.#revision !== 0) {
      const renewed = await this.#bucket.write(this.#key, lease, this.#revision);
      if (renewed !== null) {
        this.#revision = renewed;
        return true;
      }
      this.#revision = 0;
    }
    const entry = await this.#bucket.read(this.#key);
    let expected = 0;
    if (entry !== null) {
      const held = entry.claim;
      if (held !== undefined && held.token !== this.#token) {
        const now = await this.#bucket.serverTime(startedAt);
        if (!expired(held, entry.stamped, now)) return false;
      }
      expected = entry.revision;
    }
    const taken = await this.#bucket.write(this.#key, lease, expected);
    this.#revision = taken ?? 0;
    return taken !== null;
  }

  async #resign(): Promise<void> {
    const revision = this.#revision;
    this.#revision = 0;
    if (revision !== 0) await this.#bucket.purge(this.#key, revision);
  }
}
