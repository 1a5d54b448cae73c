// Replicas of one fleet in one process: schedulers on skewed views of one FakeClock, sharing a
// MemoryFleet and a MemoryLocker whose "server" clock is the FakeClock itself.
import {
  type Clock,
  createScheduler,
  type Fleet,
  type FleetState,
  type Heartbeat,
  type Locker,
  MemoryFleet,
  type MemoryFleetOptions,
  MemoryLocker,
  type MemoryLockerOptions,
  type Scheduler,
  type SchedulerOptions,
} from '../src/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { recordingLogger, T0 } from './scheduler-helpers.js';

/** A replica's clock: the shared FakeClock's time plus a fixed skew; timers run on the FakeClock. */
export class SkewedClock implements Clock {
  constructor(
    readonly base: FakeClock,
    readonly skew: number,
  ) {}

  now(): number {
    return this.base.now() + this.skew;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.base.clearTimeout(handle);
  }
}

/**
 * A Fleet that forwards to another and records what it was asked; `down` makes every call reject
 * (a server that went away) and `dead` makes `leave` do nothing (a process that was killed).
 */
export class RecordingFleet implements Fleet {
  readonly beats: Array<{ at: number; beat: Heartbeat }> = [];
  readonly left: string[] = [];
  readonly completed: Array<{ name: string; at: number }> = [];
  down = false;
  dead = false;
  /** Delays (ms on the clock) of the next heartbeats' answers, one per heartbeat. */
  readonly slowBeats: number[] = [];

  constructor(
    readonly inner: Fleet,
    readonly clock: Clock,
  ) {}

  get settings() {
    return this.inner.settings;
  }

  #check(): void {
    if (this.down) throw Object.assign(new Error('fleet server down'), { code: 'ERR_LOCK_BACKEND_FAILED' });
  }

  async heartbeat(beat: Heartbeat, options: { signal: AbortSignal }): Promise<FleetState> {
    this.beats.push({ at: this.clock.now(), beat });
    this.#check();
    const delay = this.slowBeats.shift();
    if (delay !== undefined) {
      // A server that answers late: the wait ends early only if the caller gives up.
      await new Promise<void>((resolve, reject) => {
        const timer = this.clock.setTimeout(resolve, delay);
        options.signal.addEventListener('abort', () => {
          this.clock.clearTimeout(timer);
          reject(options.signal.reason);
        });
      });
    }
    return this.inner.heartbeat(beat, options);
  }

  async leave(replica: string): Promise<void> {
    this.left.push(replica);
    this.#check();
    if (!this.dead) await this.inner.leave(replica);
  }

  async replicas() {
    return this.inner.replicas();
  }

  async pause(name: string) {
    return this.inner.pause(name);
  }

  async resume(name: string) {
    return this.inner.resume(name);
  }

  async pausedJobs() {
    return this.inner.pausedJobs();
  }

  async lastCompleted(names: readonly string[]) {
    this.#check();
    return this.inner.lastCompleted(names);
  }

  async recordCompleted(name: string, scheduledAt: Date) {
    this.completed.push({ name, at: scheduledAt.getTime() });
    this.#check();
    return this.inner.recordCompleted(name, scheduledAt);
  }
}

export interface Replica {
  readonly id: string;
  readonly clock: SkewedClock;
  readonly fleet: RecordingFleet;
  readonly locker: MemoryLocker;
  readonly scheduler: Scheduler;
  /** The locker the scheduler uses: `locker`, behind `claimDelay` when one is set. */
  readonly claims: Locker;
  readonly logger: ReturnType<typeof recordingLogger>;
}

/** The scheduler options a test may add to a replica's. */
export type ReplicaOptions = Omit<SchedulerOptions, 'clock' | 'fleet' | 'locker' | 'replica'>;

export interface FleetSetup {
  /** The shared FakeClock: the server's time, and what the tests advance. */
  readonly clock: FakeClock;
  /** The store every replica's fleet shares (the "server"). */
  readonly server: MemoryFleet;
  readonly lockerServer: MemoryLocker;
  readonly replicas: Replica[];
  /** Adds one more replica of the same fleet. */
  add(id: string, skew?: number): Replica;
  /** Shuts every scheduler down. */
  close(): Promise<void>;
}

/** Replicas `r0`, `r1`, ... with the given clock skews (ms), sharing one fleet and one locker. */
export function fleetOf(
  skews: readonly number[],
  options: {
    fleet?: MemoryFleetOptions;
    locker?: MemoryLockerOptions;
    /** Every claim (lock, lockBatch) takes this long on the replica's clock, as on a busy server. */
    claimDelay?: number;
    /** More scheduler options, the same for every replica or made per replica id. */
    scheduler?: ReplicaOptions | ((id: string) => ReplicaOptions);
    start?: Date | number;
  } = {},
): FleetSetup {
  const clock = new FakeClock(options.start ?? T0);
  const server = new MemoryFleet({ ...options.fleet, clock });
  const lockerServer = new MemoryLocker({ ...options.locker, clock });
  const replicas: Replica[] = [];
  const add = (id: string, skew = 0): Replica => {
    const own = new SkewedClock(clock, skew);
    const fleet = new RecordingFleet(new MemoryFleet({ ...options.fleet, clock, shareWith: server }), own);
    const locker = new MemoryLocker({ ...options.locker, clock, shareWith: lockerServer });
    const claims = options.claimDelay === undefined ? locker : delayedClaims(locker, own, options.claimDelay);
    const logger = recordingLogger();
    const scheduler = createScheduler({
      timeZone: 'UTC',
      logger,
      ...(typeof options.scheduler === 'function' ? options.scheduler(id) : options.scheduler),
      clock: own,
      fleet,
      locker: claims,
      replica: id,
    });
    const replica = { id, clock: own, fleet, locker, scheduler, logger, claims };
    replicas.push(replica);
    return replica;
  };
  for (const [i, skew] of skews.entries()) add(`r${i}`, skew);
  return {
    clock,
    server,
    lockerServer,
    replicas,
    add,
    close: async () => {
      await Promise.all(replicas.map((replica) => replica.scheduler.shutdown()));
    },
  };
}

/** `locker` whose claims are answered `delay` ms late on `clock` (the claim itself is made at the end). */
function delayedClaims(locker: MemoryLocker, clock: Clock, delay: number): Locker {
  const later = () => new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
  return {
    lock: async (key, options) => {
      await later();
      return locker.lock(key, options);
    },
    lockBatch: async (claims, options) => {
      await later();
      return locker.lockBatch(claims, options);
    },
  };
}

/** The runs a set of replicas made, as `replica@scheduledAt` entries. */
export interface RunLog {
  readonly runs: Array<{ replica: string; at: number; startedAt: number }>;
  /** How many runs each occurrence got. */
  counts(): Map<number, number>;
  /** How many runs each replica made. */
  perReplica(): Map<string, number>;
}

export function runLog(): RunLog {
  const runs: RunLog['runs'] = [];
  return {
    runs,
    counts() {
      const counts = new Map<number, number>();
      for (const run of runs) counts.set(run.at, (counts.get(run.at) ?? 0) + 1);
      return counts;
    },
    perReplica() {
      const counts = new Map<string, number>();
      for (const run of runs) counts.set(run.replica, (counts.get(run.replica) ?? 0) + 1);
      return counts;
    },
  };
}
