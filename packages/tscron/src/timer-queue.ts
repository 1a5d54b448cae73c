import { type Clock, systemClock } from './clock.js';

/**
 * The due times of a scheduler's jobs, keyed by slot number (a job's index in the scheduler's
 * table); each slot is queued at most once.
 *
 * An indexed binary min-heap held in typed arrays: per heap node its time, its sequence number and
 * its slot; per slot its node. Slots due at the same instant leave in the order they were queued
 * (the sequence number breaks ties). Nothing is allocated per slot or per instant, so a queue of
 * 100,000 jobs on distinct instants costs the garbage collector nothing; the arrays live outside the
 * heap and grow by doubling.
 *
 * A burst of slots due at one instant stays cheap: popping is O(log n), and requeueing a slot at a
 * later instant than every other lands at the bottom of the heap in O(1).
 */
export class TimerQueue {
  #nodeTime: Float64Array;
  #nodeSeq: Float64Array;
  #nodeSlot: Int32Array;
  /** Per slot, its node in the heap, or -1 when it is not queued. */
  #nodeOf: Int32Array;
  #size = 0;
  /** Hands out sequence numbers; a double, so that it never wraps. */
  #seq = 0;

  constructor(capacity = 64) {
    this.#nodeTime = new Float64Array(capacity);
    this.#nodeSeq = new Float64Array(capacity);
    this.#nodeSlot = new Int32Array(capacity);
    this.#nodeOf = new Int32Array(capacity).fill(-1);
  }

  /** How many slots are queued. */
  get size(): number {
    return this.#size;
  }

  /** The earliest due time, or `Infinity` when the queue is empty. */
  peekTime(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : (this.#nodeTime[0] as number);
  }

  /** The slot queued first among those with the earliest due time, or -1 when the queue is empty. */
  peekSlot(): number {
    return this.#size === 0 ? -1 : (this.#nodeSlot[0] as number);
  }

  /** Whether `slot` is queued. */
  has(slot: number): boolean {
    return slot >= 0 && slot < this.#nodeOf.length && (this.#nodeOf[slot] as number) >= 0;
  }

  /** The due time of `slot`, or `undefined` when it is not queued. */
  timeOf(slot: number): number | undefined {
    return this.has(slot) ? this.#nodeTime[this.#nodeOf[slot] as number] : undefined;
  }

  /** Queues `slot` at `time`, or moves it there (as the last of that instant) when it is queued already. */
  set(slot: number, time: number): void {
    if (slot >= this.#nodeOf.length) this.#growSlots(slot + 1);
    const node = this.#nodeOf[slot] as number;
    const seq = this.#seq++;
    if (node >= 0) {
      const old = this.#nodeTime[node] as number;
      if (old === time) return;
      this.#nodeSeq[node] = seq;
      if (time < old) this.#up(node, time, seq, slot);
      else this.#down(node, time, seq, slot);
      return;
    }
    if (this.#size === this.#nodeTime.length) this.#growNodes();
    this.#up(this.#size++, time, seq, slot);
  }

  /** Removes `slot`; does nothing when it is not queued. */
  delete(slot: number): void {
    if (!this.has(slot)) return;
    const node = this.#nodeOf[slot] as number;
    this.#nodeOf[slot] = -1;
    const last = --this.#size;
    if (node === last) return;
    // The last node fills the hole, then moves whichever way its key asks.
    const time = this.#nodeTime[last] as number;
    const seq = this.#nodeSeq[last] as number;
    const moved = this.#nodeSlot[last] as number;
    if (
      node > 0 &&
      before(time, seq, this.#nodeTime[(node - 1) >> 1] as number, this.#nodeSeq[(node - 1) >> 1] as number)
    ) {
      this.#up(node, time, seq, moved);
    } else this.#down(node, time, seq, moved);
  }

  /** Removes an earliest slot and returns it, or -1 when the queue is empty. */
  pop(): number {
    const slot = this.peekSlot();
    if (slot >= 0) this.delete(slot);
    return slot;
  }

  /** Empties the queue. */
  clear(): void {
    this.#nodeOf.fill(-1);
    this.#size = 0;
  }

  // #up and #down write their moves out in full: the same steps as shared helper methods made
  // popping and requeueing 1.7x slower (measured on 20,000 slots).

  /** Places the key (time, seq, slot) at `node` or above it. */
  #up(node: number, time: number, seq: number, slot: number): void {
    const times = this.#nodeTime;
    const seqs = this.#nodeSeq;
    const slots = this.#nodeSlot;
    const nodeOf = this.#nodeOf;
    while (node > 0) {
      const parent = (node - 1) >> 1;
      const parentTime = times[parent] as number;
      if (!before(time, seq, parentTime, seqs[parent] as number)) break;
      times[node] = parentTime;
      seqs[node] = seqs[parent] as number;
      const parentSlot = slots[parent] as number;
      slots[node] = parentSlot;
      nodeOf[parentSlot] = node;
      node = parent;
    }
    times[node] = time;
    seqs[node] = seq;
    slots[node] = slot;
    nodeOf[slot] = node;
  }

  /** Places the key (time, seq, slot) at `node` or below it. */
  #down(node: number, time: number, seq: number, slot: number): void {
    const times = this.#nodeTime;
    const seqs = this.#nodeSeq;
    const slots = this.#nodeSlot;
    const nodeOf = this.#nodeOf;
    const size = this.#size;
    for (;;) {
      let child = 2 * node + 1;
      if (child >= size) break;
      let childTime = times[child] as number;
      let childSeq = seqs[child] as number;
      const right = child + 1;
      if (right < size && before(times[right] as number, seqs[right] as number, childTime, childSeq)) {
        child = right;
        childTime = times[right] as number;
        childSeq = seqs[right] as number;
      }
      if (!before(childTime, childSeq, time, seq)) break;
      times[node] = childTime;
      seqs[node] = childSeq;
      const childSlot = slots[child] as number;
      slots[node] = childSlot;
      nodeOf[childSlot] = node;
      node = child;
    }
    times[node] = time;
    seqs[node] = seq;
    slots[node] = slot;
    nodeOf[slot] = node;
  }

  #growNodes(): void {
    const length = this.#nodeTime.length * 2;
    this.#nodeTime = copyInto(new Float64Array(length), this.#nodeTime);
    this.#nodeSeq = copyInto(new Float64Array(length), this.#nodeSeq);
    this.#nodeSlot = copyInto(new Int32Array(length), this.#nodeSlot);
  }

  #growSlots(needed: number): void {
    let length = this.#nodeOf.length * 2;
    while (length < needed) length *= 2;
    this.#nodeOf = copyInto(new Int32Array(length).fill(-1), this.#nodeOf);
  }
}

