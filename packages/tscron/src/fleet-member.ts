// A scheduler as one replica of a fleet: heartbeats, fleet-wide pause, balance and catch-up together.
import { Balance } from './balance.js';
import { CatchUp, catchesUp } from './catch-up.js';
import type { Clock } from './clock.js';
import { Completions } from './completions.js';
import { formatDuration } from './duration.js';
import type { Fleet, FleetState } from './fleet.js';
import { FleetPause, type PauseHost } from './fleet-pause.js';
import { FleetSync, keepsAlive } from './fleet-sync.js';
import { type HeldRun, HeldRuns } from './held-runs.js';
import { type JobRecord, REMOVED } from './job.js';
import type { Logger } from './logger.js';
import type { SchedulerConfig } from './scheduler-options.js';

/** What the fleet side asks of its scheduler. */
export interface FleetHost extends PauseHost {
  /** The scheduler's jobs. */
  jobs(): Iterable<JobRecord>;
  /** A held occurrence's time came: run it, unless its job changed or the scheduler stopped. */
  release(held: HeldRun, now: number): void;
  /** Runs a missed occurrence now (catch-up); false when it was not dispatched. */
  catchUp(record: JobRecord, at: number): boolean;
}

/** A run, as the fleet side sees it. */
export interface FleetRun {
  readonly job: JobRecord;
  readonly at: number;
  readonly scheduled: boolean;
  /** NaN when the task never started (the run was skipped). */
  readonly startedAt: number;
}

const ignore = (): void => {};

/**
 * Everything a scheduler does as a replica of a fleet (`SchedulerOptions.fleet`): the heartbeat
 * loop ({@link FleetSync}), fleet-wide pause ({@link FleetPause}), balanced claims
 * ({@link Balance}, holding occurrences in {@link HeldRuns}), and catch-up after downtime
 * ({@link CatchUp}, fed by {@link Completions}).
 *
 * From a start until its first heartbeat settled, scheduled occurrences are held, so that none of
 * a job the fleet paused is claimed, and balance knows the live replicas; the wait is one round trip
 * to the fleet, at most one heartbeat interval.
 */
export class FleetMember {
  readonly fleet: Fleet;
  readonly #config: SchedulerConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #host: FleetHost;
  readonly #sync: FleetSync;
  readonly #pause = new FleetPause();
  readonly #balance: Balance | undefined;
  readonly #held: HeldRuns;
  readonly #catchUp: CatchUp;
  readonly #completions: Completions;
  /** Occurrences that came before the first heartbeat settled; `undefined` once it did. */
  #waiting: HeldRun[] | undefined;
  #started = false;
  /** Bumped by every start and stop, so that a first heartbeat of an earlier start is ignored. */
  #epoch = 0;
  /** The last stop's leave, which the next start waits for. */
  #leaving: Promise<void> = Promise.resolve();

