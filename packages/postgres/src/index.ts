// @tscron/postgres: run each scheduled occurrence once across replicas, on PostgreSQL through pg.
export type { PostgresElectorOptions } from './postgres-elector.js';
export { PostgresElector } from './postgres-elector.js';
export type { PostgresFleetOptions } from './postgres-fleet.js';
export { PostgresFleet } from './postgres-fleet.js';
export type { PostgresLockerOptions } from './postgres-locker.js';
export { PostgresLocker } from './postgres-locker.js';
export type { PostgresRunHistoryOptions } from './postgres-run-history.js';
export { PostgresRunHistory } from './postgres-run-history.js';
export type { PgClient } from './schema.js';
