import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { DURATION_BUCKETS, DURATION_METRIC, RUNS_METRIC, SCOPE } from './names.js';

// What the API hands out when nothing is registered, to tell "not configured" apart by identity:
// the delegate of a proxy with none set is the API's no-op provider, and a no-op meter provider
// hands out the API's one no-op meter.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/** The run metrics' instruments, made from one meter. */
export interface RunInstruments {
  /** Runs by job and status. */
  readonly runs: Counter;
  /** How long runs took, in seconds, by job. */
  readonly duration: Histogram;
}

/**
 * The tracer and the metric instruments to use now, each `undefined` while its provider is not
 * configured. It follows the global providers (registered before or after the scheduler was built,
 * or disabled), and asks a provider for a tracer or a meter only when the provider changed.
 *
 * The globals are looked up at most once per turn of the microtask queue: a burst of runs due
 * together is dispatched in one synchronous stretch, and a global look-up (a symbol-keyed property
 * of the global object) costs more than everything else done for a run while nothing is configured.
 */
export class ProviderWatch {
  readonly #givenTracerProvider: TracerProvider | undefined;
  readonly #givenMeterProvider: MeterProvider | undefined;
  #tracerProvider: TracerProvider | undefined;
  #meterProvider: MeterProvider | undefined;
  #tracer: Tracer | undefined;
  #instruments: RunInstruments | undefined;
  #fresh = false;
  readonly #expire = (): void => {
    this.#fresh = false;
  };

  constructor(tracerProvider: TracerProvider | undefined, meterProvider: MeterProvider | undefined) {
    this.#givenTracerProvider = tracerProvider;
    this.#givenMeterProvider = meterProvider;
  }

  tracer(): Tracer | undefined {
    if (!this.#fresh) this.#refresh();
    return this.#tracer;
  }

  instruments(): RunInstruments | undefined {
    if (!this.#fresh) this.#refresh();
    return this.#instruments;
  }

  #refresh(): void {
    this.#fresh = true;
    queueMicrotask(this.#expire);
    const tracerProvider = actualProvider(this.#givenTracerProvider ?? trace.getTracerProvider());
    if (tracerProvider !== this.#tracerProvider) {
      this.#tracerProvider = tracerProvider;
      this.#tracer = tracerProvider === NOOP_TRACER_PROVIDER ? undefined : tracerProvider.getTracer(SCOPE);
    }
    const meterProvider = this.#givenMeterProvider ?? metrics.getMeterProvider();
    if (meterProvider !== this.#meterProvider) {
      this.#meterProvider = meterProvider;
      this.#instruments = instrumentsOf(meterProvider.getMeter(SCOPE));
    }
  }
}

/** The run metrics' instruments on `meter`; none on the API's no-op meter. */
function instrumentsOf(meter: Meter): RunInstruments | undefined {
  if (meter === NOOP_METER) return undefined;
  return {
    runs: meter.createCounter(RUNS_METRIC, {
      description: 'Runs of tscron jobs, by job name and how they ended',
      unit: '{run}',
    }),
    duration: meter.createHistogram(DURATION_METRIC, {
      description: 'How long runs of tscron jobs took, retries included',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    }),
  };
}

/** The provider behind the API's proxy (the global one is a proxy), or the provider itself. */
function actualProvider(provider: TracerProvider): TracerProvider {
  // Duck-typed: a proxy from another copy of the API is not an instance of this copy's class.
  const delegate = (provider as Partial<ProxyTracerProvider>).getDelegate;
  return typeof delegate === 'function' ? delegate.call(provider) : provider;
}
