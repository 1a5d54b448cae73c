// Type-checked against the installed tarballs, strictly, under nodenext and under bundler resolution:
// the published declarations must describe the public API of every entry point.
import type { DynamicModule } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { createDashboard, type Dashboard, type DashboardOptions } from '@tscron/dashboard';
import { type MySqlClient, MySqlElector, MySqlLocker, type MySqlLockerOptions } from '@tscron/mysql';
import { type NatsConnection, NatsElector, NatsLocker, type NatsLockerOptions } from '@tscron/nats';
import {
  Cron,
  type CronDate,
  CronExpression,
  CronJob,
  type CronOptions,
  Interval,
  ScheduleModule,
  type ScheduleModuleOptions,
  type SchedulerRegistry,
  Timeout,
  TSCRON_SCHEDULER,
  TscronModule,
} from '@tscron/nestjs';
import { ScheduleTester } from '@tscron/nestjs/testing';
import { type OpenTelemetryOptions, openTelemetry } from '@tscron/otel';
import { PostgresElector, PostgresLocker, type PostgresLockerOptions } from '@tscron/postgres';
import {
  DEFAULT_DURATION_BUCKETS,
  PrometheusMonitor,
  type PrometheusMonitorOptions,
} from '@tscron/prometheus';
import { RedisElector, RedisLocker, type RedisLockerOptions } from '@tscron/redis';
import { Redis } from 'ioredis';
import mysql2 from 'mysql2/promise';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createClient, createCluster } from 'redis';
import {
  atTime,
  createScheduler,
  cronJob,
  dailyJob,
  durationJob,
  durationRandomJob,
  type Elector,
  isTscronError,
  type Job,
  type JobContext,
  type JobDefinition,
  type JobOptions,
  type Locker,
  MemoryElector,
  MemoryLocker,
  MemoryRunHistory,
  type Monitor,
  monthlyJob,
  nextRuns,
  oneTimeJob,
  type RunHistory,
  type RunRecord,
  type Scheduler,
  type SchedulerEvent,
  type SchedulerOptions,
  setRunOutput,
  TscronError,
  type TscronErrorCode,
  Weekday,
  weeklyJob,
} from 'tscron';
import { bounded, Campaign, HeldLocks, lockerTimings } from 'tscron/backend';
import { electorContract, FakeClock, type LockerContractFactory, lockerContract } from 'tscron/testing';

const definitions: JobDefinition[] = [
  durationJob('90s'),
  durationRandomJob('1m', '5m'),
  cronJob('0 9 * * MON-FRI'),
  dailyJob(2, [atTime(8), atTime(20, 30)]),
  weeklyJob(1, [Weekday.Monday], [atTime(9)]),
  monthlyJob(1, [1, -1], [atTime(0, 5)]),
  oneTimeJob(new Date('2030-01-01T00:00:00Z')),
];
const upcoming: Date[] = nextRuns(cronJob('*/15 * * * *'), 3, { timeZone: 'UTC' });

const monitor: Monitor = { jobCompleted: (job: Job) => void job.name };
const options: SchedulerOptions = {
  clock: new FakeClock(new Date('2027-01-01T00:00:00Z')),
  timeZone: 'Europe/London',
  logger: console,
  stopTimeout: '30s',
  limitConcurrentJobs: { limit: 4, mode: 'wait' },
  locker: new MemoryLocker({ ttl: '10s' }),
  monitor: [monitor, { jobFailed: () => undefined }],
  history: new MemoryRunHistory({ perJob: 20 }),
  replica: 'worker-1',
  globalJobOptions: { timeout: '5m' },
  unref: true,
};
const scheduler: Scheduler = createScheduler(options);
const jobOptions: JobOptions = {
  name: 'report',
  tags: ['reports'],
  singletonMode: 'reschedule',
  retry: { attempts: 2, delay: '10s', backoff: 2 },
  missedRuns: 'skip',
  eventListeners: { afterJobRunsWithError: (_id: string, _name: string, error: unknown) => void error },
};
const job: Job = scheduler.newJob(
  definitions[2] ?? cronJob('@daily'),
  async (context: JobContext) => {
    const { signal, scheduledAt, lock } = context;
    signal.throwIfAborted();
    setRunOutput(context, 'done');
    return { at: scheduledAt.getTime(), fence: lock?.fence };
  },
  jobOptions,
);
const next: Date | undefined = job.nextRun();
const history: RunHistory | undefined = scheduler.history;
const unsubscribe: () => void = scheduler.subscribe((event: SchedulerEvent) => {
  if (event.type === 'run') void (event.run satisfies RunRecord).status;
});
const dashboardOptions: DashboardOptions = { scheduler, token: 'secret', readOnly: true, basePath: '/cron' };
const dashboard: Dashboard = createDashboard(dashboardOptions);
const served: Promise<Response> = dashboard.fetch(new Request('http://localhost/cron/healthz'));
const otelOptions: OpenTelemetryOptions = {
  tracerProvider: trace.getTracerProvider(),
  meterProvider: undefined,
};
const tracing: Monitor = openTelemetry(otelOptions);
const prometheusOptions: PrometheusMonitorOptions = {
  registry: new Registry(),
  prefix: 'app_',
  durationBuckets: [...DEFAULT_DURATION_BUCKETS, 86_400],
  latenessBuckets: [0.001, 1],
};
const prometheusMonitor = new PrometheusMonitor(prometheusOptions);
const metricsText: Promise<string> = prometheusMonitor.registry.metrics();
const monitors: SchedulerOptions['monitor'] = [prometheusMonitor, tracing];

