import {
  createNoopMeter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { SCOPE } from './names.js';
import { RunMetrics } from './run-metrics.js';

// What the API hands out when nothing is registered, to tell "not configured" apart by identity:
// the delegate of a proxy with none set is the API's no-op provider, and a no-op meter provider
// hands out the API's one no-op meter.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/**
 * The tracer and the run metrics to use now, each `undefined` while its provider is not
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
  #metrics: RunMetrics | undefined;
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

  metrics(): RunMetrics | undefined {
    if (!this.#fresh) this.#refresh();
    return this.#metrics;
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
      const meter = meterProvider.getMeter(SCOPE);
      this.#metrics = meter === NOOP_METER ? undefined : new RunMetrics(meter);
    }
  }
}

/** The provider behind the API's proxy (the global one is a proxy), or the provider itself. */
function actualProvider(provider: TracerProvider): TracerProvider {
  // Duck-typed: a proxy from another copy of the API is not an instance of this copy's class.
  const delegate = (provider as Partial<ProxyTracerProvider>).getDelegate;
  return typeof delegate === 'function' ? delegate.call(provider) : provider;
}
