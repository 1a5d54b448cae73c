// @tscron/redis: run each scheduled occurrence once across replicas, on Redis through ioredis or node-redis.
export type { IoRedisClient, NodeRedisClient, RedisClient } from './client.js';
export type { RedisElectorOptions } from './redis-elector.js';
export { RedisElector } from './redis-elector.js';
export type { RedisFleetOptions } from './redis-fleet.js';
export { RedisFleet } from './redis-fleet.js';
export type { RedisLockerOptions } from './redis-locker.js';
export { RedisLocker } from './redis-locker.js';
export type { RedisRunHistoryOptions } from './redis-run-history.js';
export { RedisRunHistory } from './redis-run-history.js';
