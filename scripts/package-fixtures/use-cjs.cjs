// Loads every entry point through `require` (the CommonJS builds) and exercises them.
const modules = {
  tscron: require('tscron'),
  testing: require('tscron/testing'),
  backend: require('tscron/backend'),
  redis: require('@tscron/redis'),
  postgres: require('@tscron/postgres'),
  mysql: require('@tscron/mysql'),
  mysql2: require('mysql2/promise'),
  nats: require('@tscron/nats'),
  ioredis: require('ioredis'),
  nodeRedis: require('redis'),
  pg: require('pg'),
  dashboard: require('@tscron/dashboard'),
  otel: require('@tscron/otel'),
  prometheus: require('@tscron/prometheus'),
  nestjs: require('@tscron/nestjs'),
  nestjsTesting: require('@tscron/nestjs/testing'),
  nestCommon: require('@nestjs/common'),
  nestCore: require('@nestjs/core'),
  cli: require('@tscron/cli'),
};

import('./exercise.mjs')
  .then(({ exercise }) => exercise(modules))
  .then(() => console.log('CommonJS: every entry point required and exercised'))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
