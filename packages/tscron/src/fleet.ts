// The Fleet contract: what a scheduler asks of a shared store to act as one scheduler with its peers.

/** One replica of the fleet as its last heartbeat described it. */
export interface ReplicaInfo {
  /** `SchedulerOptions.replica` of that scheduler. */
  readonly id: string;
  /** The host name it runs on. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /** The tscron version it runs. */
  readonly version: string;
  /** When its scheduler started. */
  readonly startedAt: Date;
  /** The server's time of its last heartbeat. */
  readonly lastSeen: Date;
  /** Its clock minus the server's clock, in milliseconds, as it last measured it (positive: ahead). */
  readonly clockOffsetMs: number;
}

/** What a scheduler writes at each heartbeat (see {@link Fleet.heartbeat}). */
export interface Heartbeat {
  readonly replica: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly startedAt: Date;
  /** The replica's clock minus the server's, measured from the previous heartbeat's round trip. */
  readonly clockOffsetMs: number;
  /**
   * How long the server lists the replica without another heartbeat: three heartbeat intervals, so
   * that a replica missing for 3 heartbeats is gone.
   */
  readonly ttlMs: number;
}

/** What a heartbeat reads back: the fleet as the server sees it now. */
export interface FleetState {
  /** The server's clock when it handled the heartbeat. */
  readonly serverTime: Date;
  /** The live replicas (this one included), sorted by id. */
  readonly replicas: readonly ReplicaInfo[];
  /** The names of the jobs paused fleet-wide. */
  readonly paused: readonly string[];
}

/** A fleet's timing and balancing settings, read from its options, in milliseconds. */
export interface FleetSettings {
  /** How often each replica heartbeats. */
  readonly heartbeatInterval: number;
  /** Whether occurrences are spread over the live replicas (`balance: true`). */
  readonly balance: boolean;
  /**
   * With `balance`, how long after an occurrence's time the replicas it did not pick wait before they
   * claim it themselves (when the picked one did not: it died, or it is slow).
   */
  readonly balanceGrace: number;
}

/**
 * A shared store that makes the replicas of a scheduler one fleet (`SchedulerOptions.fleet`):
 * heartbeats (which replicas are live, and their clock offsets), fleet-wide pause, and each job's
 * last completed occurrence for catch-up after downtime. `@tscron/redis` (`RedisFleet`) and
 * `@tscron/postgres` (`PostgresFleet`) implement it on a server; `MemoryFleet` in one process.
 *
 * The scheduler calls `heartbeat` when it starts and then every `settings.heartbeatInterval`, and
 * `leave` when it stops; the other methods are for operators (the dashboard, the CLI, your code).
 * Every time is the server's, never a replica's clock.
 */
export interface Fleet {
  /** Timing and balancing, fixed when the fleet was created. */
  readonly settings: FleetSettings;
  /**
   * Writes this replica's heartbeat and reads the fleet back, in as few round trips as the server
   * allows (one on Redis and PostgreSQL). Rejects with `ERR_LOCK_BACKEND_FAILED` when the server
   * fails; the scheduler keeps its last view and tries again at the next interval.
   */
  heartbeat(beat: Heartbeat, options: { signal: AbortSignal }): Promise<FleetState>;
  /** Removes a replica from the live list at once (its scheduler stopped cleanly). */
  leave(replica: string): Promise<void>;
  /** The live replicas, sorted by id. */
  replicas(): Promise<ReplicaInfo[]>;
  /** Pauses the job of this name on every replica, until {@link Fleet.resume}; survives restarts. */
  pause(jobName: string): Promise<void>;
  /** Undoes {@link Fleet.pause}. Resuming a job that is not paused does nothing. */
  resume(jobName: string): Promise<void>;
  /** The names of the jobs paused fleet-wide, sorted. */
  pausedJobs(): Promise<string[]>;
  /** Each named job's last completed occurrence; a job with none is absent from the map. */
  lastCompleted(jobNames: readonly string[]): Promise<Map<string, Date>>;
  /**
   * Notes that the occurrence `scheduledAt` of a job completed; the store keeps the latest of what it
   * is told, so that an older occurrence finishing late never moves it back.
   */
  recordCompleted(jobName: string, scheduledAt: Date): Promise<void>;
}
