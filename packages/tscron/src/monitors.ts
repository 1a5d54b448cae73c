import type { Monitor, RunTrace, TracedRun } from './monitor.js';

/**
 * One {@link Monitor} standing for several (`SchedulerOptions.monitor` as an array). It has a method
 * only where at least one of them does, so that the scheduler still skips what nobody listens to.
 * Each monitor is called in order; one that throws does not keep the others from hearing the event,
 * and the first error is rethrown for the scheduler to log.
 */
export function combineMonitors(monitors: readonly Monitor[]): Monitor | undefined {
  if (monitors.length === 0) return undefined;
  if (monitors.length === 1) return monitors[0];
  const combined: Record<string, (...args: unknown[]) => void> = {};
  const names = new Set<string>();
  for (const monitor of monitors) {
    for (const name of methodNames(monitor)) names.add(name);
  }
  for (const name of names) {
    if (name === 'traceRun') {
      const tracers = monitors.filter((monitor) => typeof monitor.traceRun === 'function');
      combined[name] = (run: unknown) => combineTraces(tracers, run as TracedRun);
      continue;
    }
    const targets = monitors.filter((monitor) => typeof methodOf(monitor, name) === 'function');
    combined[name] = (...args: unknown[]): void => {
      let failure: { error: unknown } | undefined;
      for (const monitor of targets) {
        try {
          (methodOf(monitor, name) as (...a: unknown[]) => unknown).apply(monitor, args);
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure !== undefined) throw failure.error;
    };
  }
  return combined as Monitor;
}

/**
 * The traces of several monitors as one: `locked` and `end` reach each, `wrap` nests the contexts
 * (the first monitor's outermost). A monitor whose `traceRun` throws leaves the others tracing.
 */
function combineTraces(tracers: readonly Monitor[], run: TracedRun): RunTrace | undefined {
  const traces: RunTrace[] = [];
  let failure: { error: unknown } | undefined;
  for (const monitor of tracers) {
    try {
      const trace = monitor.traceRun?.(run);
      if (trace !== undefined) traces.push(trace);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined && traces.length === 0) throw failure.error;
  if (traces.length <= 1) return traces[0];
  return {
    locked: (lock) => eachSafely(traces, (trace) => trace.locked?.(lock)),
    wrap: <T>(task: () => T): T =>
      traces.reduceRight<() => T>(
        (inner, trace) => (trace.wrap === undefined ? inner : () => trace.wrap?.(inner) as T),
        task,
      )(),
    end: (outcome) => eachSafely(traces, (trace) => trace.end(outcome)),
  };
}

/** Calls `call` for every trace, even after one threw; then rethrows the first error. */
function eachSafely(traces: readonly RunTrace[], call: (trace: RunTrace) => void): void {
  let failure: { error: unknown } | undefined;
  for (const trace of traces) {
    try {
      call(trace);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}

function methodOf(monitor: Monitor, name: string): unknown {
  return (monitor as Record<string, unknown>)[name];
}

/** The monitor's methods, its own and its class's. */
function methodNames(monitor: Monitor): string[] {
  const names: string[] = [];
  for (let o: object | null = monitor; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof methodOf(monitor, name) === 'function') names.push(name);
    }
  }
  return names;
}
