// @tscron/prometheus: the scheduler's runs as Prometheus metrics, on prom-client.
export type { PrometheusMonitorOptions } from './options.js';
export { DEFAULT_DURATION_BUCKETS, DEFAULT_LATENESS_BUCKETS } from './options.js';
export { PrometheusMonitor } from './prometheus-monitor.js';
