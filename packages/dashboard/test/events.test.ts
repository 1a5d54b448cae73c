// `GET api/events`: run and job events as Server-Sent Events, keep-alive comments, cleanup.
import type { Scheduler } from 'tscron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEEP_ALIVE_INTERVAL } from '../src/event-stream.js';
import { createDashboard } from '../src/index.js';
import { call, flush, readEvents, setup } from './support.js';

/** Counts the scheduler's live subscriptions. */
function countSubscriptions(scheduler: Scheduler): { readonly active: number } {
  const counter = { active: 0 };
  const subscribe = scheduler.subscribe.bind(scheduler);
  vi.spyOn(scheduler, 'subscribe').mockImplementation((listener) => {
    counter.active++;
    const unsubscribe = subscribe(listener);
    return () => {
      counter.active--;
      unsubscribe();
    };
  });
  return counter;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('GET api/events', () => {
  it('streams the start and end of a run asked for with POST run', async () => {
    const { dashboard, job } = setup();
    const response = await call(dashboard, '/api/events');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8');
    const reading = readEvents(response, (events) => events.some((e) => e.event === 'run' && isEnd(e.data)));
    await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    const events = await reading;
    expect(events.map((e) => [e.event, (e.data as { status: string }).status])).toEqual([
      ['run', 'running'],
      ['run', 'success'],
    ]);
    expect(events[1]?.data).toMatchObject({ jobId: job.id, jobName: 'report', replica: 'replica-a' });
  });

  it('streams job changes with the job as GET api/jobs shows it', async () => {
    const { dashboard, job } = setup();
    const response = await call(dashboard, '/api/events');
    const reading = readEvents(response, (events) => events.length >= 2);
    await call(dashboard, `/api/jobs/${job.id}/pause`, { method: 'POST' });
    await call(dashboard, `/api/jobs/${job.id}/resume`, { method: 'POST' });
    const events = await reading;
    expect(events.map((e) => e.event)).toEqual(['job', 'job']);
    expect(events[0]?.data).toMatchObject({ change: 'paused', job: { id: job.id, paused: true } });
    expect(events[1]?.data).toMatchObject({ change: 'resumed', job: { id: job.id, paused: false } });
  });

  it('sends a keep-alive comment periodically', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { dashboard } = setup();
    const response = await call(dashboard, '/api/events');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toContain(': connected');
    vi.advanceTimersByTime(KEEP_ALIVE_INTERVAL);
    expect(decoder.decode((await reader.read()).value)).toBe(': keep-alive\n\n');
    await reader.cancel();
  });

  it('unsubscribes when the client goes away, by cancel or by abort', async () => {
    const { scheduler } = setup();
    const subscriptions = countSubscriptions(scheduler);
    const dashboard = createDashboard({ scheduler });
    const base = subscriptions.active;

    const cancelled = await call(dashboard, '/api/events');
    expect(subscriptions.active).toBe(base + 1);
    await cancelled.body?.cancel();
    expect(subscriptions.active).toBe(base);

    const controller = new AbortController();
    await call(dashboard, '/api/events', { signal: controller.signal });
    expect(subscriptions.active).toBe(base + 1);
    controller.abort();
    await flush();
    expect(subscriptions.active).toBe(base);
  });
});

function isEnd(data: unknown): boolean {
  return (data as { status?: string }).status !== 'running';
}
