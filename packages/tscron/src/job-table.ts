import type { JobHost, JobRecord } from './job.js';
import { newJobId } from './job-id.js';
import { cronScheduleIn, type DstPolicy, type Schedule } from './schedule.js';
import type { TimeZone } from './zone/time-zone.js';

/** Doubles kept per slot in {@link JobTable.times}. */
export const TIMES_STRIDE = 6;
/** Offset of the next occurrence (epoch ms, NaN when none is planned). */
export const NEXT = 0;
/** Offset of the instant a duration job's occurrences count from. */
export const ANCHOR = 1;
/** Offset of a duration job's period in ms (0 for other jobs). */
export const EVERY = 2;
/** Offset of the time the last run was dispatched (NaN before the first). */
export const LAST_RUN = 3;
/** Offset of the count of runs towards `limitedRuns`. */
export const RUNS = 4;
/** Offset of the time the last run ended (NaN before the first ended). */
export const LAST_DONE = 5;

/** What a job that left the table keeps of its times: users may still hold its record. */
interface RetiredTimes {
  lastRun: number;
  lastDone: number;
}

/**
 * A scheduler's jobs: each live job holds a slot, and its times and run count live in one
 * `Float64Array` at `slot * TIMES_STRIDE`, not in fields of its record. A number field of an object
 * costs a separate heap box per job, and adding 100,000 jobs is mostly the garbage collector copying
 * what was just allocated: every byte a job keeps on the heap costs time. Typed arrays keep their
 * data outside the heap.
 *
 * The table also keeps creation order (for `jobs()`, as slots in an `Int32Array` with holes) and
 * the ids that are known outside: a random id is drawn only when something first reads it, so that a
 * job nobody asks about costs no id string and no map entry.
 */
export class JobTable {
  /** The scheduler the records ask for `runNow`, `pause` and `resume`. */
  readonly host: JobHost;
  /** The scheduler's time zone. */
  readonly zone: TimeZone;
  /** See {@link TIMES_STRIDE}; replaced when the table grows, so never cache it across adds. */
  times = new Float64Array(64 * TIMES_STRIDE);
  /** Live records by slot. */
  bySlot: (JobRecord | undefined)[] = [];
  #free: number[] = [];
  /** Slots in creation order, -1 where a job left; `#orderLength` are in use. */
  #order = new Int32Array(64);
  #orderLength = 0;
  /** Per slot, its place in `#order`. */
  #placeOf = new Int32Array(64);
  #holes = 0;
  readonly #ids = new Map<string, JobRecord>();
  /** The last run times of jobs that left the table and had run: users may still hold them. */
  readonly #retired = new WeakMap<JobRecord, RetiredTimes>();
  #size = 0;
  // See nextOf().
  #memoSchedule: Schedule | undefined = undefined;
  #memoAfter = Number.NaN;
  #memoNext = Number.NaN;

  constructor(host: JobHost, zone: TimeZone) {
    this.host = host;
    this.zone = zone;
  }

  /** How many jobs are in the table. */
  get size(): number {
    return this.#size;
  }

  /** The live job whose id is `id`, if that id was ever handed out. */
  byId(id: string): JobRecord | undefined {
    return this.#ids.get(id);
  }

