import { describeValue, TscronError } from './errors.js';
import type { MemoryRunHistoryOptions, RunHistory, RunQuery, RunRecord } from './run-history.js';

/** How far back a record looks for the earlier record of its run (a run's start and end come close together). */
const REPLACE_WINDOW = 32;

/**
 * A {@link RunHistory} in the process's memory: a ring buffer per job name, so that memory stays
 * bounded however long the process runs. The dashboard uses one when no other history is given.
 *
 * @example
 * ```ts
 * import { createScheduler, MemoryRunHistory } from 'tscron';
 *
 * const scheduler = createScheduler({ history: new MemoryRunHistory() });
 * ```
 */
export class MemoryRunHistory implements RunHistory {
  readonly #perJob: number;
  readonly #rings = new Map<string, Ring>();

  constructor(options: MemoryRunHistoryOptions = {}) {
    const perJob = options.perJob ?? 100;
    if (!Number.isInteger(perJob) || perJob < 1) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `MemoryRunHistory: perJob must be an integer >= 1, got ${describeValue(perJob)}`,
      );
    }
    this.#perJob = perJob;
  }

  record(run: RunRecord): Promise<void> {
    let ring = this.#rings.get(run.jobName);
    if (ring === undefined) {
      ring = new Ring(this.#perJob);
      this.#rings.set(run.jobName, ring);
    }
    ring.put(run);
    return Promise.resolve();
  }

  list(query: RunQuery = {}): Promise<RunRecord[]> {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const before = query.before?.getTime() ?? Number.POSITIVE_INFINITY;
    let found: RunRecord[];
    if (query.jobName !== undefined) found = this.#rings.get(query.jobName)?.newest(limit, before) ?? [];
    else {
      found = [];
      for (const ring of this.#rings.values()) found.push(...ring.newest(limit, before));
      found.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
      if (found.length > limit) found.length = limit;
    }
    // Copies: a caller that edits what it got must not edit the history.
    return Promise.resolve(found.map((run) => ({ ...run })));
  }
}

/** One job's records, oldest overwritten first. */
class Ring {
  readonly #slots: (RunRecord | undefined)[];
  /** Where the next record goes. */
  #next = 0;
  #size = 0;
  /** Whether some record started before one stored ahead of it (then reading sorts). */
  #outOfOrder = false;

  constructor(capacity: number) {
    this.#slots = new Array(capacity);
  }

  put(run: RunRecord): void {
    const capacity = this.#slots.length;
    for (let back = 1; back <= Math.min(this.#size, REPLACE_WINDOW); back++) {
      const index = (this.#next - back + capacity) % capacity;
      const stored = this.#slots[index] as RunRecord;
      if (sameRun(stored, run)) {
        this.#slots[index] = run;
        return;
      }
    }
    if (this.#size > 0) {
      const newest = this.#slots[(this.#next - 1 + capacity) % capacity] as RunRecord;
      if (run.startedAt.getTime() < newest.startedAt.getTime()) this.#outOfOrder = true;
    }
    this.#slots[this.#next] = run;
    this.#next = (this.#next + 1) % capacity;
    if (this.#size < capacity) this.#size++;
  }

  /**
   * At most `limit` records started before `before`, newest start first. Records nearly always
   * arrive in start order, and then this reads only what it returns (the dashboard asks every job
   * for its last run); otherwise it sorts.
   */
  newest(limit: number, before: number): RunRecord[] {
    const capacity = this.#slots.length;
    const out: RunRecord[] = [];
    for (let back = 1; back <= this.#size; back++) {
      const run = this.#slots[(this.#next - back + capacity) % capacity] as RunRecord;
      if (run.startedAt.getTime() >= before) continue;
      out.push(run);
      if (!this.#outOfOrder && out.length >= limit) break;
    }
    if (!this.#outOfOrder) return out;
    out.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    if (out.length > limit) out.length = limit;
    return out;
  }
}

function sameRun(a: RunRecord, b: RunRecord): boolean {
  return (
    a.jobId === b.jobId &&
    a.replica === b.replica &&
    a.startedAt.getTime() === b.startedAt.getTime() &&
    a.scheduledAt.getTime() === b.scheduledAt.getTime()
  );
}
