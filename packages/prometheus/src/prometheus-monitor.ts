// PrometheusMonitor: the scheduler's monitor hooks as prom-client metrics.
import { Counter, Gauge, type PrometheusContentType, Registry, type RegistryContentType } from 'prom-client';
import type { Job, JobStatus, Monitor } from 'tscron';
import { JobHistogram } from './job-histogram.js';
import { JobSeries, STATUSES } from './job-series.js';
import { invalid, type PrometheusMonitorOptions, resolveOptions } from './options.js';

/**
 * A {@link Monitor} that keeps Prometheus metrics of the scheduler's runs, on prom-client. Give it to
 * one scheduler or several (`createScheduler({ monitor })`), and serve `monitor.registry` at
 * `/metrics`. Every metric is labelled by `job` (the job's name) and nothing else but `status`, so
 * their number stays bounded by the number of job names.
 *
 * Throws `ERR_INVALID_OPTION` for a bad option, and when the registry already holds a metric of the
 * same name (a second monitor on one registry: share the first one, or give this one another prefix).
 *
 * @example
 * ```ts
 * import { PrometheusMonitor } from '@tscron/prometheus';
 * import { createScheduler } from 'tscron';
 *
 * const monitor = new PrometheusMonitor();
 * const scheduler = createScheduler({ monitor });
 * // later, on GET /metrics:
 * const text = await monitor.registry.metrics(); // content type: monitor.registry.contentType
 * ```
 */
export class PrometheusMonitor<T extends RegistryContentType = PrometheusContentType> implements Monitor {
  /** Where the metrics are registered: the `registry` option, or a new `Registry`. */
  readonly registry: Registry<T>;
  readonly #series = new Map<string, JobSeries>();
  /** Registered jobs by id: the `jobs` gauge and the next-run timestamps read them at scrape time. */
  readonly #jobs = new Map<string, Job>();
  readonly #duration: JobHistogram;
  readonly #lateness: JobHistogram;
  /** 1 or 0 once an elector answered; undefined before (published as 0). */
  #leader: number | undefined;

