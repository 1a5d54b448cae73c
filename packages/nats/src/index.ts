// @tscron/nats: run each scheduled occurrence once across replicas, on NATS JetStream KV.
export type { NatsConnection } from './connection.js';
export type { NatsElectorOptions } from './nats-elector.js';
export { NatsElector } from './nats-elector.js';
export type { NatsLockerOptions } from './nats-locker.js';
export { NatsLocker } from './nats-locker.js';
