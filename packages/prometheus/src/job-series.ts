// What the monitor keeps per job name between scrapes: plain numbers a run bumps, and the job's two
// histogram series, looked up once.
import type { Job, JobStatus } from 'tscron';
import type { HistogramSeries, JobHistogram } from './job-histogram.js';

/** The statuses of `job_runs_total`, in the order they are published. */
export const STATUSES: readonly JobStatus[] = ['success', 'fail', 'skip', 'singleton_rescheduled'];

/**
 * One job name's numbers. Everything is a plain field or array, published at scrape time, so that a
 * run costs a few increments instead of prom-client's per-call label hashing.
 */
export class JobSeries {
  readonly labels: { readonly job: string };
  success = 0;
  fail = 0;
  skip = 0;
  singletonRescheduled = 0;
  running = 0;
  lockErrors = 0;
  /** Epoch seconds of the last successful run's end; NaN until one succeeded. */
  lastSuccess = Number.NaN;
  /** The job whose run ended last (its end time is read when the run counts as a success). */
  ended: Job | undefined;
  readonly duration: HistogramSeries;
  readonly lateness: HistogramSeries;

  /** Its histogram series exist at zero from now on, so that rate() sees the job's first run. */
  constructor(name: string, duration: JobHistogram, lateness: JobHistogram) {
    this.labels = { job: name };
    this.duration = duration.series(name);
    this.lateness = lateness.series(name);
  }

  count(status: JobStatus): void {
    if (status === 'success') this.success++;
    else if (status === 'fail') this.fail++;
    else if (status === 'skip') this.skip++;
    else if (status === 'singleton_rescheduled') this.singletonRescheduled++;
  }

  runs(status: JobStatus): number {
    if (status === 'success') return this.success;
    if (status === 'fail') return this.fail;
    if (status === 'skip') return this.skip;
    return this.singletonRescheduled;
  }
}
