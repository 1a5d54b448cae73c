// The CommonJS view of the declarations (node16/nodenext from a .cts file): `require` must find types.
import tscron = require('tscron');
import testing = require('tscron/testing');
import backend = require('tscron/backend');
import redis = require('@tscron/redis');
import postgres = require('@tscron/postgres');
import mysql = require('@tscron/mysql');
import nats = require('@tscron/nats');
import dashboard = require('@tscron/dashboard');
import otel = require('@tscron/otel');
import prometheus = require('@tscron/prometheus');
import nestjs = require('@tscron/nestjs');
import nestjsTesting = require('@tscron/nestjs/testing');

const clock = new testing.FakeClock(0);
const scheduler: tscron.Scheduler = tscron.createScheduler({ clock, timeZone: 'UTC' });
const job: tscron.Job = scheduler.newJob(tscron.durationJob('1m'), () => undefined);
const lockerClass: typeof redis.RedisLocker = redis.RedisLocker;
const pgClient: postgres.PgClient = { query: async () => ({ rows: [], rowCount: 0 }) };
const locker = new postgres.PostgresLocker({ client: pgClient });
const mysqlLocker: typeof mysql.MySqlLocker = mysql.MySqlLocker;
const held: typeof backend.HeldLocks = backend.HeldLocks;
const natsLocker: typeof nats.NatsLocker = nats.NatsLocker;
const board: dashboard.Dashboard = dashboard.createDashboard({ scheduler });
const traced: tscron.Monitor = otel.openTelemetry({} satisfies otel.OpenTelemetryOptions);
const metrics: tscron.Monitor = new prometheus.PrometheusMonitor(
  {} satisfies prometheus.PrometheusMonitorOptions,
);

const scheduleModule: typeof nestjs.TscronModule = nestjs.ScheduleModule;
const tester = new nestjsTesting.ScheduleTester({ now: 0 });

export = {
  job,
  lockerClass,
  locker,
  mysqlLocker,
  held,
  natsLocker,
  board,
  traced,
  metrics,
  scheduleModule,
  tester,
};
