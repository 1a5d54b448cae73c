import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { type Job, type JobStatus, type Monitor, type RunTrace, type TracedRun, TscronError } from 'tscron';
import { ProviderWatch } from './provider-watch.js';
import { RunSpan } from './run-span.js';

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /**
   * Where the run spans go. Without it, the global provider (`trace.setGlobalTracerProvider`, which
   * the Node SDK's `start()` calls), followed: a provider registered after the scheduler was built is
   * used from its next run on (it is looked up at most once per turn of the microtask queue).
   *
   * @default the global tracer provider
   */
  readonly tracerProvider?: TracerProvider | undefined;
  /**
   * Where the run metrics go. Without it, the global provider (`metrics.setGlobalMeterProvider`),
   * followed as the tracer provider is.
   *
   * @default the global meter provider
   */
  readonly meterProvider?: MeterProvider | undefined;
}

/**
 * A {@link Monitor} that traces every run and counts runs through OpenTelemetry: per run an INTERNAL
 * span `tscron <job name>`, from dispatch (before the lock) to the end of the after-listeners, with
 * the task inside the span's context; and the metrics `tscron.job.runs` (counter) and
 * `tscron.job.duration` (histogram, seconds), by job name (and the counter by status). While no provider is
 * configured (the API's no-op one), it makes no span and records nothing: a run costs three calls
 * that find nothing to do.
 *
 * @throws TscronError `ERR_INVALID_OPTION` when a provider given is not one.
 *
 * @example
 * ```ts
 * import { openTelemetry } from '@tscron/otel';
 * import { createScheduler, MemoryRunHistory } from 'tscron';
 *
 * // After the OpenTelemetry SDK is started (it registers the global providers):
 * const scheduler = createScheduler({ monitor: openTelemetry(), history: new MemoryRunHistory() });
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Monitor {
  if (typeof options !== 'object' || options === null) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `openTelemetry: options must be an object, got ${String(options)}`,
    );
  }
  const { tracerProvider, meterProvider } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `openTelemetry: \`tracerProvider\` must be an OpenTelemetry TracerProvider, got ${describe(tracerProvider)}`,
    );
  }
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `openTelemetry: \`meterProvider\` must be an OpenTelemetry MeterProvider, got ${describe(meterProvider)}`,
    );
  }
  return new OpenTelemetryMonitor(new ProviderWatch(tracerProvider, meterProvider));
}

class OpenTelemetryMonitor implements Monitor {
  readonly #providers: ProviderWatch;

  constructor(providers: ProviderWatch) {
    this.#providers = providers;
  }

  traceRun(run: TracedRun): RunTrace | undefined {
    const tracer = this.#providers.tracer();
    return tracer === undefined ? undefined : new RunSpan(tracer, run);
  }

  incrementJob(_jobId: string, jobName: string, _tags: readonly string[], status: JobStatus): void {
    this.#providers.metrics()?.countRun(jobName, status);
  }

  jobExecutionTime(job: Job, ms: number): void {
    this.#providers.metrics()?.recordDuration(job.name, ms / 1000);
  }
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null
    ? (value.constructor?.name ?? 'an object')
    : String(value);
}
