// What the monitor keeps per job name between scrapes: plain numbers a run bumps, and the job's two
// histogram children, looked up once.
import type { Histogram } from 'prom-client';
import type { Job, JobStatus } from 'tscron';

/** A histogram's child for one `job` label value. */
type Observer = ReturnType<Histogram<'job'>['labels']>;

/** The statuses of `job_runs_total`, in the order they are published. */
export const STATUSES: readonly JobStatus[] = ['success', 'fail', 'skip', 'singleton_rescheduled'];

/**
 * One job name's numbers. Counters and gauges are plain fields, published at scrape time, so that a
 * run costs a field increment instead of prom-client's per-call label hashing; only the histograms go
 * through prom-client on each run.
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
  readonly duration: Observer;
  readonly lateness: Observer;

  constructor(name: string, duration: Histogram<'job'>, lateness: Histogram<'job'>) {
    this.labels = { job: name };
    // Zeroed, so that a job's series exist from its registration and rate() sees its first run.
    duration.zero(this.labels);
    lateness.zero(this.labels);
    this.duration = duration.labels(name);
    this.lateness = lateness.labels(name);
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
