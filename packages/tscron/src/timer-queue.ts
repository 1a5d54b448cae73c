import { type Clock, systemClock } from './clock.js';

/**
 * The due times of a scheduler's jobs, keyed by slot number (a job's index in the scheduler's
 * table); each slot is queued at most once.
 *
 * Slots due at the same instant share a bucket, and a binary min-heap in a `Float64Array` orders the
 * distinct instants. A bucket is an array `[head, live, ...slots]`: slots leave from `head` in the
 * order they came (first queued, first due), and a slot removed from the middle leaves a hole (-1)
 * that the head skips; a bucket with more holes than slots is compacted. Jobs on the same cron second or interval therefore
 * cost O(1) each to pop and to requeue, however many there are; distinct instants cost O(log n).
 * Per slot, `#time` holds its due time (NaN when not queued) and `#index` its place in its bucket, so
 * that moving or removing a slot never searches. A bucket that empties stays in the map (empty) until
 * its instant reaches the top of the heap, so that every instant is in the heap exactly once.
 */
export class TimerQueue {
  #time: Float64Array;
  #index: Int32Array;
  readonly #buckets = new Map<number, number[]>();
  #heap = new Float64Array(64);
  #heapSize = 0;
  #size = 0;
  /** The bucket last appended to: requeueing a burst hits it without a map lookup. */
  #lastTime = Number.NaN;
  #lastBucket: number[] | undefined;
  /** The non-empty bucket of the earliest instant, when known. */
  #minTime = Number.NaN;
  #minBucket: number[] | undefined;

  constructor(capacity = 64) {
    this.#time = new Float64Array(capacity).fill(Number.NaN);
    this.#index = new Int32Array(capacity);
  }

  /** How many slots are queued. */
  get size(): number {
    return this.#size;
  }

