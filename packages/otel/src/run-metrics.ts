import type { Attributes, Histogram, Meter, ObservableCounter, ObservableResult } from '@opentelemetry/api';
import type { JobStatus } from 'tscron';
import { DURATION_BUCKETS, DURATION_METRIC, JOB_NAME, RUN_STATUS, RUNS_METRIC } from './names.js';

/**
 * The run metrics on one meter: runs counted by job and status, run durations recorded by job.
 *
 * The counter is an asynchronous one read from counts kept here: counting a run is then a map
 * look-up and an addition, where a synchronous counter's `add` costs a few hundred nanoseconds in the
 * SDK (it hashes the attributes on every call). The exported metric is the same monotonic sum.
 */
export class RunMetrics {
  readonly #duration: Histogram;
  /** Runs by job name, then by status: what the counter reports, cumulative since this meter's first. */
  readonly #counts = new Map<string, Map<JobStatus, number>>();
  /** One attribute object per job name for the histogram (the SDK keeps none of it). */
  readonly #durationAttributes = new Map<string, Attributes>();

  constructor(meter: Meter) {
    const runs: ObservableCounter = meter.createObservableCounter(RUNS_METRIC, {
      description: 'Runs of tscron jobs, by job name and how they ended',
      unit: '{run}',
    });
    runs.addCallback((result) => this.#observe(result));
    this.#duration = meter.createHistogram(DURATION_METRIC, {
      description: 'How long runs of tscron jobs took, retries included',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
  }

  countRun(jobName: string, status: JobStatus): void {
    let byStatus = this.#counts.get(jobName);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#counts.set(jobName, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  recordDuration(jobName: string, seconds: number): void {
    let attributes = this.#durationAttributes.get(jobName);
    if (attributes === undefined) {
      attributes = { [JOB_NAME]: jobName };
      this.#durationAttributes.set(jobName, attributes);
    }
    this.#duration.record(seconds, attributes);
  }

  #observe(result: ObservableResult): void {
    for (const [jobName, byStatus] of this.#counts) {
      for (const [status, count] of byStatus)
        result.observe(count, { [JOB_NAME]: jobName, [RUN_STATUS]: status });
    }
  }
}
