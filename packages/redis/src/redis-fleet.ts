// RedisFleet: the replicas of a scheduler as one fleet on Redis (heartbeats, fleet-wide pause, each
// job's last completed occurrence), every key in one hash slot.
import type { Fleet, FleetSettings, FleetState, Heartbeat, ReplicaInfo } from 'tscron';
import { TscronError } from 'tscron';
import {
  abortReason,
  bounded,
  Coalescer,
  checkJobName,
  checkScheduledAt,
  type FleetOptions,
  fleetSettings,
} from 'tscron/backend';
import type { RedisClient } from './client.js';
import type { RedisConnection } from './connection.js';
import { ConnectionWatch, explainTimeout } from './connection-watch.js';
import { clientOption, keyPrefixOption, shown } from './options.js';
import { type Script, script } from './scripts.js';

/** Job names one command or script call takes at most (Lua's `unpack` stops near 8,000). */
const NAMES_PER_CALL = 1000;

/** Options of {@link RedisFleet}. Durations are milliseconds or Go-style strings (`'5s'`). */
export interface RedisFleetOptions extends FleetOptions {
  /**
   * The client: an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client or cluster
   * (`redis` 4 to 6), connected by you. tscron never closes it.
   */
  client: RedisClient;
  /**
   * Prefix of the fleet's keys, which are `<prefix>{fleet}:replicas`, `<prefix>{fleet}:paused` and
   * `<prefix>{fleet}:completed`: schedulers with the same prefix form one fleet. Must not contain
   * `{` or `}` (the `{fleet}` hash tag keeps the keys in one Cluster slot).
   * @default 'tscron:'
   */
  keyPrefix?: string;
}

/**
 * A {@link Fleet} on Redis (standalone, Sentinel or Cluster, through ioredis or node-redis), given
 * to `createScheduler({ fleet })` on every replica beside the locker.
 *
 * - A heartbeat is one script call: it reads the server's `TIME`, writes this replica (its
 *   description, and when it expires: server time + `ttlMs`), deletes the replicas that expired,
 *   and reads back the live ones and the paused jobs.
 * - `pause`/`resume` add to or remove from a set on the server: they survive restarts of every
 *   replica, and each replica sees them at its next heartbeat.
 * - `recordCompleted` keeps the latest occurrence per job in a script; the calls of one turn of the
 *   event loop share one script call.
 *
 * Every call gives up after three heartbeat intervals (a heartbeat: after its `ttlMs`) with
 * `ERR_LOCK_TIMEOUT`; a failing server is `ERR_LOCK_BACKEND_FAILED` (the client's error as `cause`).
 * The constructor does no I/O; `close()` waits for the writes in flight and never closes the client.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const client = new Redis(process.env.REDIS_URL);
 * const fleet = new RedisFleet({ client, balance: true });
 * const scheduler = createScheduler({ locker: new RedisLocker({ client }), fleet });
 * await fleet.pause('report'); // on every replica, within one heartbeat
 * ```
 */
export class RedisFleet implements Fleet {
  readonly settings: FleetSettings;
  readonly #connection: RedisConnection;
  readonly #watch: ConnectionWatch;
  readonly #replicasKey: string;
  readonly #pausedKey: string;
  readonly #completedKey: string;
  /** How long an operator's call may take: three heartbeats, after which a silent replica is gone. */
  readonly #timeout: number;
  readonly #completions: Coalescer<readonly [string, number], undefined>;
  readonly #writes = new Set<Promise<undefined>>();

  /** Validates the options; throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION`. No I/O. */
  constructor(options: RedisFleetOptions) {
    this.#connection = clientOption('RedisFleet', options?.client);
    this.settings = fleetSettings('RedisFleet', options);
    const prefix = keyPrefixOption('RedisFleet', options.keyPrefix, 'tscron:');
    this.#replicasKey = `${prefix}{fleet}:replicas`;
    this.#pausedKey = `${prefix}{fleet}:paused`;
    this.#completedKey = `${prefix}{fleet}:completed`;
    this.#timeout = 3 * this.settings.heartbeatInterval;
    this.#watch = new ConnectionWatch(this.#connection);
    this.#completions = new Coalescer((items) => this.#writeCompleted(items));
  }

