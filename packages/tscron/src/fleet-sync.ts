// The heartbeat loop: this replica's heartbeats, its clock offset, and its view of the fleet.
import { hostname } from 'node:os';
import { type Clock, systemClock } from './clock.js';
import { formatDuration } from './duration.js';
import type { Fleet, FleetState } from './fleet.js';
import type { Logger } from './logger.js';
import { VERSION } from './version.js';

/** What the loop needs to know. */
export interface FleetSyncOptions {
  readonly fleet: Fleet;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly replica: string;
  /** Whether the heartbeat timer holds the process open (the system clock, and no `unref`). */
  readonly keepAlive: boolean;
  /** A heartbeat answered: the fleet as the server sees it, and this replica's measured offset. */
  readonly onState: (state: FleetState, offset: number) => void;
}

const ignore = (): void => {};

/**
 * Heartbeats a replica into its fleet: at once when started, then every `heartbeatInterval` on the
 * scheduler's clock, sending `ttlMs = 3 * heartbeatInterval` and the clock offset measured from the
 * previous round trip (`(t0 + t1) / 2 - serverTime`: the midpoint of the call on this replica's
 * clock against the server's time). A heartbeat that fails is logged once until one succeeds again;
 * the last view of the fleet stays in force meanwhile.
 */
export class FleetSync {
  readonly #o: FleetSyncOptions;
  readonly #interval: number;
  readonly #host = hostname();
  #running = false;
  #startedAt = new Date(0);
  #offset = 0;
  #timer: unknown;
  /** The heartbeat in flight, if any, and how to abort it. */
  #inFlight: { controller: AbortController; done: Promise<void> } | undefined;
  /** Numbers the heartbeats, so that an answer older than one applied already is dropped. */
  #sent = 0;
  #applied = 0;
  #failing = false;
  #leaveFailing = false;

  constructor(options: FleetSyncOptions) {
    this.#o = options;
    this.#interval = options.fleet.settings.heartbeatInterval;
  }

  /** This replica's clock minus the server's, as last measured (0 before the first answer). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Starts the loop: heartbeats at once and arms the timer. Resolves once the first heartbeat
   * settled, whether it succeeded (true) or not (false); a first answer that shows this replica's
   * clock apart from the server's sends the measured offset at once, so that the others need not
   * wait a heartbeat to know it.
   */
  async start(): Promise<boolean> {
    this.#running = true;
    this.#startedAt = new Date(this.#o.clock.now());
    this.#offset = 0;
    this.#arm();
    const ok = await this.#beat().then(
      () => true,
      () => false,
    );
    if (ok && this.#running && Math.abs(this.#offset) >= 1) await this.#beat().catch(ignore);
    return ok;
  }

  /**
   * Heartbeats now and applies the answer; rejects when the fleet failed. A heartbeat the loop gives
   * up on for a newer one (the server took longer than an interval) is followed by that one, up to
   * {@link MAX_FOLLOWED} times: a slow answer is still an answer.
   */
  async beat(): Promise<void> {
    let attempt = this.#beat();
    for (let followed = 0; ; followed++) {
      try {
        return await attempt;
      } catch (error) {
        const next = this.#inFlight?.done;
        if (!this.#running || next === undefined || next === attempt || followed >= MAX_FOLLOWED) throw error;
        attempt = next;
      }
    }
  }

  /**
   * Stops the loop: no timer stays armed, a heartbeat in flight is aborted. Resolves once the
   * replica left the fleet (or the fleet failed to take the leave, which is logged).
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#disarm();
    const inFlight = this.#inFlight;
    if (inFlight !== undefined) {
      inFlight.controller.abort(new DOMException('the scheduler is stopping', 'AbortError'));
      // A heartbeat landing after the leave would list the replica again until its ttl ran out.
      await inFlight.done.catch(ignore);
    }
    try {
      await this.#o.fleet.leave(this.#o.replica);
      this.#leaveFailing = false;
    } catch (error) {
      if (!this.#leaveFailing) this.#o.logger.warn('tscron: leaving the fleet failed', error);
      this.#leaveFailing = true;
    }
  }

  #arm(): void {
    const interval = this.#interval;
    this.#timer = this.#o.keepAlive
      ? setTimeout(this.#tick, interval)
      : this.#o.clock.setTimeout(this.#tick, interval);
  }

  #disarm(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    this.#timer = undefined;
    if (this.#o.keepAlive) clearTimeout(timer as ReturnType<typeof setTimeout>);
    else this.#o.clock.clearTimeout(timer);
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    this.#arm();
    // A heartbeat still unanswered after a whole interval is given up: the next one replaces it.
    this.#inFlight?.controller.abort(
      new DOMException(`no answer within ${formatDuration(this.#interval)}`, 'TimeoutError'),
    );
    this.#beat().catch(ignore);
  };

  #beat(): Promise<void> {
    const o = this.#o;
    const controller = new AbortController();
    const seq = ++this.#sent;
    const t0 = o.clock.now();
    const done = (async () => {
      try {
        const state = await o.fleet.heartbeat(
          {
            replica: o.replica,
            host: this.#host,
            pid: process.pid,
            version: VERSION,
            startedAt: this.#startedAt,
            clockOffsetMs: this.#offset,
            ttlMs: 3 * this.#interval,
          },
          { signal: controller.signal },
        );
        const t1 = o.clock.now();
        const serverTime = state.serverTime.getTime();
        if (!Number.isFinite(serverTime)) throw new TypeError('the heartbeat answered no server time');
        if (seq < this.#applied) return;
        this.#applied = seq;
        this.#offset = Math.round((t0 + t1) / 2 - serverTime);
        if (this.#failing) o.logger.info('tscron: the fleet heartbeat works again');
        this.#failing = false;
        if (this.#running) o.onState(state, this.#offset);
      } catch (error) {
        if (!this.#failing && this.#running) {
          o.logger.warn(
            `tscron: the fleet heartbeat failed; keeping the last view of the fleet and trying again every ${formatDuration(this.#interval)}`,
            error,
          );
          this.#failing = true;
        }
        throw error;
      } finally {
        if (this.#inFlight?.controller === controller) this.#inFlight = undefined;
      }
    })();
    this.#inFlight = { controller, done };
    return done;
  }
}

/** How many newer heartbeats `beat()` follows when the loop gave up on the one it sent. */
const MAX_FOLLOWED = 3;

/** Whether a scheduler's own timers hold the process open: on the system clock, without `unref`. */
export function keepsAlive(clock: Clock, unref: boolean): boolean {
  return !unref && clock === systemClock;
}
