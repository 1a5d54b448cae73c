// The options of PrometheusMonitor, their defaults and their validation.
import type { PrometheusContentType, Registry, RegistryContentType } from 'prom-client';
import { TscronError } from 'tscron';

/**
 * Options of {@link PrometheusMonitor}. `T` is the registry's content type (prom-client's
 * `Registry<T>`): the Prometheus text format unless the registry given says OpenMetrics.
 */
export interface PrometheusMonitorOptions<T extends RegistryContentType = PrometheusContentType> {
  /**
   * Where the metrics are registered. Pass prom-client's default `register` to expose them beside
   * the process metrics your application already serves, or a `Registry` of your own (Prometheus or
   * OpenMetrics content type).
   * @default a new `Registry`, exposed as `monitor.registry`
   */
  registry?: Registry<T> | undefined;
  /**
   * Put before every metric name. Must be a valid Prometheus name start (letters, digits, `_` and
   * `:`, not starting with a digit); may be empty.
   * @default 'tscron_'
   */
  prefix?: string | undefined;
  /**
   * Upper bounds, in seconds, of `job_duration_seconds`: strictly increasing positive numbers.
   * @default DEFAULT_DURATION_BUCKETS (5 ms to 4 hours)
   */
  durationBuckets?: readonly number[] | undefined;
  /**
   * Upper bounds, in seconds, of `job_lateness_seconds`: strictly increasing positive numbers.
   * @default DEFAULT_LATENESS_BUCKETS (0.5 ms to 1 minute)
   */
  latenessBuckets?: readonly number[] | undefined;
}

/**
 * Duration buckets suited to jobs, in seconds: from a quick command (5 ms) to a long batch (4 hours).
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400,
]);

/**
 * Lateness buckets, in seconds: a healthy scheduler starts runs within a millisecond of their time; a
 * stalled event loop, a slow locker or a sleeping machine shows in seconds.
 */
export const DEFAULT_LATENESS_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** The options with their defaults, checked. */
export interface ResolvedOptions {
  readonly registry: Registry<RegistryContentType> | undefined;
  readonly prefix: string;
  readonly durationBuckets: number[];
  readonly latenessBuckets: number[];
}

const NAME_START = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

/** Checks the options; throws `ERR_INVALID_OPTION` naming the first bad one. */
export function resolveOptions(
  options: PrometheusMonitorOptions<RegistryContentType> | undefined,
): ResolvedOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalid(`options must be an object, got ${describe(options)}`);
  }
  const { registry, prefix = 'tscron_', durationBuckets, latenessBuckets } = options ?? {};
  if (registry !== undefined && !isRegistry(registry)) {
    throw invalid(`\`registry\` must be a prom-client Registry, got ${describe(registry)}`);
  }
  if (typeof prefix !== 'string' || !NAME_START.test(prefix)) {
    throw invalid(
      `\`prefix\` must be letters, digits, "_" and ":" not starting with a digit, got ${describe(prefix)}`,
    );
  }
  return {
    registry,
    prefix,
    durationBuckets: buckets('durationBuckets', durationBuckets, DEFAULT_DURATION_BUCKETS),
    latenessBuckets: buckets('latenessBuckets', latenessBuckets, DEFAULT_LATENESS_BUCKETS),
  };
}

function buckets(name: string, value: readonly number[] | undefined, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(`\`${name}\` must be a non-empty array of seconds, got ${describe(value)}`);
  }
  let previous = 0;
  for (const bound of value as unknown[]) {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= previous) {
      throw invalid(
        `\`${name}\` must be finite positive numbers in increasing order, got ${describe(bound)} in [${value.join(', ')}]`,
      );
    }
    previous = bound;
  }
  return [...value];
}

/** Duck-typed, so that a registry from another copy of prom-client is accepted too. */
function isRegistry(value: unknown): value is Registry<RegistryContentType> {
  const registry = value as Partial<Registry<RegistryContentType>> | null;
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof registry.registerMetric === 'function' &&
    typeof registry.getSingleMetric === 'function' &&
    typeof registry.metrics === 'function'
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(String).join(', ')}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return value.constructor?.name ?? 'an object';
}

/** The error for a bad option. */
export function invalid(message: string): TscronError {
  return new TscronError('ERR_INVALID_OPTION', `PrometheusMonitor: ${message}`);
}