  /** Gives a record a slot and a place at the end of the creation order. */
  add(record: JobRecord): void {
    const slot = this.#free.length > 0 ? (this.#free.pop() as number) : this.bySlot.length;
    const base = slot * TIMES_STRIDE;
    if (base + TIMES_STRIDE > this.times.length) this.#grow(base + TIMES_STRIDE);
    const times = this.times;
    times[base + NEXT] = Number.NaN;
    times[base + ANCHOR] = Number.NaN;
    times[base + EVERY] = 0;
    times[base + LAST_RUN] = Number.NaN;
    times[base + RUNS] = 0;
    times[base + LAST_DONE] = Number.NaN;
    record.slot = slot;
    this.bySlot[slot] = record;
    if (slot >= this.#placeOf.length) this.#placeOf = grown(this.#placeOf, slot + 1);
    if (this.#orderLength === this.#order.length) this.#order = grown(this.#order, this.#orderLength + 1);
    this.#placeOf[slot] = this.#orderLength;
    this.#order[this.#orderLength++] = slot;
    if (record.idText !== undefined) this.#ids.set(record.idText, record);
    this.#size++;
  }

  /**
   * Takes a record out: its slot goes back to the pool (its last run time is kept aside, as users
   * may still hold the record) and its id is no longer found.
   */
  remove(record: JobRecord): void {
    const slot = record.slot;
    if (slot < 0) return;
    const lastRun = this.times[slot * TIMES_STRIDE + LAST_RUN] as number;
    const lastDone = this.times[slot * TIMES_STRIDE + LAST_DONE] as number;
    if (!Number.isNaN(lastRun)) this.#retired.set(record, { lastRun, lastDone });
    record.slot = -1;
    this.bySlot[slot] = undefined;
    this.#free.push(slot);
    this.#order[this.#placeOf[slot] as number] = -1;
    this.#holes++;
    if (record.idText !== undefined) this.#ids.delete(record.idText);
    this.#size--;
    if (this.#holes > 32 && this.#holes * 2 > this.#orderLength) this.#compact();
  }

  /**
   * `schedule.nextAfter(after)`, remembering the last answer: if `schedule` answered R for an instant
   * A, it answers R for every instant from A up to R (nothing runs in between), so jobs that share a
   * schedule and ask about nearly the same instant (added in a burst, or run at one second) compute
   * it once. Only deterministic schedules are remembered.
   *
   * A cron expression given as text is compiled now, in this table's zone under `dstPolicy` (found
   * in the shared cache when recently used): a scheduler of 100,000 distinct expressions then keeps
   * their text only, and compiles each again (well under a microsecond) when its job runs.
   */
  nextOf(given: Schedule | string, after: number, dstPolicy: DstPolicy): number | undefined {
    const schedule = typeof given === 'string' ? cronScheduleIn(given, this.zone, dstPolicy) : given;
    if (schedule === this.#memoSchedule && after >= this.#memoAfter && after < this.#memoNext) {
      return this.#memoNext;
    }
    const next = schedule.nextAfter(after);
    if (next !== undefined && schedule.deterministic) {
      this.#memoSchedule = schedule;
      this.#memoAfter = after;
      this.#memoNext = next;
    }
    return next;
  }

  /** The last run time of a record that left the table, NaN when it never ran. */
  retiredLastRun(record: JobRecord): number {
    return this.#retired.get(record)?.lastRun ?? Number.NaN;
  }

  /** When the last run of a record that left the table ended, NaN when none did. */
  retiredLastDone(record: JobRecord): number {
    return this.#retired.get(record)?.lastDone ?? Number.NaN;
  }

  /** Records a time of a record that left the table (a run it started before it left may end after). */
  retire(record: JobRecord, which: keyof RetiredTimes, at: number): void {
    const times = this.#retired.get(record);
    if (times === undefined) {
      this.#retired.set(record, {
        lastRun: which === 'lastRun' ? at : Number.NaN,
        lastDone: which === 'lastDone' ? at : Number.NaN,
      });
    } else times[which] = at;
  }

  /** The id of a record, drawn now if it has none yet. */
  idOf(record: JobRecord): string {
    let id = record.idText;
    if (id === undefined) {
      id = newJobId();
      record.idText = id;
      if (record.slot >= 0) this.#ids.set(id, record);
    }
    return id;
  }

  /** The live records in creation order. */
  inOrder(): JobRecord[] {
    const live: JobRecord[] = [];
    const order = this.#order;
    for (let i = 0; i < this.#orderLength; i++) {
      const slot = order[i] as number;
      if (slot >= 0) live.push(this.bySlot[slot] as JobRecord);
    }
    return live;
  }

  /** Empties the table (shutdown); records keep their last run times. */
  clear(): void {
    for (const record of this.inOrder()) this.remove(record);
    this.bySlot = [];
    this.#free = [];
    this.#order = new Int32Array(64);
    this.#orderLength = 0;
    this.#placeOf = new Int32Array(64);
    this.#holes = 0;
    this.times = new Float64Array(64 * TIMES_STRIDE);
  }

  #grow(needed: number): void {
    this.times = grown(this.times, needed);
  }

  #compact(): void {
    const order = this.#order;
    let kept = 0;
    for (let i = 0; i < this.#orderLength; i++) {
      const slot = order[i] as number;
      if (slot < 0) continue;
      this.#placeOf[slot] = kept;
      order[kept++] = slot;
    }
    this.#orderLength = kept;
    this.#holes = 0;
  }
}

/** A copy of `array` at least `needed` long (doubling, so that growing one by one stays linear). */
function grown<T extends Float64Array | Int32Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const copy = new (array.constructor as new (length: number) => T)(length);
  copy.set(array);
  return copy;
}
