// Occurrences a fleet holds back: until balance lets this replica claim them, or until the first
// heartbeat told the scheduler which jobs the fleet paused.
import type { Clock } from './clock.js';
import type { JobRecord } from './job.js';
import { Alarm } from './timer-queue.js';

/** One held occurrence. */
export interface HeldRun {
  readonly record: JobRecord;
  /** The job's version when the occurrence came: an update in between drops it. */
  readonly version: number;
  /** The occurrence, epoch ms. */
  readonly at: number;
  /** When the scheduler planned to start it (the occurrence plus its jitter). */
  readonly due: number;
  /** When it is released: its due time plus the wait balance chose. */
  releaseAt: number;
  /** Balance picked another replica for it: this replica's claim is a backup, made a grace late. */
  backup: boolean;
}

/**
 * A min-heap of held occurrences by release time, with one timer for the earliest. Entries are
 * plain objects: a replica holds at most the occurrences of one grace period.
 */
export class HeldRuns {
  readonly #clock: Clock;
  readonly #alarm: Alarm;
  readonly #release: (held: HeldRun, now: number) => void;
  #heap: HeldRun[] = [];

  /** `release` is called for each entry when its time comes, in release order. */
  constructor(clock: Clock, keepAlive: boolean, release: (held: HeldRun, now: number) => void) {
    this.#clock = clock;
    this.#release = release;
    this.#alarm = new Alarm(clock, () => this.#wake(), undefined, keepAlive);
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Holds an entry until its `releaseAt`. */
  add(held: HeldRun): void {
    const heap = this.#heap;
    heap.push(held);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as HeldRun).releaseAt <= held.releaseAt) break;
      heap[i] = heap[parent] as HeldRun;
      i = parent;
    }
    heap[i] = held;
    if (i === 0) this.#alarm.arm(held.releaseAt, this.#clock.now());
  }

  /** Drops every entry and disarms the timer (the scheduler stopped). */
  clear(): void {
    this.#heap = [];
    this.#alarm.disarm();
  }

  #wake(): void {
    const now = this.#clock.now();
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as HeldRun).releaseAt <= now) {
      this.#release(this.#pop(), now);
      // A release can stop the scheduler, which clears the heap.
      if (this.#heap !== heap) return;
    }
    if (heap.length > 0) this.#alarm.arm((heap[0] as HeldRun).releaseAt, now);
  }

  #pop(): HeldRun {
    const heap = this.#heap;
    const top = heap[0] as HeldRun;
    const last = heap.pop() as HeldRun;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      const right = child + 1;
      if (right < heap.length && (heap[right] as HeldRun).releaseAt < (heap[child] as HeldRun).releaseAt)
        child = right;
      if ((heap[child] as HeldRun).releaseAt >= last.releaseAt) break;
      heap[i] = heap[child] as HeldRun;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
