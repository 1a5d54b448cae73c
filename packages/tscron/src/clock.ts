/**
 * Where a scheduler reads the time and arms its timer. Inject one with the `clock` option;
 * tests use `FakeClock` from `tscron/testing`.
 */
export interface Clock {
  /** The current instant in epoch milliseconds. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer armed by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The process's clock: `Date.now()` and Node's timers, unref'd so that they never keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