  /** The fleet's keys, for inspection: the replicas hash, the paused set, the completed hash. */
  keys(): { replicas: string; paused: string; completed: string } {
    return { replicas: this.#replicasKey, paused: this.#pausedKey, completed: this.#completedKey };
  }

  /**
   * Writes this replica and reads the fleet back, in one script call. Rejects with
   * `ERR_INVALID_OPTION` for a bad heartbeat (before any I/O), with the signal's reason when it
   * aborts, with `ERR_LOCK_TIMEOUT` after `beat.ttlMs`, and with `ERR_LOCK_BACKEND_FAILED`.
   */
  async heartbeat(beat: Heartbeat, options: { signal: AbortSignal }): Promise<FleetState> {
    const description = describeReplica(beat);
    if (options?.signal?.aborted) throw abortReason(options.signal);
    const reply = await this.#call(
      'RedisFleet heartbeat',
      script.fleetHeartbeat,
      [this.#replicasKey, this.#pausedKey],
      [beat.replica, description, beat.ttlMs],
      beat.ttlMs,
      options?.signal,
    );
    return readState(reply);
  }

  /** Removes a replica from the live list at once; one that is not listed is ignored. */
  async leave(replica: string): Promise<void> {
    checkReplicaId('leave', replica);
    await this.#command('RedisFleet leave', this.#replicasKey, ['HDEL', replica]);
  }

  /** The live replicas, sorted by id (one script call, which also deletes the expired ones). */
  async replicas(): Promise<ReplicaInfo[]> {
    const reply = await this.#call(
      'RedisFleet replicas',
      script.fleetHeartbeat,
      [this.#replicasKey, this.#pausedKey],
      ['', '', 0],
      this.#timeout,
    );
    return [...readState(reply).replicas];
  }

  /** Pauses the job on every replica (`SADD`), until {@link RedisFleet.resume}; survives restarts. */
  async pause(jobName: string): Promise<void> {
    checkJobName('RedisFleet', 'pause', jobName);
    await this.#command('RedisFleet pause', this.#pausedKey, ['SADD', jobName]);
  }

  /** Undoes {@link RedisFleet.pause} (`SREM`); a job that is not paused is ignored. */
  async resume(jobName: string): Promise<void> {
    checkJobName('RedisFleet', 'resume', jobName);
    await this.#command('RedisFleet resume', this.#pausedKey, ['SREM', jobName]);
  }

  /** The names of the jobs paused fleet-wide, sorted. */
  async pausedJobs(): Promise<string[]> {
    const reply = await this.#command('RedisFleet pausedJobs', this.#pausedKey, ['SMEMBERS']);
    return (reply as unknown[]).map(String).sort();
  }

  /** Each named job's last completed occurrence (`HMGET`); a job with none is absent. */
  async lastCompleted(jobNames: readonly string[]): Promise<Map<string, Date>> {
    if (!Array.isArray(jobNames)) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `RedisFleet.lastCompleted: job names must be an array, got ${shown(jobNames)}`,
      );
    }
    for (const name of jobNames) checkJobName('RedisFleet', 'lastCompleted', name);
    const found = new Map<string, Date>();
    for (let start = 0; start < jobNames.length; start += NAMES_PER_CALL) {
      const names = jobNames.slice(start, start + NAMES_PER_CALL);
      const reply = (await this.#command('RedisFleet lastCompleted', this.#completedKey, [
        'HMGET',
        ...names,
      ])) as unknown[];
      for (const [i, name] of names.entries()) {
        const at = reply[i];
        if (at !== null && at !== undefined) found.set(name, new Date(Number(String(at))));
      }
    }
    return found;
  }

  /**
   * Notes that the occurrence `scheduledAt` of a job completed, keeping the latest per job (a
   * script compares on the server). The calls made in one turn of the event loop share one script
   * call; each settles with it.
   */
  recordCompleted(jobName: string, scheduledAt: Date): Promise<void> {
    try {
      checkJobName('RedisFleet', 'recordCompleted', jobName);
      checkScheduledAt('RedisFleet', 'recordCompleted', scheduledAt);
    } catch (error) {
      return Promise.reject(error);
    }
    const write = this.#completions.add([jobName, scheduledAt.getTime()]);
    this.#writes.add(write);
    const forget = () => {
      this.#writes.delete(write);
    };
    write.then(forget, forget);
    return write;
  }

  /** Waits for the `recordCompleted` writes in flight. Holds nothing else; never closes the client. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }

  async #writeCompleted(items: ReadonlyArray<readonly [string, number]>): Promise<undefined[]> {
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < items.length; start += NAMES_PER_CALL) {
      const args: string[] = [];
      for (const [name, at] of items.slice(start, start + NAMES_PER_CALL)) args.push(name, String(at));
      calls.push(
        this.#call(
          'RedisFleet recordCompleted',
          script.fleetCompleted,
          [this.#completedKey],
          args,
          this.#timeout,
        ),
      );
    }
    await Promise.all(calls);
    return new Array<undefined>(items.length);
  }

  /** One plain command on `key` (see command.lua). */
  #command(what: string, key: string, command: readonly string[]): Promise<unknown> {
    return this.#call(what, script.command, [key], command, this.#timeout);
  }

  /**
   * One script call, bounded by `timeout` and `signal`: `ERR_LOCK_TIMEOUT` (naming the connection
   * error the client last saw, if any) or `ERR_LOCK_BACKEND_FAILED`.
   */
  async #call(
    what: string,
    which: Script,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const done = this.#watch.begin();
    try {
      return await bounded(this.#connection.run(which, keys, args), timeout, what, signal);
    } catch (error) {
      throw explainTimeout(error, this.#watch.lastSeen());
    } finally {
      done();
    }
  }
}

