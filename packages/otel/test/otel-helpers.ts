// Shared set-up for the @tscron/otel tests: an in-memory tracer and meter from the real SDK, the
// AsyncLocalStorage context manager, and a UTC scheduler on a FakeClock.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createScheduler, type Scheduler, type SchedulerOptions } from 'tscron';
import { FakeClock } from 'tscron/testing';

/** 2026-01-01T00:00:00Z */
export const T0 = Date.UTC(2026, 0, 1);

export function setup(options: SchedulerOptions = {}): { clock: FakeClock; scheduler: Scheduler } {
  const clock = new FakeClock(T0);
  const scheduler = createScheduler({ clock, timeZone: 'UTC', ...options });
  return { clock, scheduler };
}

/** Registers the AsyncLocalStorage context manager (what the Node SDK uses); returns its undoing. */
export function useContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    manager.disable();
    context.disable();
  };
}

/** A tracer provider that keeps finished spans in memory. */
export function memoryTracing(): { provider: BasicTracerProvider; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, spans: () => exporter.getFinishedSpans() };
}

/** A reader whose `collect()` is called by the test itself. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A meter provider read on demand: `collect()` returns its metrics by name. */
export function memoryMetrics(): {
  provider: MeterProvider;
  collect: () => Promise<Map<string, MetricData>>;
} {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
  };
}