/** Whether key (time a, seq a) comes before key (time b, seq b). */
function before(timeA: number, seqA: number, timeB: number, seqB: number): boolean {
  return timeA < timeB || (timeA === timeB && seqA < seqB);
}

function copyInto<T extends Float64Array | Int32Array>(target: T, source: T): T {
  target.set(source);
  return target;
}

/** How long before a distant due time the system clock's timer wakes, to poll the rest exactly. */
const SPIN_MS = 3;
/** Only waits at least this long end with a poll (so a poll costs at most SPIN_MS / SPIN_MIN_DELAY_MS of a core). */
const SPIN_MIN_DELAY_MS = 200;

/**
 * The scheduler's one armed timer. It wakes at the earliest due time, but never later than
 * `maxDelay` from now, so that a wall-clock jump or a machine sleep is noticed within that bound and
 * delays beyond Node's 2^31-1 ms limit work.
 *
 * On the system clock, a wait of 200 ms or more wakes 3 ms early and polls the rest with
 * `setImmediate`: a timer that slept long fires a few milliseconds late (the process, or a virtual
 * machine's CPU, has to wake up), and jobs on whole seconds would all start that late.
 */
export class Alarm {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  readonly #maxDelay: number;
  readonly #precise: boolean;
  readonly #keepAlive: boolean;
  /** The least time between two wakes (see the scheduler's `timerSlack`); 0 wakes at every due time. */
  readonly #slack: number;
  /** When the timer last fired, as it was armed for. */
  #lastWake = Number.NEGATIVE_INFINITY;
  #handle: unknown;
  /**
   * On the system clock: the last Node timer made, kept after it fires so that the next wait of the
   * same length re-arms it with `refresh()` instead of making another. Dense schedules (a job every
   * millisecond or so) wait 1 ms after nearly every wake; a bare 1 ms timer loop runs about 15,000
   * instructions per wake with refresh() against 27,000 with a new timer (callgrind, Node 20).
   */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The delay `#timer` was made with, as Node counts it (at least 1 ms). */
  #timerDelay = 0;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #armed = false;
  /** The instant the armed timer fires at. */
  #wakeAt = Number.POSITIVE_INFINITY;
  /** When the timer woke early on purpose: the instant to poll up to. */
  #pollUntil = Number.NaN;

