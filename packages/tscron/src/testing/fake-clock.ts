import type { Clock } from '../clock.js';
import { type Duration, toMilliseconds } from '../duration.js';
import { TscronError } from '../errors.js';

interface FakeTimer {
  readonly id: number;
  /** Monotonic instant it fires at. */
  readonly at: number;
  readonly fn: () => void;
}

// Captured at load time so that tests which fake the global timers do not stall the clock.
const realSetImmediate: (fn: () => void) => unknown = globalThis.setImmediate;

/** Lets pending promise chains run: every queued microtask, then a macrotask turn. */
function settle(): Promise<void> {
  return new Promise((resolve) => {
    realSetImmediate(resolve);
  });
}

function toEpoch(value: Date | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `FakeClock: ${what}: ${String(value)} is not a valid instant`,
    );
  }
  return ms;
}

/**
 * A {@link Clock} that only moves when told to, for testing jobs without waiting on the wall clock.
 * Pass it as the scheduler's `clock` option, then {@link FakeClock.advance} it: timers fire in time
 * order, and between two of them every pending promise settles, so that a task's `await`s,
 * listeners and locks run as they would in real time.
 *
 * Like Node's timers, fake timers count monotonic time: {@link FakeClock.set} moves the wall clock
 * (as an NTP step or a machine waking from sleep does) without firing or shifting any timer.
 *
 * @example
 * ```ts
 * import { createScheduler, durationJob } from 'tscron';
 * import { FakeClock } from 'tscron/testing';
 *
 * const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
 * const scheduler = createScheduler({ clock, timeZone: 'UTC' });
 * const runs: Date[] = [];
 * scheduler.newJob(durationJob('1m'), ({ scheduledAt }) => { runs.push(scheduledAt); });
 * scheduler.start();
 * await clock.advance('3m'); // runs at 00:01, 00:02 and 00:03
 * await scheduler.shutdown();
 * ```
 */
export class FakeClock implements Clock {
  /** Monotonic time: what timers count. */
  #monotonic: number;
  /** Wall time minus monotonic time; changed by {@link FakeClock.set}. */
  #offset = 0;
  #nextId = 1;
  /** Pending timers, kept sorted by (at, id). */
  #timers: FakeTimer[] = [];

  /**
   * @param start The wall time the clock starts at. @default `Date.now()` when the clock is made
   */
  constructor(start?: Date | number) {
    this.#monotonic = start === undefined ? Date.now() : toEpoch(start, 'start');
  }

  /** The fake wall time in epoch milliseconds. */
  now(): number {
    return this.#monotonic + this.#offset;
  }

  /** Arms a fake timer; it fires during a later {@link FakeClock.advance}. */
  setTimeout(fn: () => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: FakeTimer = { id: this.#nextId++, at: this.#monotonic + delay, fn };
    const timers = this.#timers;
    // Binary search for the insertion point after every timer due at or before this one.
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((timers[middle] as FakeTimer).at <= timer.at) low = middle + 1;
      else high = middle;
    }
    timers.splice(low, 0, timer);
    return timer.id;
  }

  /** Cancels a fake timer; unknown handles are ignored. */
  clearTimeout(handle: unknown): void {
    const index = this.#timers.findIndex((timer) => timer.id === handle);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** How many timers are armed and have not fired. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms` (milliseconds or a duration string such as `"1h30m"`), firing every
   * timer that falls due on the way, in time order, with the clock set to each timer's instant.
   * Before and after each timer, pending promises settle. A timer that throws does not stop the
   * others; the first error rejects the returned promise once time has moved.
   *
   * Await each call before the next one.
   */
  async advance(ms: Duration): Promise<void> {
    const delta = toMilliseconds(ms, 'FakeClock.advance');
    if (delta < 0) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `FakeClock.advance: cannot go back in time (${delta} ms)`,
      );
    }
    const target = this.#monotonic + delta;
    let failure: { error: unknown } | undefined;
    await settle();
    for (;;) {
      const timer = this.#timers[0];
      if (timer === undefined || timer.at > target) break;
      this.#timers.shift();
      if (timer.at > this.#monotonic) this.#monotonic = timer.at;
      try {
        timer.fn();
      } catch (error) {
        failure ??= { error };
      }
      await settle();
    }
    this.#monotonic = target;
    await settle();
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Sets the wall clock to `to`, forward or back, as an NTP step or a machine waking from sleep
   * would. Timers keep their remaining delays (they count monotonic time, as Node's do); none fires.
   * Resolves once pending promises have settled.
   */
  async set(to: Date | number): Promise<void> {
    this.#offset = toEpoch(to, 'set') - this.#monotonic;
    await settle();
  }
}
