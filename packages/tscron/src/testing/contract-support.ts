// Helpers shared by the locker and elector conformance suites.
import { AssertionError } from 'node:assert';

/** One conformance case: register `run` with any test runner; it rejects with what broke. */
export interface ContractCase {
  name: string;
  run(): Promise<void>;
}

// Captured at load so that the suite's own waits are not counted by the timer tracker.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Waits `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, Math.max(0, ms)));
}

/** Milliseconds on a monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Throws an AssertionError saying `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError({ message });
}

/** A key unique to one case, so that cases never see each other's locks. */
export function uniqueKey(what: string): string {
  return `tscron-contract-${what}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Polls `predicate` every `every` ms until it holds and returns the milliseconds that took, or
 * throws saying `message` after `timeout` ms.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeout: number,
  message: string,
  every = 10,
): Promise<number> {
  const start = now();
  for (;;) {
    if (await predicate()) return now() - start;
    if (now() - start > timeout) throw new AssertionError({ message: `${message} (waited ${timeout}ms)` });
    await sleep(every);
  }
}

/** Runs `promise` but fails after `timeout` ms saying that it hung. */
export async function within<T>(promise: Promise<T>, timeout: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = realSetTimeout(
      () => reject(new AssertionError({ message: `${what} did not settle within ${timeout}ms` })),
      timeout,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    realClearTimeout(timer);
  }
}

/**
 * Counts the timers (setTimeout/setInterval) created while `body` runs that are still pending
 * when it ends, or `settleMs` later at most: a release still in flight on a slow server may hold a
 * timer for a moment, while a timer that keeps re-arming itself is still counted then. Patches the
 * globals only until then.
 */
export async function pendingTimersAfter(body: () => Promise<void>, settleMs = 0): Promise<number> {
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = {
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout,
    setInterval: g.setInterval,
    clearInterval: g.clearInterval,
  } as Record<string, (...args: unknown[]) => unknown>;
  const pending = new Set<unknown>();
  g.setTimeout = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = saved.setTimeout?.(
      (...inner: unknown[]) => {
        pending.delete(handle);
        (fn as (...a: unknown[]) => void)(...inner);
      },
      ms,
      ...args,
    );
    pending.add(handle);
    return handle;
  };
  g.setInterval = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = saved.setInterval?.(fn, ms, ...args);
    pending.add(handle);
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    pending.delete(handle);
    saved.clearTimeout?.(handle);
  };
  g.clearInterval = (handle: unknown) => {
    pending.delete(handle);
    saved.clearInterval?.(handle);
  };
  try {
    await body();
    const deadline = Date.now() + settleMs;
    while (pending.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => saved.setTimeout?.(resolve, 10));
    }
  } finally {
    Object.assign(g, saved);
  }
  return pending.size;
}

/** Percentile `p` (0..1) of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