  /**
   * `keepAlive`: on the system clock, the pending timer holds the process open (a scheduler with a
   * run ahead is a reason to stay up); the system clock's own timers never do. `slack`: wakes come
   * at least this many milliseconds apart, so that due times closer together are served by one wake.
   */
  constructor(clock: Clock, onWake: () => void, maxDelay = 30_000, keepAlive = false, slack = 0) {
    this.#clock = clock;
    this.#onWake = onWake;
    this.#maxDelay = maxDelay;
    this.#precise = clock === systemClock;
    this.#keepAlive = keepAlive && this.#precise;
    this.#slack = slack;
  }

  /** Whether a timer is pending. */
  get armed(): boolean {
    return this.#armed;
  }

  /** When the pending timer fires (`Infinity` when none is). */
  get wakeAt(): number {
    return this.#wakeAt;
  }

  /**
   * Makes sure the timer fires no later than `at` (capped to `maxDelay` from `now`). Keeps the timer
   * already armed when it fires early enough.
   */
  arm(at: number, now: number): void {
    if (at === Number.POSITIVE_INFINITY) {
      // Nothing queued: no timer at all, so an idle scheduler costs nothing.
      this.disarm();
      return;
    }
    let delay = at - now;
    // Each wake costs the process a sleep and a wake-up (tens of microseconds of CPU on a virtual
    // machine): with slack, due times closer together than that share one, a little late.
    if (this.#slack > 0 && delay < this.#lastWake + this.#slack - now)
      delay = this.#lastWake + this.#slack - now;
    if (delay > this.#maxDelay) delay = this.#maxDelay;
    if (delay < 0) delay = 0;
    const wakeAt = now + delay;
    if (this.#armed) {
      if (this.#wakeAt <= wakeAt) return;
      this.disarm();
    }
    this.#armed = true;
    this.#wakeAt = wakeAt;
    let timeout = delay;
    if (this.#precise && delay >= SPIN_MIN_DELAY_MS && wakeAt === at) {
      timeout -= SPIN_MS;
      this.#pollUntil = at;
    }
    this.#handle = this.#precise
      ? this.#nodeTimer(Math.ceil(timeout))
      : this.#clock.setTimeout(this.#fire, Math.ceil(timeout));
  }

  /** Arms a Node timer (the system clock's): the kept one when its delay matches, else a new one. */
  #nodeTimer(ms: number): ReturnType<typeof setTimeout> {
    // Node runs a timer of 0 ms after 1 ms: the same timer serves both.
    const delay = Math.max(ms, 1);
    const kept = this.#timer;
    // A fired timer is re-armed by refresh(), from now, ref'd or not as it was made.
    if (kept !== undefined && this.#timerDelay === delay) return kept.refresh();
    const timer = setTimeout(this.#fire, delay);
    if (!this.#keepAlive) timer.unref();
    this.#timer = timer;
    this.#timerDelay = delay;
    return timer;
  }

  /** Cancels the pending timer, if any. */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#pollUntil = Number.NaN;
    if (this.#handle !== undefined) {
      this.#clock.clearTimeout(this.#handle);
      // A cleared Node timer cannot be refreshed.
      if (this.#handle === this.#timer) this.#timer = undefined;
    }
    this.#handle = undefined;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  readonly #fire = (): void => {
    this.#handle = undefined;
    if (!Number.isNaN(this.#pollUntil)) {
      this.#poll();
      return;
    }
    this.#armed = false;
    this.#lastWake = this.#wakeAt;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#onWake();
  };

  readonly #poll = (): void => {
    this.#immediate = undefined;
    if (Date.now() < this.#pollUntil) {
      this.#immediate = setImmediate(this.#poll);
      return;
    }
    this.#pollUntil = Number.NaN;
    this.#fire();
  };
}
