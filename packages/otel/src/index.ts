// @tscron/otel: tscron runs as OpenTelemetry spans and metrics.
export type { OpenTelemetryOptions } from './open-telemetry.js';
export { openTelemetry } from './open-telemetry.js';
