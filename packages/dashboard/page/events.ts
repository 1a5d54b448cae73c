import { apiUrl } from './api.js';
import { type SseMessage, SseParser } from './sse-parser.js';
import { authHeaders } from './token.js';

export interface EventStreamHandlers {
  onMessage(message: SseMessage): void;
  /** The stream (re)connected: whatever happened while it was down must be fetched again. */
  onOpen(): void;
  onUnauthorized(): void;
}

/**
 * Follows `api/events` with fetch() streaming rather than EventSource, because EventSource cannot send
 * the Authorization header a token-protected dashboard needs. Reconnects with a growing delay (up to
 * 10 s) after the server goes away; stops on 401 (the token prompt takes over) or when `close()` is called.
 */
export function followEvents(handlers: EventStreamHandlers): { close(): void } {
  const controller = new AbortController();
  let delay = 500;

  const connect = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(apiUrl('events'), {
          headers: { accept: 'text/event-stream', ...authHeaders() },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (response.status === 401) {
          handlers.onUnauthorized();
          return;
        }
        if (response.ok && response.body) {
          delay = 500;
          handlers.onOpen();
          await read(response.body, handlers);
        }
      } catch {
        // Network error or abort: retry below unless closed.
      }
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void connect();
  return { close: () => controller.abort() };
}

async function read(body: ReadableStream<Uint8Array>, handlers: EventStreamHandlers): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (const message of parser.push(decoder.decode(value, { stream: true }))) handlers.onMessage(message);
  }
}
