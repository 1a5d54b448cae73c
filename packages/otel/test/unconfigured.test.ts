// With nothing registered, openTelemetry() makes no span and records nothing; a provider registered
// later is picked up at the next run, and disabling it stops the spans again. One file of its own,
// sequential, since it changes the API's globals.
import { context, metrics, type Span, type Tracer, trace } from '@opentelemetry/api';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import { openTelemetry } from '@tscron/otel';
import { durationJob, MemoryLocker, type Monitor } from 'tscron';
import { afterEach, describe, expect, test } from 'vitest';
import { memoryMetrics, memoryTracing, setup, useContextManager } from './otel-helpers.js';

afterEach(() => {
  trace.disable();
  metrics.disable();
  context.disable();
});

describe('openTelemetry with nothing registered', () => {
  test('traceRun returns nothing and no span object is made', async () => {
    // Spy on the API's own no-op tracer: every span it would make goes through startSpan.
    const noop = trace.getTracerProvider();
    const made: Span[] = [];
    const original = noop.getTracer;
    const monitor = openTelemetry();
    const traced: unknown[] = [];
    const watching: Monitor = {
      traceRun: (run) => {
        const result = monitor.traceRun?.(run);
        traced.push(result);
        return result;
      },
      incrementJob: (...args) => monitor.incrementJob?.(...args),
    };
    noop.getTracer = (...args: Parameters<typeof original>): Tracer => {
      const tracer = original.apply(noop, args);
      const startSpan = tracer.startSpan.bind(tracer);
      tracer.startSpan = (...spanArgs) => {
        const span = startSpan(...spanArgs);
        made.push(span);
        return span;
      };
      return tracer;
    };
    try {
      const { clock, scheduler } = setup({ monitor: watching, locker: new MemoryLocker() });
      scheduler.newJob(durationJob('1s'), () => {}, { name: 'quiet' });
      scheduler.start();
      await clock.advance('3s');
      expect(traced).toEqual([undefined, undefined, undefined]);
      expect(made).toEqual([]);
      await scheduler.shutdown();
    } finally {
      noop.getTracer = original;
    }
  });

  test('providers registered after the scheduler was built are used from the next run on; disabled, no more spans', async () => {
    useContextManager();
    const tracing = memoryTracing();
    const meter = memoryMetrics();
    const { clock, scheduler } = setup({ monitor: openTelemetry() });
    let active: string | undefined;
    scheduler.newJob(
      durationJob('1s'),
      () => {
        active = (trace.getActiveSpan() as { name?: string } | undefined)?.name;
      },
      { name: 'late' },
    );
    scheduler.start();
    await clock.advance('1s');
    expect(active).toBeUndefined();

    trace.setGlobalTracerProvider(tracing.provider);
    metrics.setGlobalMeterProvider(meter.provider);
    await clock.advance('2s');
    expect(tracing.spans().map((span) => span.name)).toEqual(['tscron late', 'tscron late']);
    expect(active).toBe('tscron late');
    const counter = (await meter.collect()).get('tscron.job.runs') as SumMetricData;
    expect(counter.dataPoints.map((point) => point.value)).toEqual([2]);

    trace.disable();
    metrics.disable();
    await clock.advance('1s');
    expect(tracing.spans()).toHaveLength(2);
    const after = (await meter.collect()).get('tscron.job.runs') as SumMetricData;
    expect(after.dataPoints.map((point) => point.value)).toEqual([2]);
    await scheduler.shutdown();
  });
});
