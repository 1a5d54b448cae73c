// One JetStream KV bucket as the locker and the elector use it: revision-checked writes, entries
// read with their server timestamps, and the server's clock read by a write.
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { type KV, type KvEntry, Kvm } from '@nats-io/kv';
import { TscronError } from 'tscron';
import { type Claim, formatClaim, parseClaim } from './claim.js';
import { type NatsConnection, perKeyTtl } from './connection.js';

/** The key whose writes read the server's clock: no claim key (`<token>.<digits>`) or lease key (no dot) is this. */
const CLOCK_KEY = '_tscron.clock';

/** How long a bucket this package creates keeps an entry nobody rewrote, at least. */
const MIN_MAX_AGE = 3_600_000;

/** An entry of the bucket: a live claim or marker (`claim`), or a removed key (`claim` undefined). */
export interface BucketEntry {
  readonly revision: number;
  /** When the server stored this revision, in epoch ms by the server's clock. */
  readonly stamped: number;
  /** The claim it holds; undefined for a delete or purge marker. */
  readonly claim: Claim | undefined;
}

/** What opening the bucket learnt. */
interface Opened {
  readonly js: JetStreamClient;
  readonly kv: KV;
  readonly subjectPrefix: string;
  /** Whether writes carry a per-message TTL (server 2.11+, bucket with `allow_msg_ttl`). */
  readonly messageTtl: boolean;
}

/** Whether `error` is JetStream's answer to a write whose expected last revision did not match. */
function isWrongRevision(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

const encoder = new TextEncoder();

/** The connection as the `@nats-io/jetstream` functions type it: a `NatsConnection` is one by contract. */
function asClientConnection(nc: NatsConnection): Parameters<typeof jetstream>[0] {
  return nc as unknown as Parameters<typeof jetstream>[0];
}

/**
 * A KV bucket opened lazily (created on first use when missing, with one revision per key and a
 * max age longer than anything stored in it) and the operations claims are made of. Every write
 * names the revision it expects, so that two writers never both succeed.
 */
export class ClaimBucket {
  readonly #nc: NatsConnection;
  readonly #name: string;
  readonly #owner: string;
  /** The longest an entry must live unrewritten: the bucket's max age must not be shorter. */
  readonly #longestLife: number;
  #opened: Promise<Opened> | undefined;
  /** The last clock read: when it was started (performance.now()) and the server time it yields. */
  #clock: { startedAt: number; time: Promise<number> } | undefined;

  constructor(nc: NatsConnection, name: string, owner: string, longestLife: number) {
    this.#nc = nc;
    this.#name = name;
    this.#owner = owner;
    this.#longestLife = longestLife;
  }

  /** The bucket's name. */
  get name(): string {
    return this.#name;
  }

  /**
   * Writes `claim` under `key` if the key's last revision is `expected` (0: the key has never been
   * written or was removed from the stream). Resolves the new revision, or `null` when the key's
   * revision was not `expected`.
   */
  async write(key: string, claim: Claim, expected: number): Promise<number | null> {
    const { js, subjectPrefix, messageTtl } = await this.#open();
    const options: Partial<JetStreamPublishOptions> = { expect: { lastSubjectSequence: expected } };
    // The server also drops the entry itself then; expiry is still judged from the timestamp.
    if (messageTtl) options.ttl = `${Math.ceil(claim.life / 1000) + 1}s`;
    try {
      const ack = await js.publish(`${subjectPrefix}${key}`, formatClaim(claim), options);
      return ack.seq;
    } catch (error) {
      if (isWrongRevision(error)) return null;
      throw error;
    }
  }

  /** Purges `key` if its last revision is `expected`; resolves whether it did. */
  async purge(key: string, expected: number): Promise<boolean> {
    const { kv } = await this.#open();
    try {
      await kv.purge(key, { previousSeq: expected });
      return true;
    } catch (error) {
      if (isWrongRevision(error)) return false;
      throw error;
    }
  }

  /** The key's last entry, or `null` when the key has none. */
  async read(key: string): Promise<BucketEntry | null> {
    const { kv } = await this.#open();
    const entry: KvEntry | null = await kv.get(key);
    if (entry === null) return null;
    return {
      revision: entry.revision,
      stamped: entry.created.getTime(),
      claim: entry.operation === 'PUT' ? parseClaim(entry.string()) : undefined,
    };
  }

  /**
   * The server's time, read from the timestamp of a write that started at or after `after`
   * (a `performance.now()` value): a lower bound of the server's time at the moment it resolves.
   * Callers that ask together share one write.
   */
  serverTime(after: number): Promise<number> {
    const clock = this.#clock;
    if (clock !== undefined && clock.startedAt >= after) return clock.time;
    const startedAt = performance.now();
    const time = this.#readClock();
    this.#clock = { startedAt, time };
    time.catch(() => {
      if (this.#clock?.time === time) this.#clock = undefined;
    });
    return time;
  }

  async #readClock(): Promise<number> {
    const { js, kv, subjectPrefix } = await this.#open();
    const ack = await js.publish(`${subjectPrefix}${CLOCK_KEY}`, encoder.encode(''));
    const entry = await kv.get(CLOCK_KEY, { revision: ack.seq });
    if (entry === null) {
      // Another clock write replaced it already (one revision per key): read that one.
      const latest = await kv.get(CLOCK_KEY);
      if (latest === null)
        throw new Error(`${this.#owner}: the clock entry of bucket ${this.#name} vanished`);
      return latest.created.getTime();
    }
    return entry.created.getTime();
  }

  #open(): Promise<Opened> {
    if (this.#opened === undefined) {
      this.#opened = this.#openNow();
      // A failed open (server down) is tried again by the next call.
      this.#opened.catch(() => {
        this.#opened = undefined;
      });
    }
    return this.#opened;
  }

  async #openNow(): Promise<Opened> {
    const nc = asClientConnection(this.#nc);
    const jsm: JetStreamManager = await jetstreamManager(nc, { checkAPI: false });
    const js = jetstream(nc);
    const stream = `KV_${this.#name}`;
    const messageTtl = perKeyTtl(this.#nc);
    let info = await jsm.streams.info(stream).catch((error: unknown) => {
      if (isStreamNotFound(error)) return undefined;
      throw error;
    });
    if (info === undefined) {
      await new Kvm(js)
        .create(this.#name, {
          history: 1,
          storage: StorageType.File,
          ttl: Math.max(MIN_MAX_AGE, 2 * this.#longestLife),
          ...(messageTtl ? { markerTTL: 1000 } : {}),
        })
        // Another replica may have created it in between, with other limits: use what is there.
        .catch(() => undefined);
      info = await jsm.streams.info(stream);
    }
    const config = info.config;
    if ((config.max_msgs_per_subject ?? 0) !== 1) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${this.#owner}: bucket "${this.#name}" keeps ${config.max_msgs_per_subject} revisions per key; it must keep 1 (history: 1)`,
      );
    }
    const maxAge = (config.max_age ?? 0) / 1e6;
    if (maxAge > 0 && maxAge < this.#longestLife) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${this.#owner}: bucket "${this.#name}" drops entries after ${maxAge}ms, shorter than the ${this.#longestLife}ms a claim or lease may need`,
      );
    }
    const kv = await new Kvm(js).open(this.#name, { allow_direct: config.allow_direct === true });
    return {
      js,
      kv,
      subjectPrefix: `$KV.${this.#name}.`,
      messageTtl: messageTtl && config.allow_msg_ttl === true,
    };
  }
}
