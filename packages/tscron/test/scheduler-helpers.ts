// Shared set-up for the scheduler tests: a FakeClock at a round instant and a UTC scheduler on it.
import { createScheduler, type Scheduler, type SchedulerOptions } from '../src/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';

/** 2026-01-01T00:00:00Z */
export const T0 = Date.UTC(2026, 0, 1);

export function setup(options: SchedulerOptions = {}): { clock: FakeClock; scheduler: Scheduler } {
  const clock = new FakeClock(T0);
  const scheduler = createScheduler({ clock, timeZone: 'UTC', ...options });
  return { clock, scheduler };
}

/** Milliseconds since {@link T0}. */
export function rel(at: Date | number | undefined): number | undefined {
  if (at === undefined) return undefined;
  return (at instanceof Date ? at.getTime() : at) - T0;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise chains run (a macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A logger that records what it is told. */
export function recordingLogger(): {
  lines: Array<[string, string]>;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
} {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    debug: (message) => lines.push(['debug', message]),
    info: (message) => lines.push(['info', message]),
    warn: (message) => lines.push(['warn', message]),
    error: (message) => lines.push(['error', message]),
  };
}
