// The single-process reference Fleet: heartbeats, fleet-wide pause and last completed occurrences.
import { checkJobName, checkScheduledAt, type FleetOptions, fleetSettings } from './backend/fleet-options.js';
import { abortReason } from './backend/index.js';
import { type Clock, systemClock } from './clock.js';
import type { Fleet, FleetSettings, FleetState, Heartbeat, ReplicaInfo } from './fleet.js';

/** Options of {@link MemoryFleet}. */
export interface MemoryFleetOptions extends FleetOptions {
  /**
   * The "server" clock: judges liveness and stamps heartbeats.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * Another MemoryFleet whose state this one shares, so that schedulers in one process behave like
   * replicas on one server (each fleet object with its own options).
   */
  shareWith?: MemoryFleet;
}

interface Member {
  info: ReplicaInfo;
  expiresAt: number;
}

interface FleetTable {
  members: Map<string, Member>;
  paused: Set<string>;
  completed: Map<string, number>;
}

const TABLES = new WeakMap<MemoryFleet, FleetTable>();

/**
 * A {@link Fleet} for schedulers in one process, and the reference every fleet backend is measured
 * against: give the same MemoryFleet (or ones made with `shareWith`) to several schedulers sharing a
 * `MemoryLocker` to see balance, fleet-wide pause and catch-up in a test on a `FakeClock`.
 *
 * @example
 * ```ts
 * import { createScheduler, MemoryFleet, MemoryLocker } from 'tscron';
 *
 * const locker = new MemoryLocker();
 * const fleet = new MemoryFleet({ balance: true });
 * const a = createScheduler({ locker, fleet, replica: 'a' });
 * const b = createScheduler({ locker, fleet, replica: 'b' }); // a and b share the occurrences
 * ```
 */
export class MemoryFleet implements Fleet {
  readonly settings: FleetSettings;
  readonly #clock: Clock;
  readonly #table: FleetTable;

  /** Throws `ERR_INVALID_OPTION` or `ERR_INVALID_DURATION` for bad options. */
  constructor(options: MemoryFleetOptions = {}) {
    this.settings = fleetSettings('MemoryFleet', options);
    this.#clock = options.clock ?? systemClock;
    const shared = options.shareWith === undefined ? undefined : TABLES.get(options.shareWith);
    this.#table = shared ?? { members: new Map(), paused: new Set(), completed: new Map() };
    TABLES.set(this, this.#table);
  }

  /** Stamps the replica as seen now, for `beat.ttlMs`, and returns the fleet. */
  async heartbeat(beat: Heartbeat, options: { signal: AbortSignal }): Promise<FleetState> {
    if (options?.signal?.aborted) throw abortReason(options.signal);
    const now = this.#clock.now();
    this.#table.members.set(beat.replica, {
      info: {
        id: beat.replica,
        host: beat.host,
        pid: beat.pid,
        version: beat.version,
        startedAt: new Date(beat.startedAt.getTime()),
        lastSeen: new Date(now),
        clockOffsetMs: beat.clockOffsetMs,
      },
      expiresAt: now + beat.ttlMs,
    });
    return { serverTime: new Date(now), replicas: this.#live(now), paused: this.#paused() };
  }

  async leave(replica: string): Promise<void> {
    this.#table.members.delete(replica);
  }

  async replicas(): Promise<ReplicaInfo[]> {
    return this.#live(this.#clock.now());
  }

  async pause(jobName: string): Promise<void> {
    checkJobName('MemoryFleet', 'pause', jobName);
    this.#table.paused.add(jobName);
  }

  async resume(jobName: string): Promise<void> {
    checkJobName('MemoryFleet', 'resume', jobName);
    this.#table.paused.delete(jobName);
  }

  async pausedJobs(): Promise<string[]> {
    return this.#paused();
  }

  async lastCompleted(jobNames: readonly string[]): Promise<Map<string, Date>> {
    const found = new Map<string, Date>();
    for (const name of jobNames) {
      checkJobName('MemoryFleet', 'lastCompleted', name);
      const at = this.#table.completed.get(name);
      if (at !== undefined) found.set(name, new Date(at));
    }
    return found;
  }

  async recordCompleted(jobName: string, scheduledAt: Date): Promise<void> {
    checkJobName('MemoryFleet', 'recordCompleted', jobName);
    checkScheduledAt('MemoryFleet', 'recordCompleted', scheduledAt);
    const at = scheduledAt.getTime();
    const known = this.#table.completed.get(jobName);
    if (known === undefined || at > known) this.#table.completed.set(jobName, at);
  }

  #live(now: number): ReplicaInfo[] {
    const live: ReplicaInfo[] = [];
    for (const [id, member] of this.#table.members) {
      if (member.expiresAt > now) live.push(member.info);
      else this.#table.members.delete(id);
    }
    return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #paused(): string[] {
    return [...this.#table.paused].sort();
  }
}