const client = new Redis({ lazyConnect: true });
const redisOptions: RedisLockerOptions = { client, ttl: '30s', minHold: '10s' };
const redisLocker: Locker = new RedisLocker(redisOptions);
const redisElector: Elector = new RedisElector({ client, name: 'service' });
// node-redis clients and clusters fit the same option, without casts.
const nodeRedisLocker: Locker = new RedisLocker({ client: createClient() });
const nodeRedisElector: Elector = new RedisElector({
  client: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }),
  name: 'service',
});

const pool = new pg.Pool();
const postgresOptions: PostgresLockerOptions = { client: pool, table: 'tscron_locks' };
const postgresLocker: Locker = new PostgresLocker(postgresOptions);
const postgresElector: Elector = new PostgresElector({ client: pool, name: 'service' });

const mysqlPool = mysql2.createPool({ uri: 'mysql://app@127.0.0.1/app' });
const mysqlOptions: MySqlLockerOptions = { client: mysqlPool, table: 'tscron_locks', keyPrefix: 'app:' };
const mysqlLocker: Locker = new MySqlLocker(mysqlOptions);
const mysqlClient: MySqlClient = mysqlPool.pool;
const mysqlElector: Elector = new MySqlElector({ client: mysqlClient, name: 'service', lease: '15s' });
const memoryElector: Elector = new MemoryElector({ name: 'service' });

declare const connection: NatsConnection;
const natsOptions: NatsLockerOptions = { client: connection, ttl: '30s', bucket: 'tscron_locks' };
const natsLocker: Locker = new NatsLocker(natsOptions);
const natsElector: Elector = new NatsElector({ client: connection, name: 'service', lease: '15s' });

const cronOptions: CronOptions = {
  name: 'report',
  timeZone: 'Europe/Paris',
  waitForCompletion: true,
  retry: { attempts: 2 },
  locker: false,
};
const nestDecorators: MethodDecorator[] = [
  Cron(CronExpression.EVERY_DAY_AT_9AM, cronOptions),
  Interval('poll', '10s', { singletonMode: 'reschedule' }),
  Timeout(5_000),
];
const scheduleModuleOptions: ScheduleModuleOptions = { locker: new MemoryLocker(), cronJobs: true };
const nestModules: DynamicModule[] = [
  ScheduleModule.forRoot(scheduleModuleOptions),
  TscronModule.forRootAsync({ inject: ['ZONE'], useFactory: (zone: string) => ({ timeZone: zone }) }),
];
const nestJob: CronJob = CronJob.from({
  cronTime: '*/5 * * * *',
  onTick: ({ signal }: JobContext) => void signal,
  retry: { attempts: 1 },
});
const nestNextDate: CronDate = nestJob.nextDate();
declare const registry: SchedulerRegistry;
const nestInterval: Job = registry.getInterval('poll');
const schedulerToken: string = TSCRON_SCHEDULER;
const tester = new ScheduleTester({ now: new Date(), keepBackends: false });
const testerClock: FakeClock = tester.clock;

function describeError(error: unknown): TscronErrorCode | undefined {
  if (isTscronError(error)) return error.code;
  return error instanceof TscronError ? error.code : undefined;
}

declare const factory: LockerContractFactory;
const cases: Array<{ name: string; timeout: number }> = [...lockerContract(factory)];
const electorCases = electorContract;
const backendBlocks = [bounded, Campaign, HeldLocks, lockerTimings];

export {
  backendBlocks,
  cases,
  describeError,
  electorCases,
  history,
  memoryElector,
  metricsText,
  monitors,
  mysqlElector,
  mysqlLocker,
  natsElector,
  natsLocker,
  nestDecorators,
  nestInterval,
  nestModules,
  nestNextDate,
  next,
  nodeRedisElector,
  nodeRedisLocker,
  postgresElector,
  postgresLocker,
  redisElector,
  redisLocker,
  schedulerToken,
  served,
  testerClock,
  tracing,
  unsubscribe,
  upcoming,
};
