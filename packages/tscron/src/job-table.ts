import type { JobHost, JobRecord } from './job.js';
import { newJobId } from './job-id.js';

/** Doubles kept per slot in {@link JobTable.times}. */
export const TIMES_STRIDE = 4;
/** Offset of the next occurrence (epoch ms, NaN when none is planned). */
export const NEXT = 0;
/** Offset of the instant a duration job's occurrences count from. */
export const ANCHOR = 1;
/** Offset of a duration job's period in ms (0 for other jobs). */
export const EVERY = 2;
/** Offset of the time the last run was dispatched (NaN before the first). */
export const LAST_RUN = 3;

/**
 * A scheduler's jobs: each live job holds a slot, and its times live in one `Float64Array` at
 * `slot * TIMES_STRIDE`, not in fields of its record. A number field of an object costs a separate
 * heap box per job, and a scheduler adding 100,000 jobs spends most of its time in the garbage
 * collector copying such small objects; an array of doubles is one block outside the heap.
 *
 * The table also keeps creation order (for `jobs()`) and the ids that are known outside: a random id
 * is drawn only when something first reads it, so that a job nobody asks about costs no id string
 * and no map entry.
 */
export class JobTable {
  /** The scheduler the records ask for `runNow`, `pause` and `resume`. */
  readonly host: JobHost;
  /** See {@link TIMES_STRIDE}; replaced when the table grows, so never cache it across adds. */
  times = new Float64Array(64 * TIMES_STRIDE);
  /** Live records by slot. */
  bySlot: (JobRecord | undefined)[] = [];
  #free: number[] = [];
  /** Live records in creation order, with holes (undefined) where records left. */
  #order: (JobRecord | undefined)[] = [];
  #holes = 0;
  readonly #ids = new Map<string, JobRecord>();
  #size = 0;

  constructor(host: JobHost) {
    this.host = host;
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
    record.slot = slot;
    this.bySlot[slot] = record;
    record.order = this.#order.length;
    this.#order.push(record);
    if (record.idText !== undefined) this.#ids.set(record.idText, record);
    this.#size++;
  }

  /**
   * Takes a record out: its slot goes back to the pool (its last run time is copied onto the record,
   * which users may still hold) and its id is no longer found.
   */
  remove(record: JobRecord): void {
    const slot = record.slot;
    if (slot < 0) return;
    const lastRun = this.times[slot * TIMES_STRIDE + LAST_RUN] as number;
    if (!Number.isNaN(lastRun)) record.retiredLastRun = lastRun;
    record.slot = -1;
    this.bySlot[slot] = undefined;
    this.#free.push(slot);
    this.#order[record.order] = undefined;
    this.#holes++;
    if (record.idText !== undefined) this.#ids.delete(record.idText);
    this.#size--;
    if (this.#holes > 32 && this.#holes * 2 > this.#order.length) this.#compact();
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
    for (const record of this.#order) if (record !== undefined) live.push(record);
    return live;
  }

  /** Empties the table (shutdown); records keep their last run times. */
  clear(): void {
    for (const record of this.inOrder()) this.remove(record);
    this.bySlot = [];
    this.#free = [];
    this.#order = [];
    this.#holes = 0;
    this.times = new Float64Array(64 * TIMES_STRIDE);
  }

  #grow(needed: number): void {
    let length = this.times.length * 2;
    while (length < needed) length *= 2;
    const times = new Float64Array(length);
    times.set(this.times);
    this.times = times;
  }

  #compact(): void {
    const live = this.inOrder();
    for (let i = 0; i < live.length; i++) (live[i] as JobRecord).order = i;
    this.#order = live;
    this.#holes = 0;
  }
}