  constructor(config: SchedulerConfig, host: FleetHost) {
    const fleet = config.fleet as Fleet;
    this.fleet = fleet;
    this.#config = config;
    this.#clock = config.clock;
    this.#logger = config.logger;
    this.#host = host;
    const keepAlive = keepsAlive(config.clock, config.unref);
    this.#sync = new FleetSync({
      fleet,
      clock: config.clock,
      logger: config.logger,
      replica: config.replica,
      keepAlive,
      onState: (state, offset) => this.#apply(state, offset),
    });
    const settings = fleet.settings;
    this.#balance = settings.balance ? new Balance(config.replica, settings.balanceGrace) : undefined;
    this.#held = new HeldRuns(config.clock, keepAlive, (held, now) => host.release(held, now));
    this.#catchUp = new CatchUp(fleet, config.clock, config.logger, host);
    this.#completions = new Completions(fleet, config.logger);
  }

  /** The scheduler started (its jobs are planned): heartbeat, then catch up. */
  start(): void {
    const epoch = ++this.#epoch;
    this.#started = true;
    this.#waiting = [];
    this.#leaving
      .then(() => (epoch === this.#epoch ? this.#sync.start() : false))
      .then(() => {
        if (epoch === this.#epoch) this.#firstSync();
      })
      .catch(this.#internalError);
  }

  /**
   * Offers a due occurrence: true when the fleet side holds it (it is released later through
   * {@link FleetHost.release}), false when the scheduler runs it now.
   */
  offer(record: JobRecord, at: number, due: number): boolean {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      waiting.push({ record, version: record.version, at, due, releaseAt: due, backup: false });
      return true;
    }
    const wait = this.#deferral(record, at);
    if (wait <= 0) return false;
    this.#held.add({ record, version: record.version, at, due, releaseAt: due + wait, backup: true });
    return true;
  }

  /** A job joined the scheduler or was updated: paused if the fleet pauses its name. */
  adopt(record: JobRecord): void {
    this.#pause.forget(record);
    this.#pause.adopt(record, this.#host);
  }

  /** A job joined the started scheduler (its first run is planned): catch it up. */
  added(record: JobRecord): void {
    if (this.#started && this.#waiting === undefined) this.#catchUp.add(record);
  }

  /** A job left the scheduler. */
  forget(record: JobRecord): void {
    this.#pause.forget(record);
  }

  /** A run passed its claim and is about to start its task. */
  dispatched(run: FleetRun): void {
    if (run.scheduled) this.#catchUp.settled(run.job, run.at);
  }

  /** A run ended: a completed scheduled run of a job that catches up is recorded in the fleet. */
  ended(run: FleetRun): void {
    if (!run.scheduled) return;
    if (Number.isNaN(run.startedAt)) this.#catchUp.settled(run.job, run.at);
    else if (catchesUp(run.job)) this.#completions.note(run.job.name, run.at);
  }

  /**
   * The scheduler stops: held occurrences are dropped and the heartbeats stop at once; then the
   * replica leaves the fleet and, once `runs` settled, the completions still unsent are sent. Waits
   * up to `timeout` (or until `signal` aborts) for that, and logs what did not finish; never rejects.
   */
  stop(runs: Promise<unknown>, timeout: number, signal: AbortSignal | undefined): Promise<void> {
    this.#epoch++;
    this.#started = false;
    this.#waiting = undefined;
    this.#held.clear();
    this.#catchUp.stop();
    const leaving = this.#sync.stop();
    this.#leaving = leaving;
    const completions = runs.then(ignore, ignore).then(() => this.#completions.drain());
    return within(Promise.all([leaving, completions]), this.#clock, timeout, signal).then((finished) => {
      if (!finished) {
        this.#logger.warn(
          `tscron: leaving the fleet did not finish within ${signal === undefined ? `the stop timeout of ${formatDuration(timeout)}` : 'the stop signal'}`,
        );
      }
    });
  }

  /**
   * Heartbeats at once and applies the answer (`Scheduler.syncFleet`); a scheduler that is not
   * started, and so is no live replica, only reads the fleet's paused jobs. Rejects when the fleet
   * failed.
   */
  async sync(): Promise<void> {
    if (this.#started) return this.#sync.beat();
    const paused = await this.fleet.pausedJobs();
    if (!this.#started) this.#pause.apply(paused, this.#host.jobs(), this.#host);
  }

  /** The wait balance chooses for an occurrence: 0 unless this replica was not picked for it. */
  #deferral(record: JobRecord, at: number): number {
    const balance = this.#balance;
    if (balance === undefined || !this.#claimsThroughLocker(record)) return 0;
    return balance.deferral(record.name, at);
  }

  /** Whether a job's runs are claimed through a locker: balance decides only who claims first. */
  #claimsThroughLocker(record: JobRecord): boolean {
    const config = this.#config;
    const cfg = record.cfg;
    if (config.elector !== undefined || cfg.intervalFromCompletion || cfg.locker === false) return false;
    return cfg.locker !== undefined || config.locker !== undefined;
  }

  #apply(state: FleetState, offset: number): void {
    this.#balance?.update(state, offset);
    this.#pause.apply(state.paused, this.#host.jobs(), this.#host);
  }

  /** The first heartbeat settled: release what waited for it, then catch up. */
  #firstSync(): void {
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    const now = this.#clock.now();
    for (const held of waiting) {
      if ((held.record.flags & REMOVED) !== 0) continue;
      const wait = this.#deferral(held.record, held.at);
      held.backup = wait > 0;
      held.releaseAt = Math.max(held.due + wait, now);
      if (held.releaseAt <= now) this.#host.release(held, now);
      else this.#held.add(held);
      if (!this.#started) return;
    }
    this.#catchUp.run(this.#host.jobs()).catch(this.#internalError);
  }

  readonly #internalError = (error: unknown): void => {
    this.#logger.error('tscron: internal error in the fleet side of the scheduler', error);
  };
}

/**
 * Resolves true once `work` settled, or false when `timeout` ms passed on `clock` first (or
 * `signal` aborted); the timer is cleared either way.
 */
function within(
  work: Promise<unknown>,
  clock: Clock,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: unknown;
    const finish = (finished: boolean): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      signal?.removeEventListener('abort', expire);
      resolve(finished);
    };
    const expire = (): void => finish(false);
    work.then(
      () => finish(true),
      () => finish(true),
    );
    if (signal === undefined) timer = clock.setTimeout(expire, timeout);
    else if (signal.aborted) queueMicrotask(expire);
    else signal.addEventListener('abort', expire, { once: true });
  });
}
