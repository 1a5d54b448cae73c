import {
  type Counter,
  createNoopMeter,
  type Histogram,
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

/**
 * The tracer to use now, or `undefined` while no tracer provider is configured. Asked once per run:
 * it follows the global provider (registered before or after the scheduler was built, or disabled)
 * for the price of two property reads and an identity test, and asks the provider for a tracer only
 * when the provider changed.
 */
export class TracerWatch {
  readonly #given: TracerProvider | undefined;
  #provider: TracerProvider | undefined;
  #tracer: Tracer | undefined;

  constructor(given: TracerProvider | undefined) {
    this.#given = given;
  }

  current(): Tracer | undefined {
    const provider = actualProvider(this.#given ?? trace.getTracerProvider());
    if (provider !== this.#provider) {
      this.#provider = provider;
      this.#tracer = provider === NOOP_TRACER_PROVIDER ? undefined : provider.getTracer(SCOPE);
    }
    return this.#tracer;
  }
}

/** The run metrics' instruments, made from one meter. */
export interface RunInstruments {
  /** Runs by job and status. */
  readonly runs: Counter;
  /** How long runs took, in seconds, by job. */
  readonly duration: Histogram;
}

/** As {@link TracerWatch}, for the meter: the instruments to record into now, or `undefined`. */
export class MeterWatch {
  readonly #given: MeterProvider | undefined;
  #provider: MeterProvider | undefined;
  #instruments: RunInstruments | undefined;

  constructor(given: MeterProvider | undefined) {
    this.#given = given;
  }

  current(): RunInstruments | undefined {
    const provider = this.#given ?? metrics.getMeterProvider();
    if (provider !== this.#provider) {
      this.#provider = provider;
      const meter = provider.getMeter(SCOPE);
      this.#instruments =
        meter === NOOP_METER
          ? undefined
          : {
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
    return this.#instruments;
  }
}

/** The provider behind the API's proxy (the global one is a proxy), or the provider itself. */
function actualProvider(provider: TracerProvider): TracerProvider {
  // Duck-typed: a proxy from another copy of the API is not an instance of this copy's class.
  const delegate = (provider as Partial<ProxyTracerProvider>).getDelegate;
  return typeof delegate === 'function' ? delegate.call(provider) : provider;
}
