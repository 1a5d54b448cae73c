// Fleet-wide pause, applied to the jobs of one scheduler.
import { type JobRecord, PAUSED, REMOVED } from './job.js';

/** How the scheduler pauses and resumes a job (as `job.pause()` and `job.resume()` do). */
export interface PauseHost {
  pause(record: JobRecord): void;
  resume(record: JobRecord): void;
}

/**
 * The names the fleet pauses, and the jobs of this scheduler it paused. A job whose name is in the
 * set is paused locally; once the name leaves the set, only the jobs the fleet paused are resumed
 * (a job the user paused stays paused).
 */
export class FleetPause {
  #names: ReadonlySet<string> = new Set();
  /** The jobs this scheduler paused because the fleet did. */
  readonly #paused = new Set<JobRecord>();

  /** Whether jobs of this name are paused fleet-wide, as last seen. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Takes the fleet's paused names (from a heartbeat) and pauses or resumes `jobs` to match. */
  apply(names: readonly string[], jobs: Iterable<JobRecord>, host: PauseHost): void {
    const before = this.#names;
    // Nothing paused before or now: the common case costs no pass over the jobs.
    if (names.length === 0 && before.size === 0) return;
    this.#names = new Set(names);
    for (const record of jobs) this.adopt(record, host);
    for (const record of this.#paused) {
      if ((record.flags & REMOVED) !== 0) this.#paused.delete(record);
      else if (!this.#names.has(record.name)) {
        this.#paused.delete(record);
        if ((record.flags & PAUSED) !== 0) host.resume(record);
      }
    }
  }

  /** A job joined the scheduler (or was updated, or a heartbeat answered): pauses it when its name is paused. */
  adopt(record: JobRecord, host: PauseHost): void {
    if ((record.flags & (PAUSED | REMOVED)) !== 0 || !this.#names.has(record.name)) return;
    this.#paused.add(record);
    host.pause(record);
  }

  /** A job left the scheduler. */
  forget(record: JobRecord): void {
    this.#paused.delete(record);
  }
}
