import type { Clock } from './clock.js';

/**
 * An indexed binary min-heap of due times keyed by slot number: each slot (a job's index in the
 * scheduler's table) is in the heap at most once. Times live in a `Float64Array`, slots in an
 * `Int32Array`, and `position[slot]` says where a slot sits so that it can be moved or removed in
 * O(log n) without searching. Nothing is allocated per operation once the arrays have grown.
 */
export class TimerQueue {
  #times: Float64Array;
  #slots: Int32Array;
  /** Heap index of each slot, or -1 when the slot is not queued. */
  #position: Int32Array;
  #size = 0;

  constructor(capacity = 64) {
    this.#times = new Float64Array(capacity);
    this.#slots = new Int32Array(capacity);
    this.#position = new Int32Array(capacity).fill(-1);
  }

  /** How many slots are queued. */
  get size(): number {
    return this.#size;
  }

  /** The earliest due time, or `Infinity` when the queue is empty. */
  peekTime(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : (this.#times[0] as number);
  }

  /** The slot with the earliest due time, or -1 when the queue is empty. */
  peekSlot(): number {
    return this.#size === 0 ? -1 : (this.#slots[0] as number);
  }

  /** Whether `slot` is queued. */
  has(slot: number): boolean {
    return slot < this.#position.length && (this.#position[slot] as number) >= 0;
  }

  /** The due time of `slot`, or `undefined` when it is not queued. */
  timeOf(slot: number): number | undefined {
    if (!this.has(slot)) return undefined;
    return this.#times[this.#position[slot] as number];
  }

  /** Queues `slot` at `time`, or moves it there when it is already queued. */
  set(slot: number, time: number): void {
    this.#ensureSlot(slot);
    const index = this.#position[slot] as number;
    if (index >= 0) {
      const old = this.#times[index] as number;
      this.#times[index] = time;
      if (time < old) this.#up(index);
      else if (time > old) this.#down(index);
      return;
    }
    if (this.#size === this.#times.length) this.#growHeap();
    const at = this.#size++;
    this.#times[at] = time;
    this.#slots[at] = slot;
    this.#position[slot] = at;
    this.#up(at);
  }

  /** Removes `slot`; does nothing when it is not queued. */
  delete(slot: number): void {
    if (!this.has(slot)) return;
    const index = this.#position[slot] as number;
    this.#position[slot] = -1;
    const last = --this.#size;
    if (index === last) return;
    const time = this.#times[last] as number;
    const moved = this.#slots[last] as number;
    const old = this.#times[index] as number;
    this.#times[index] = time;
    this.#slots[index] = moved;
    this.#position[moved] = index;
    if (time < old) this.#up(index);
    else this.#down(index);
  }

  /** Removes the earliest slot and returns it, or -1 when the queue is empty. */
  pop(): number {
    if (this.#size === 0) return -1;
    const slot = this.#slots[0] as number;
    this.delete(slot);
    return slot;
  }

  /** Empties the queue. */
  clear(): void {
    for (let i = 0; i < this.#size; i++) this.#position[this.#slots[i] as number] = -1;
    this.#size = 0;
  }

  #ensureSlot(slot: number): void {
    if (slot < this.#position.length) return;
    let length = this.#position.length * 2;
    while (length <= slot) length *= 2;
    const position = new Int32Array(length).fill(-1);
    position.set(this.#position);
    this.#position = position;
  }

  #growHeap(): void {
    const times = new Float64Array(this.#times.length * 2);
    times.set(this.#times);
    this.#times = times;
    const slots = new Int32Array(this.#slots.length * 2);
    slots.set(this.#slots);
    this.#slots = slots;
  }

  #up(index: number): void {
    const times = this.#times;
    const slots = this.#slots;
    const position = this.#position;
    const time = times[index] as number;
    const slot = slots[index] as number;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent] as number;
      if (parentTime <= time) break;
      const parentSlot = slots[parent] as number;
      times[index] = parentTime;
      slots[index] = parentSlot;
      position[parentSlot] = index;
      index = parent;
    }
    times[index] = time;
    slots[index] = slot;
    position[slot] = index;
  }

  #down(index: number): void {
    const times = this.#times;
    const slots = this.#slots;
    const position = this.#position;
    const size = this.#size;
    const time = times[index] as number;
    const slot = slots[index] as number;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      let childTime = times[child] as number;
      const right = child + 1;
      if (right < size && (times[right] as number) < childTime) {
        child = right;
        childTime = times[right] as number;
      }
      if (childTime >= time) break;
      const childSlot = slots[child] as number;
      times[index] = childTime;
      slots[index] = childSlot;
      position[childSlot] = index;
      index = child;
    }
    times[index] = time;
    slots[index] = slot;
    position[slot] = index;
  }
}

/**
 * The scheduler's one armed timer. It wakes at the earliest due time, but never later than
 * `maxDelay` from now, so that a wall-clock jump or a machine sleep is noticed within that bound and
 * delays beyond Node's 2^31-1 ms limit work.
 */
export class Alarm {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  readonly #maxDelay: number;
  #handle: unknown;
  #armed = false;
  /** The instant the armed timer fires at. */
  #wakeAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onWake: () => void, maxDelay = 30_000) {
    this.#clock = clock;
    this.#onWake = onWake;
    this.#maxDelay = maxDelay;
  }

  /** Whether a timer is pending. */
  get armed(): boolean {
    return this.#armed;
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
    if (delay > this.#maxDelay) delay = this.#maxDelay;
    if (delay < 0) delay = 0;
    const wakeAt = now + delay;
    if (this.#armed) {
      if (this.#wakeAt <= wakeAt) return;
      this.#clock.clearTimeout(this.#handle);
    }
    this.#armed = true;
    this.#wakeAt = wakeAt;
    this.#handle = this.#clock.setTimeout(this.#fire, Math.ceil(delay));
  }

  /** Cancels the pending timer, if any. */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  readonly #fire = (): void => {
    this.#armed = false;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#handle = undefined;
    this.#onWake();
  };
}
