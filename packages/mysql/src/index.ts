// @tscron/mysql: run each scheduled occurrence once across replicas, on MySQL 8 or MariaDB through mysql2.
export type { MySqlClient, MySqlQueryable } from './client.js';
export type { MySqlElectorOptions } from './mysql-elector.js';
export { MySqlElector } from './mysql-elector.js';
export type { MySqlLockerOptions } from './mysql-locker.js';
export { MySqlLocker } from './mysql-locker.js';
