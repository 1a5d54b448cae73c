// Loads every entry point through `import` (the ESM builds) and exercises them.

import * as nestCommon from '@nestjs/common';
import * as nestCore from '@nestjs/core';
import * as cli from '@tscron/cli';
import * as dashboard from '@tscron/dashboard';
import * as mysql from '@tscron/mysql';
import * as nats from '@tscron/nats';
import * as nestjs from '@tscron/nestjs';
import * as nestjsTesting from '@tscron/nestjs/testing';
import * as otel from '@tscron/otel';
import * as postgres from '@tscron/postgres';
import * as prometheus from '@tscron/prometheus';
import * as redis from '@tscron/redis';
import * as ioredis from 'ioredis';
import mysql2 from 'mysql2/promise';
import pg from 'pg';
import * as nodeRedis from 'redis';
import * as tscron from 'tscron';
import * as backend from 'tscron/backend';
import * as testing from 'tscron/testing';
import { exercise } from './exercise.mjs';

await exercise({
  tscron,
  testing,
  backend,
  redis,
  postgres,
  mysql,
  mysql2,
  ioredis,
  nodeRedis,
  pg,
  dashboard,
  otel,
  prometheus,
  nats,
  nestjs,
  nestjsTesting,
  nestCommon,
  nestCore,
  cli,
});
console.log('ESM: every entry point imported and exercised');