  /** Validates the options and registers the metrics; throws `ERR_INVALID_OPTION`. */
  constructor(options?: PrometheusMonitorOptions<T>) {
    const { registry, prefix, durationBuckets, latenessBuckets } = resolveOptions(options);
    this.registry = (registry as Registry<T> | undefined) ?? (new Registry() as Registry<T>);
    const name = (suffix: string): string => `${prefix}${suffix}`;
    const names = [
      'job_runs_total',
      'job_duration_seconds',
      'job_lateness_seconds',
      'jobs_running',
      'job_last_success_timestamp_seconds',
      'job_next_run_timestamp_seconds',
      'lock_errors_total',
      'jobs',
      'leader',
    ].map(name);
    // prom-client's own error ("already registered") would come after some metrics were registered.
    const taken = names.find((metric) => this.registry.getSingleMetric(metric) !== undefined);
    if (taken !== undefined) {
      throw invalid(
        `the registry already has a metric named ${taken}: is another PrometheusMonitor using it? Give one monitor to every scheduler, or give each monitor its own \`prefix\` or \`registry\``,
      );
    }
    // prom-client's metric options take a registry of either content type, not a generic one.
    const target = this.registry as Registry<PrometheusContentType>;
    const registers = [target];
    const monitor = this;
    new Counter({
      name: name('job_runs_total'),
      help: 'Runs of each job by outcome: success, fail, skip (not run here: lock held elsewhere, not the leader, lock error), singleton_rescheduled (dropped while the previous run was still running).',
      labelNames: ['job', 'status'],
      registers,
      collect() {
        this.reset();
        for (const series of monitor.#series.values()) {
          for (const status of STATUSES) this.inc({ job: series.labels.job, status }, series.runs(status));
        }
      },
    });
    this.#duration = new JobHistogram(
      name('job_duration_seconds'),
      'How long each run of a job took, from its task starting to its end (retries included).',
      durationBuckets,
      target,
    );
    this.#lateness = new JobHistogram(
      name('job_lateness_seconds'),
      'How late each run of a job started: the start of its task minus its scheduled time.',
      latenessBuckets,
      target,
    );
    this.#gauge(name('jobs_running'), 'Runs of each job executing now.', ['job'], (gauge) => {
      for (const series of monitor.#series.values()) gauge.set(series.labels, series.running);
    });
    this.#gauge(
      name('job_last_success_timestamp_seconds'),
      'When the last successful run of each job ended, in seconds since the Unix epoch.',
      ['job'],
      (gauge) => {
        for (const series of monitor.#series.values()) {
          if (!Number.isNaN(series.lastSuccess)) gauge.set(series.labels, series.lastSuccess);
        }
      },
    );
    this.#gauge(
      name('job_next_run_timestamp_seconds'),
      'When each registered job runs next, in seconds since the Unix epoch (absent when it has no run ahead).',
      ['job'],
      (gauge) => {
        const next = new Map<string, number>();
        for (const job of monitor.#jobs.values()) {
          const at = job.nextRun()?.getTime();
          if (at === undefined) continue;
          const earlier = next.get(job.name);
          if (earlier === undefined || at < earlier) next.set(job.name, at);
        }
        for (const [job, at] of next) gauge.set({ job }, at / 1000);
      },
    );
    new Counter({
      name: name('lock_errors_total'),
      help: 'Runs of each job skipped because the locker or elector failed (another replica winning is no error).',
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const series of monitor.#series.values()) this.inc(series.labels, series.lockErrors);
      },
    });
    this.#gauge(name('jobs'), 'Jobs registered in the schedulers.', [], (gauge) => {
      gauge.set(monitor.#jobs.size);
    });
    this.#gauge(
      name('leader'),
      'Whether this instance is the leader (1) or not (0), as the elector last answered; 0 without an elector.',
      [],
      (gauge) => {
        gauge.set(monitor.#leader ?? 0);
      },
    );
  }

  /** A gauge whose values are all written at scrape time by `publish`. */
  #gauge(name: string, help: string, labelNames: string[], publish: (gauge: Gauge) => void): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry as Registry<PrometheusContentType>],
      collect() {
        this.reset();
        publish(this);
      },
    });
  }

  #of(name: string): JobSeries {
    let series = this.#series.get(name);
    if (series === undefined) {
      series = new JobSeries(name, this.#duration, this.#lateness);
      this.#series.set(name, series);
    }
    return series;
  }

  /** Monitor hook: counts a run in `job_runs_total`. */
  incrementJob(_jobId: string, jobName: string, _tags: readonly string[], status: JobStatus): void {
    const series = this.#of(jobName);
    series.count(status);
    // A run's success is counted right after its jobExecutionTime, which noted the job: its end is
    // read there rather than through jobCompleted, one hook less per run.
    if (status === 'success') {
      const at = series.ended?.lastRunCompletedAt();
      if (at !== undefined) series.lastSuccess = at.getTime() / 1000;
    }
  }

  /** Monitor hook: the task began (`jobs_running`). */
  jobRunning(job: Job): void {
    this.#of(job.name).running++;
  }

  /** Monitor hook: the run ended (`jobs_running`, `job_duration_seconds`); called before `incrementJob`. */
  jobExecutionTime(job: Job, ms: number): void {
    const series = this.#of(job.name);
    if (series.running > 0) series.running--;
    series.ended = job;
    series.duration.observe(ms / 1000);
  }

  /** Monitor hook: `job_lateness_seconds` (never below 0). */
  jobSchedulingDelay(job: Job, scheduledAt: Date, startedAt: Date): void {
    const late = startedAt.getTime() - scheduledAt.getTime();
    this.#of(job.name).lateness.observe(late > 0 ? late / 1000 : 0);
  }

  /** Monitor hook: `lock_errors_total`. */
  lockFailed(job: Job): void {
    this.#of(job.name).lockErrors++;
  }

  /** Monitor hook: `leader`. */
  leaderChanged(leader: boolean): void {
    this.#leader = leader ? 1 : 0;
  }

  /** Monitor hook: `jobs`, and the job's series from now on (at zero). */
  jobRegistered(job: Job): void {
    this.#jobs.set(job.id, job);
    this.#of(job.name);
  }

  /** Monitor hook: `jobs`. The job's counters stay (they are cumulative). */
  jobUnregistered(job: Job): void {
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
  }
}