function checkReplicaId(method: string, replica: unknown): asserts replica is string {
  if (typeof replica !== 'string' || replica.length === 0 || replica.length > 1000) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `RedisFleet.${method}: replica must be a string of 1 to 1000 characters, got ${shown(replica)}`,
    );
  }
}

/** What the server stores of a heartbeat: JSON, so that later versions can add fields. */
interface StoredReplica {
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  clockOffsetMs: number;
}

/** Checks a heartbeat and returns the description the server stores for it. */
function describeReplica(beat: Heartbeat): string {
  checkReplicaId('heartbeat', beat?.replica);
  const bad = (field: string, value: unknown, want: string) =>
    new TscronError(
      'ERR_INVALID_OPTION',
      `RedisFleet.heartbeat: ${field} must be ${want}, got ${shown(value)}`,
    );
  if (!Number.isSafeInteger(beat.ttlMs) || beat.ttlMs < 1)
    throw bad('ttlMs', beat.ttlMs, 'a whole number >= 1');
  if (!Number.isFinite(beat.clockOffsetMs)) throw bad('clockOffsetMs', beat.clockOffsetMs, 'a finite number');
  if (!(beat.startedAt instanceof Date) || Number.isNaN(beat.startedAt.getTime())) {
    throw bad('startedAt', beat.startedAt, 'a valid Date');
  }
  if (typeof beat.host !== 'string') throw bad('host', beat.host, 'a string');
  if (typeof beat.version !== 'string') throw bad('version', beat.version, 'a string');
  if (!Number.isSafeInteger(beat.pid)) throw bad('pid', beat.pid, 'an integer');
  const stored: StoredReplica = {
    host: beat.host,
    pid: beat.pid,
    version: beat.version,
    startedAt: beat.startedAt.getTime(),
    clockOffsetMs: beat.clockOffsetMs,
  };
  return JSON.stringify(stored);
}

/** The heartbeat script's reply `[server ms, [id, value, ...], [paused...]]` as a FleetState. */
function readState(reply: unknown): FleetState {
  const [now, entries, paused] = reply as [unknown, unknown[], unknown[]];
  const replicas: ReplicaInfo[] = [];
  for (let i = 0; i < entries.length; i += 2) {
    const replica = readReplica(String(entries[i]), String(entries[i + 1]));
    if (replica !== undefined) replicas.push(replica);
  }
  replicas.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    serverTime: new Date(Number(now)),
    replicas,
    paused: paused.map(String).sort(),
  };
}

/** One replica from `<expires ms> <last seen ms> <JSON>`; undefined when it is unreadable. */
function readReplica(id: string, value: string): ReplicaInfo | undefined {
  const match = /^\d+ (\d+) (.*)$/s.exec(value);
  if (match === null) return undefined;
  let stored: Partial<StoredReplica>;
  try {
    stored = JSON.parse(match[2] as string) as Partial<StoredReplica>;
  } catch {
    return undefined;
  }
  return {
    id,
    host: String(stored.host ?? ''),
    pid: Number(stored.pid ?? 0),
    version: String(stored.version ?? ''),
    startedAt: new Date(Number(stored.startedAt ?? 0)),
    lastSeen: new Date(Number(match[1])),
    clockOffsetMs: Number(stored.clockOffsetMs ?? 0),
  };
}
