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
    if (query.jobName !== undefined) found = this.#rings.get(query.jobName)?.newestFirst() ?? [];
    else {
      found = [];
      for (const ring of this.#rings.values()) found.push(...ring.newestFirst());
      found.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    }
    const kept: RunRecord[] = [];
    for (const run of found) {
      if (kept.length >= limit) break;
      if (run.startedAt.getTime() < before) kept.push({ ...run });
    }
    return Promise.resolve(kept);
  }
}

/** One job's records, oldest overwritten first. */
class Ring {
  readonly #slots: (RunRecord | undefined)[];
  /** Where the next record goes. */
  #next = 0;
  #size = 0;

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
    this.#slots[this.#next] = run;
    this.#next = (this.#next + 1) % capacity;
    if (this.#size < capacity) this.#size++;
  }

  /** Newest start first (records arrive in start order, but a run's end may land after later starts). */
  newestFirst(): RunRecord[] {
    const capacity = this.#slots.length;
    const out: RunRecord[] = [];
    for (let back = 1; back <= this.#size; back++) {
      out.push(this.#slots[(this.#next - back + capacity) % capacity] as RunRecord);
    }
    return out.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
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
