// The fleets of the dashboard's schedulers (`scheduler.fleet`): their live replicas, the jobs they
// pause, and pause/resume applied fleet-wide.
import type { Fleet, FleetSettings, Job, ReplicaInfo, Scheduler } from 'tscron';

/** A replica as `GET api/replicas` returns it. Dates are ISO 8601 strings in UTC. */
export interface ReplicaJson {
  /** Its `replica` name (`SchedulerOptions.replica`). */
  id: string;
  host: string;
  pid: number;
  /** The tscron version it runs. */
  version: string;
  /** When its scheduler started. */
  startedAt: string;
  /** The fleet server's time of its last heartbeat. */
  lastSeen: string;
  /** Its clock minus the fleet server's, in milliseconds (positive: ahead), as it last measured it. */
  clockOffsetMs: number;
  /** Whether it is a scheduler this dashboard serves (the replica the page is looking at). */
  self: boolean;
}

/** How long the paused names read for event messages are reused: a burst of job events reads them once. */
const EVENT_PAUSED_MAX_AGE = 1000;

interface PausedRead {
  /** When the read settled; undefined while it is in flight. */
  at: number | undefined;
  readonly names: Promise<ReadonlySet<string>>;
}

const NONE: ReadonlySet<string> = new Set();

/** The distinct fleets of a dashboard's schedulers, read and changed on their behalf. */
export class Fleets {
  readonly #schedulers: readonly Scheduler[];
  readonly #paused = new Map<Fleet, PausedRead>();

  constructor(schedulers: readonly Scheduler[]) {
    this.#schedulers = schedulers;
  }

  /** Each fleet once, in the order of the first scheduler holding it. */
  #all(): Fleet[] {
    const fleets = new Set<Fleet>();
    for (const scheduler of this.#schedulers) if (scheduler.fleet !== undefined) fleets.add(scheduler.fleet);
    return [...fleets];
  }

  /** The first fleet's settings (heartbeat, balance), or null when no scheduler has a fleet. */
  settings(): FleetSettings | null {
    const [first] = this.#all();
    return first === undefined ? null : { ...first.settings };
  }

  /**
   * The live replicas of every fleet, sorted by id (a replica in two fleets listed once). Rejects
   * when a fleet's server fails.
   */
  async replicas(): Promise<ReplicaJson[]> {
    const fleets = this.#all();
    if (fleets.length === 0) return [];
    const mine = new Set(this.#schedulers.map((scheduler) => scheduler.replica));
    const lists = await Promise.all(fleets.map((fleet) => fleet.replicas()));
    const byId = new Map<string, ReplicaInfo>();
    for (const info of lists.flat()) if (!byId.has(info.id)) byId.set(info.id, info);
    return [...byId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((info) => ({
        id: info.id,
        host: info.host,
        pid: info.pid,
        version: info.version,
        startedAt: new Date(info.startedAt).toISOString(),
        lastSeen: new Date(info.lastSeen).toISOString(),
        clockOffsetMs: info.clockOffsetMs,
        self: mine.has(info.id),
      }));
  }

  /**
   * The names `scheduler`'s fleet pauses, read from its server (concurrent reads share one call;
   * `maxAge` ms lets a recent read serve). Empty without a fleet, and when the server fails: the
   * job list must not fail with it (`GET api/replicas` reports the failure).
   */
  pausedNames(scheduler: Scheduler, maxAge = 0): Promise<ReadonlySet<string>> {
    const fleet = scheduler.fleet;
    if (fleet === undefined) return Promise.resolve(NONE);
    const known = this.#paused.get(fleet);
    if (known !== undefined && (known.at === undefined || Date.now() - known.at <= maxAge))
      return known.names;
    const read: PausedRead = {
      at: undefined,
      names: fleet.pausedJobs().then(
        (list): ReadonlySet<string> => {
          read.at = Date.now();
          return new Set(list);
        },
        (): ReadonlySet<string> => {
          // A failed read is not reused.
          if (this.#paused.get(fleet) === read) this.#paused.delete(fleet);
          return NONE;
        },
      ),
    };
    this.#paused.set(fleet, read);
    return read.names;
  }

  /** Whether the job's name is paused fleet-wide, for an event message (a read up to 1 s old serves). */
  async isPaused(scheduler: Scheduler, job: Job): Promise<boolean> {
    return (await this.pausedNames(scheduler, EVENT_PAUSED_MAX_AGE)).has(job.name);
  }

  /**
   * Pauses the job: on every replica through its scheduler's fleet (`fleet.pause(name)`, then every
   * scheduler of this dashboard on that fleet syncs at once), else on this scheduler alone.
   */
  async pause(scheduler: Scheduler, job: Job): Promise<void> {
    const fleet = scheduler.fleet;
    if (fleet === undefined) return job.pause();
    await fleet.pause(job.name);
    await this.#synced(fleet);
  }

  /**
   * Resumes the job: fleet-wide (`fleet.resume(name)`, then a sync) when its scheduler has a fleet,
   * and here too when it was paused on this scheduler alone.
   */
  async resume(scheduler: Scheduler, job: Job): Promise<void> {
    const fleet = scheduler.fleet;
    if (fleet !== undefined) {
      await fleet.resume(job.name);
      await this.#synced(fleet);
    }
    if (job.isPaused()) job.resume();
  }

  /**
   * The fleet changed: forget its paused names and let this dashboard's schedulers on it apply the
   * change now. A failed sync is left to the next heartbeat, which applies the stored change anyway.
   */
  async #synced(fleet: Fleet): Promise<void> {
    this.#paused.delete(fleet);
    const on = this.#schedulers.filter((scheduler) => scheduler.fleet === fleet);
    await Promise.all(on.map((scheduler) => scheduler.syncFleet().catch(() => undefined)));
  }
}