  /** The earliest due time, or `Infinity` when the queue is empty. */
  peekTime(): number {
    const min = this.#minBucket;
    if (min !== undefined && (min[1] as number) > 0) return this.#minTime;
    this.#minBucket = undefined;
    while (this.#heapSize > 0) {
      const time = this.#heap[0] as number;
      const bucket = this.#buckets.get(time) as number[];
      if ((bucket[1] as number) > 0) {
        this.#minTime = time;
        this.#minBucket = bucket;
        return time;
      }
      this.#heapPop();
      this.#buckets.delete(time);
      if (this.#lastTime === time) {
        this.#lastTime = Number.NaN;
        this.#lastBucket = undefined;
      }
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The slot queued first among those with the earliest due time, or -1 when the queue is empty. */
  peekSlot(): number {
    if (this.peekTime() === Number.POSITIVE_INFINITY) return -1;
    const bucket = this.#minBucket as number[];
    return bucket[bucket[0] as number] as number;
  }

  /** Whether `slot` is queued. */
  has(slot: number): boolean {
    return slot < this.#time.length && !Number.isNaN(this.#time[slot] as number);
  }

  /** The due time of `slot`, or `undefined` when it is not queued. */
  timeOf(slot: number): number | undefined {
    return this.has(slot) ? this.#time[slot] : undefined;
  }

  /** Queues `slot` at `time`, or moves it there when it is already queued. */
  set(slot: number, time: number): void {
    if (slot >= this.#time.length) this.#grow(slot);
    const old = this.#time[slot] as number;
    if (old === time) return;
    if (Number.isNaN(old)) this.#size++;
    else this.#unlink(slot, old);
    let bucket: number[] | undefined;
    if (time === this.#lastTime) bucket = this.#lastBucket as number[];
    else {
      bucket = this.#buckets.get(time);
      if (bucket === undefined) {
        // A new bucket is made with its first slot in place: pushing onto `[2, 0]` would grow its
        // storage to 19 elements, and many instants only ever hold one slot (cron jobs on distinct
        // seconds).
        bucket = [2, 1, slot];
        this.#buckets.set(time, bucket);
        this.#heapPush(time);
        this.#lastTime = time;
        this.#lastBucket = bucket;
        if (time < this.#minTime) this.#minBucket = undefined;
        this.#index[slot] = 2;
        this.#time[slot] = time;
        return;
      }
      this.#lastTime = time;
      this.#lastBucket = bucket;
    }
    if (time < this.#minTime) this.#minBucket = undefined;
    this.#index[slot] = bucket.length;
    bucket.push(slot);
    bucket[1] = (bucket[1] as number) + 1;
    this.#time[slot] = time;
  }

  /** Removes `slot`; does nothing when it is not queued. */
  delete(slot: number): void {
    if (!this.has(slot)) return;
    this.#unlink(slot, this.#time[slot] as number);
    this.#time[slot] = Number.NaN;
    this.#size--;
  }

  /** Removes an earliest slot and returns it, or -1 when the queue is empty. */
  pop(): number {
    const slot = this.peekSlot();
    if (slot >= 0) this.delete(slot);
    return slot;
  }

  /** Empties the queue. */
  clear(): void {
    this.#time.fill(Number.NaN);
    this.#buckets.clear();
    this.#heapSize = 0;
    this.#size = 0;
    this.#lastTime = Number.NaN;
    this.#lastBucket = undefined;
    this.#minTime = Number.NaN;
    this.#minBucket = undefined;
  }

  /** Takes `slot` out of the bucket of `time`, leaving a hole. */
  #unlink(slot: number, time: number): void {
    const bucket =
      time === this.#minTime && this.#minBucket !== undefined
        ? this.#minBucket
        : time === this.#lastTime
          ? (this.#lastBucket as number[])
          : (this.#buckets.get(time) as number[]);
    const live = (bucket[1] as number) - 1;
    bucket[1] = live;
    if (live === 0) {
      bucket.length = 2;
      bucket[0] = 2;
      return;
    }
    const index = this.#index[slot] as number;
    bucket[index] = -1;
    let head = bucket[0] as number;
    if (index === head) {
      while (bucket[head] === -1) head++;
      bucket[0] = head;
    }
    if (bucket.length - head > 2 * live + 16) this.#compact(bucket);
  }

  /** Drops a bucket's holes, keeping the order of its slots. */
  #compact(bucket: number[]): void {
    let write = 2;
    for (let read = bucket[0] as number; read < bucket.length; read++) {
      const slot = bucket[read] as number;
      if (slot === -1) continue;
      bucket[write] = slot;
      this.#index[slot] = write;
      write++;
    }
    bucket.length = write;
    bucket[0] = 2;
  }

  #grow(slot: number): void {
    let length = this.#time.length * 2;
    while (length <= slot) length *= 2;
    const time = new Float64Array(length).fill(Number.NaN);
    time.set(this.#time);
    this.#time = time;
    const index = new Int32Array(length);
    index.set(this.#index);
    this.#index = index;
  }

  #heapPush(time: number): void {
    if (this.#heapSize === this.#heap.length) {
      const heap = new Float64Array(this.#heap.length * 2);
      heap.set(this.#heap);
      this.#heap = heap;
    }
    const heap = this.#heap;
    let index = this.#heapSize++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = heap[parent] as number;
      if (parentTime <= time) break;
      heap[index] = parentTime;
      index = parent;
    }
    heap[index] = time;
  }

  #heapPop(): void {
    const heap = this.#heap;
    const size = --this.#heapSize;
    if (size === 0) return;
    const time = heap[size] as number;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      let childTime = heap[child] as number;
      const right = child + 1;
      if (right < size && (heap[right] as number) < childTime) {
        child = right;
        childTime = heap[right] as number;
      }
      if (childTime >= time) break;
      heap[index] = childTime;
      index = child;
    }
    heap[index] = time;
  }
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
  #handle: unknown;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #armed = false;
  /** The instant the armed timer fires at. */
  #wakeAt = Number.POSITIVE_INFINITY;
  /** When the timer woke early on purpose: the instant to poll up to. */
  #pollUntil = Number.NaN;

  constructor(clock: Clock, onWake: () => void, maxDelay = 30_000) {
    this.#clock = clock;
    this.#onWake = onWake;
    this.#maxDelay = maxDelay;
    this.#precise = clock === systemClock;
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
    this.#handle = this.#clock.setTimeout(this.#fire, Math.ceil(timeout));
  }

  /** Cancels the pending timer, if any. */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    this.#pollUntil = Number.NaN;
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
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
