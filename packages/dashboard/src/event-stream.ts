// `GET api/events`: the schedulers' events as Server-Sent Events, one stream per client.
import type { Scheduler, SchedulerEvent } from 'tscron';
import type { Fleets } from './fleets.js';
import type { Histories } from './histories.js';
import { jobJson } from './job-json.js';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const KEEP_ALIVE_INTERVAL = 15_000;

const encoder = new TextEncoder();

/** The open streams of one dashboard, so that closing its server can end them. */
export class EventStreams {
  readonly #schedulers: readonly Scheduler[];
  readonly #histories: Histories;
  readonly #fleets: Fleets;
  readonly #open = new Set<() => void>();

  constructor(schedulers: readonly Scheduler[], histories: Histories, fleets: Fleets) {
    this.#schedulers = schedulers;
    this.#histories = histories;
    this.#fleets = fleets;
  }

  /** A streaming response that lasts until the client goes (`signal`) or {@link closeAll}. */
  open(signal: AbortSignal): Response {
    let close = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let closed = false;
        // Events are formatted asynchronously (a job's last run comes from the store); the chain keeps their order.
        let chain = Promise.resolve();
        const send = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text));
        };
        const unsubscribes = this.#schedulers.map((scheduler) =>
          scheduler.subscribe((event) => {
            chain = chain.then(() => this.#format(scheduler, event)).then(send, () => {});
          }),
        );
        const keepAlive = setInterval(() => send(': keep-alive\n\n'), KEEP_ALIVE_INTERVAL);
        keepAlive.unref?.();
        close = () => {
          if (closed) return;
          closed = true;
          clearInterval(keepAlive);
          for (const unsubscribe of unsubscribes) unsubscribe();
          signal.removeEventListener('abort', close);
          this.#open.delete(close);
          try {
            controller.close();
          } catch {
            // Already cancelled by the reader.
          }
        };
        this.#open.add(close);
        signal.addEventListener('abort', close, { once: true });
        // The first bytes let the client know the stream is up before any event happens.
        send('retry: 5000\n: connected\n\n');
        if (signal.aborted) close();
      },
      cancel: () => close(),
    });
    return new Response(stream, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // nginx would otherwise buffer the stream.
        'X-Accel-Buffering': 'no',
      },
    });
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }

  async #format(scheduler: Scheduler, event: SchedulerEvent): Promise<string> {
    switch (event.type) {
      case 'run':
        return message('run', event.run);
      case 'job': {
        const fleetPaused = await this.#fleets.isPaused(scheduler, event.job);
        const held = { job: event.job, scheduler };
        const job = await jobJson(held, this.#histories.of(scheduler), fleetPaused).catch(() => ({
          id: event.job.id,
          name: event.job.name,
          replica: scheduler.replica,
        }));
        // Events arrive batched, after the fact: the job may have changed again since this one.
        if (event.change === 'paused' || event.change === 'resumed') {
          return message('job', { change: event.change, job: { ...job, paused: event.change === 'paused' } });
        }
        return message('job', { change: event.change, job });
      }
      case 'scheduler':
        return message('scheduler', { change: event.change, replica: scheduler.replica });
    }
  }
}

/** One SSE message; JSON keeps any newline of a job's output or error inside the one data line. */
function message(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
