import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { openTelemetry } from '@tscron/otel';
import { cronJob, durationJob, isTscronError, MemoryLocker } from 'tscron';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memoryTracing, setup, T0, useContextManager } from './otel-helpers.js';

let undoContext: () => void;
beforeAll(() => {
  undoContext = useContextManager();
});
afterAll(() => undoContext());

describe('openTelemetry: a span per run', () => {
  test('an INTERNAL span named after the job, with its attributes, the lock it waited for, ended after the after-listeners', async () => {
    const { provider, spans } = memoryTracing();
    const { clock, scheduler } = setup({
      monitor: openTelemetry({ tracerProvider: provider }),
      locker: new MemoryLocker(),
    });
    const endedBeforeListener: number[] = [];
    const job = scheduler.newJob(cronJob('*/5 * * * * *', { withSeconds: true }), () => {}, {
      name: 'report',
      eventListeners: { afterJobRuns: () => endedBeforeListener.push(spans().length) },
    });
    scheduler.start();
    await clock.advance('5s');
    expect(endedBeforeListener).toEqual([0]);
    const [span] = spans();
    expect(spans()).toHaveLength(1);
    expect(span?.name).toBe('tscron report');
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes).toEqual({
      'tscron.job.name': 'report',
      'tscron.job.id': job.id,
      'tscron.scheduled_at': new Date(T0 + 5000).toISOString(),
      'faas.cron': '*/5 * * * * *',
      'tscron.lock.fence': 1,
      'tscron.run.status': 'success',
      'tscron.run.attempts': 1,
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.events.map((event) => [event.name, event.attributes])).toEqual([
      ['tscron.lock.acquired', { 'tscron.lock.fence': 1 }],
    ]);
    await scheduler.shutdown();
  });

  test('each span carries its own occurrence: runs due together share it, the next ones have theirs', async () => {
    const { provider, spans } = memoryTracing();
    const { clock, scheduler } = setup({ monitor: openTelemetry({ tracerProvider: provider }) });
    scheduler.newJob(cronJob('* * * * * *', { withSeconds: true }), () => {}, { name: 'a' });
    scheduler.newJob(cronJob('*/2 * * * * *', { withSeconds: true }), () => {}, { name: 'b' });
    scheduler.start();
    await clock.advance('3s');
    expect(
      spans()
        .map((span) => `${span.name} ${span.attributes['tscron.scheduled_at']}`)
        .sort(),
    ).toEqual([
      `tscron a ${new Date(T0 + 1000).toISOString()}`,
      `tscron a ${new Date(T0 + 2000).toISOString()}`,
      `tscron a ${new Date(T0 + 3000).toISOString()}`,
      `tscron b ${new Date(T0 + 2000).toISOString()}`,
    ]);
    await scheduler.shutdown();
  });

  test('spans made inside an async task are children of the run span; each run is a trace of its own', async () => {
    const { provider, spans } = memoryTracing();
    const { clock, scheduler } = setup({ monitor: openTelemetry({ tracerProvider: provider }) });
    const inner = provider.getTracer('app');
    const child = scheduler.newJob(
      durationJob('1h'),
      () => inner.startActiveSpan('nested run', (s) => s.end()),
      {
        name: 'child',
      },
    );
    scheduler.newJob(
      durationJob('1s'),
      async () => {
        await Promise.resolve();
        inner.startSpan('query').end();
        // A run started from inside a task is not that task's child.
        child.runNow();
      },
      { name: 'parent', limitedRuns: 1 },
    );
    scheduler.start();
    await clock.advance('1s');
    const byName = new Map(spans().map((span) => [span.name, span]));
    const parent = byName.get('tscron parent');
    const query = byName.get('query');
    const childRun = byName.get('tscron child');
    const nested = byName.get('nested run');
    expect(query?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(query?.spanContext().traceId).toBe(parent?.spanContext().traceId);
    expect(childRun?.parentSpanContext).toBeUndefined();
    expect(childRun?.spanContext().traceId).not.toBe(parent?.spanContext().traceId);
    expect(nested?.parentSpanContext?.spanId).toBe(childRun?.spanContext().spanId);
    // Outside a run, the task's context is gone.
    expect(trace.getActiveSpan()).toBeUndefined();
    await scheduler.shutdown();
  });

  test('a failed run: status ERROR with the message, the exception recorded; duration jobs carry no faas.cron', async () => {
    const { provider, spans } = memoryTracing();
    const { clock, scheduler } = setup({ monitor: openTelemetry({ tracerProvider: provider }) });
    scheduler.newJob(
      durationJob('1s'),
      async () => {
        await Promise.resolve();
        throw new TypeError('disk full');
      },
      { name: 'backup', limitedRuns: 1, eventListeners: { afterJobRunsWithError: () => {} } },
    );
    scheduler.newJob(
      durationJob('1s'),
      () => {
        throw 'plain text';
      },
      { name: 'odd', limitedRuns: 1, eventListeners: { afterJobRunsWithError: () => {} } },
    );
    scheduler.start();
    await clock.advance('1s');
    const backup = spans().find((span) => span.name === 'tscron backup');
    expect(backup?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk full' });
    expect(backup?.attributes['tscron.run.status']).toBe('fail');
    expect(backup?.attributes['faas.cron']).toBeUndefined();
    const exception = backup?.events.find((event) => event.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'TypeError',
      'exception.message': 'disk full',
    });
    const odd = spans().find((span) => span.name === 'tscron odd');
    expect(odd?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain text' });
    expect(odd?.events.find((event) => event.name === 'exception')?.attributes).toMatchObject({
      'exception.message': 'plain text',
    });
    await scheduler.shutdown();
  });

  test('retries stay in one span: an event per retry, each try inside the span', async () => {
    const { provider, spans } = memoryTracing();
    const { clock, scheduler } = setup({ monitor: openTelemetry({ tracerProvider: provider }) });
    const inner = provider.getTracer('app');
    let tries = 0;
    scheduler.newJob(
      durationJob('1h'),
      async () => {
        inner.startSpan(`try ${++tries}`).end();
        await Promise.resolve();
        if (tries < 3) throw new Error(`try ${tries} failed`);
      },
      { name: 'flaky', retry: { attempts: 2, delay: '1s' }, limitedRuns: 1 },
    );
    scheduler.start();
    await clock.advance('1h');
    await clock.advance('2s');
    const run = spans().find((span) => span.name === 'tscron flaky');
    expect(run?.attributes).toMatchObject({ 'tscron.run.status': 'success', 'tscron.run.attempts': 3 });
    expect(run?.status.code).toBe(SpanStatusCode.UNSET);
    expect(run?.events.map((event) => [event.name, event.attributes])).toEqual([
      ['tscron.run.retry', { 'tscron.run.attempts': 2 }],
      ['tscron.run.retry', { 'tscron.run.attempts': 3 }],
    ]);
    const triesSpans = spans().filter((span) => span.name.startsWith('try '));
    expect(triesSpans.map((span) => span.parentSpanContext?.spanId)).toEqual(
      Array(3).fill(run?.spanContext().spanId),
    );
    await scheduler.shutdown();
  });

  test('a run whose lock another replica holds ends as skipped, with no lock event', async () => {
    const { provider, spans } = memoryTracing();
    const locker = new MemoryLocker();
    const winner = setup({ locker });
    const loser = setup({
      locker,
      clock: winner.clock,
      monitor: openTelemetry({ tracerProvider: provider }),
    });
    let ran = 0;
    winner.scheduler.newJob(durationJob('1s'), () => {}, { name: 'shared', limitedRuns: 1 });
    loser.scheduler.newJob(durationJob('1s'), () => ran++, { name: 'shared', limitedRuns: 1 });
    winner.scheduler.start();
    loser.scheduler.start();
    await winner.clock.advance('1s');
    expect(ran).toBe(0);
    const [span] = spans();
    expect(spans()).toHaveLength(1);
    expect(span?.attributes['tscron.run.status']).toBe('skip');
    expect(span?.attributes['tscron.run.attempts']).toBeUndefined();
    expect(span?.events).toEqual([]);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    await Promise.all([winner.scheduler.shutdown(), loser.scheduler.shutdown()]);
  });

  test('the lock wait is the time from the span start to tscron.lock.acquired', async () => {
    const { provider, spans } = memoryTracing();
    const inner = new MemoryLocker();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A locker that answers once the test lets it: the run waits for its lock meanwhile.
    const slow = {
      lock: async (key: string, options: Parameters<MemoryLocker['lock']>[1]) => {
        await gate;
        return inner.lock(key, options);
      },
    };
    const { clock, scheduler } = setup({
      monitor: openTelemetry({ tracerProvider: provider }),
      locker: slow,
    });
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'waits', limitedRuns: 1 });
    scheduler.start();
    await clock.advance('1s');
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await clock.advance(0);
    const [span] = spans();
    const acquired = span?.events.find((event) => event.name === 'tscron.lock.acquired');
    expect(acquired).toBeDefined();
    const wait = hrMs(acquired?.time ?? [0, 0]) - hrMs(span?.startTime ?? [0, 0]);
    expect(wait).toBeGreaterThanOrEqual(15);
    await scheduler.shutdown();
  });

  test('rejects what is not a provider', () => {
    for (const options of [{ tracerProvider: {} }, { meterProvider: 'x' }, null]) {
      expect(() => openTelemetry(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }) as unknown as Error,
      );
    }
    expect(() => openTelemetry({ tracerProvider: { getMeter: () => null } as never })).toThrow(
      /openTelemetry: `tracerProvider` must be an OpenTelemetry TracerProvider, got Object/,
    );
    expect(
      isTscronError(
        catchError(() => openTelemetry({ meterProvider: 1 as never })),
        'ERR_INVALID_OPTION',
      ),
    ).toBe(true);
  });
});

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

function catchError(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
