// Which jobs a history write trims to their count: each job about once per perJob / 20 new runs.

/** What one write trims: job names, and how many rows each may lose at most. */
export interface Trims {
  readonly jobs: string[];
  readonly most: number[];
}

/** How many rows a trim deletes beyond the runs owed since the last one. */
const SLACK = 100;
/** Jobs one write trims at most (each trim reads up to perJob index entries and rows). */
const MAX_TRIMS = 50;
/** Jobs remembered at most; beyond, the memory starts over (as after a restart). */
const MAX_JOBS = 100_000;

/**
 * Finding the runs past a job's newest `perJob` means reading those `perJob` entries. Doing that at
 * every write costs `perJob` row reads per new run (about 1 ms per job at 1,000 runs), so each
 * writer trims a job once per `every = ceil(perJob / 20)` new runs it wrote of it, and a job holds
 * at most `every - 1` runs too many per writer between trims (5%). A trim is exact: it leaves the
 * newest `perJob`. A job first seen starts at a random point of its cycle, so that writers and
 * restarts spread their trims rather than all skipping a job's first `every - 1` runs.
 */
export class TrimSchedule {
  readonly #every: number;
  /** Per job name: new runs this writer wrote since it last trimmed the job. */
  readonly #owed = new Map<string, number>();

  constructor(perJob: number) {
    this.#every = Math.ceil(perJob / 20);
  }

  /** The jobs to trim in a write holding `runs` runs per job name (at most 50 jobs). */
  due(runs: ReadonlyMap<string, number>): Trims {
    const jobs: string[] = [];
    const most: number[] = [];
    for (const [job, count] of runs) {
      let owed = this.#owed.get(job);
      if (owed === undefined) {
        if (this.#owed.size >= MAX_JOBS) this.#owed.clear();
        owed = Math.floor(Math.random() * this.#every);
        this.#owed.set(job, owed);
      }
      if (owed + count >= this.#every && jobs.length < MAX_TRIMS) {
        jobs.push(job);
        most.push(owed + count + SLACK);
      }
    }
    return { jobs, most };
  }

  /** After a write: `grown` tells how many rows each job gained; the trimmed ones owe nothing. */
  written(trims: Trims, grown: ReadonlyMap<string, number>): void {
    const trimmed = new Set(trims.jobs);
    for (const [job, fresh] of grown) {
      this.#owed.set(job, trimmed.has(job) ? 0 : (this.#owed.get(job) ?? 0) + fresh);
    }
  }
}
