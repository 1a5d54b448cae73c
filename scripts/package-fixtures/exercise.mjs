// What the installed packages must do, whichever way they were loaded: the ESM and the CommonJS
// entry scripts pass in the modules they imported or required, so that both builds run this code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const start = new Date('2027-01-01T00:00:00Z');

async function schedulerRunsOnFakeClock({ tscron, testing }) {
  const clock = new testing.FakeClock(start);
  const scheduler = tscron.createScheduler({ clock, timeZone: 'UTC' });
  let runs = 0;
  const job = scheduler.newJob(tscron.durationJob('1m'), () => {
    runs++;
  });
  scheduler.newJob(tscron.cronJob('*/5 * * * *'), () => {}, { name: 'every-five-minutes' });
  scheduler.start();
  await clock.advance('10m');
  assert.equal(runs, 10, 'a one-minute job runs ten times in ten minutes');
  assert.equal(job.nextRun()?.toISOString(), '2027-01-01T00:11:00.000Z');
  await scheduler.shutdown();
  assert.equal(clock.pendingTimers(), 0, 'no timer stays armed after shutdown');
  const upcoming = tscron.nextRuns(tscron.dailyJob(1, [tscron.atTime(9)]), 2, {
    from: start,
    timeZone: 'UTC',
  });
  assert.deepEqual(
    upcoming.map((at) => at.toISOString()),
    ['2027-01-01T09:00:00.000Z', '2027-01-02T09:00:00.000Z'],
  );
  assert.equal(typeof testing.lockerContract, 'function');
  assert.equal(typeof testing.electorContract, 'function');
}

function errorsAreTscronErrors({ tscron }) {
  assert.throws(
    () => tscron.cronJob('61 * * * *'),
    (error) => error instanceof tscron.TscronError && tscron.isTscronError(error, 'ERR_CRON_JOB_PARSE'),
  );
}

function backendBlocksAreExported({ backend }) {
  for (const name of [
    'HeldLocks',
    'Campaign',
    'RenewedLock',
    'Coalescer',
    'bounded',
    'lockerTimings',
    'electorTimings',
  ]) {
    assert.equal(typeof backend[name], 'function', `tscron/backend exports ${name}`);
  }
}

// The Lua scripts ship beside the compiled code and are read on first use: a client that knows no
// script makes the locker send the script's source, which proves the file was found in the tarball.
// The client is a real ioredis client that never connects, with only its script commands replaced.
async function redisLockerFindsItsScripts({ tscron, redis, ioredis }) {
  const idle = new ioredis.Redis({ lazyConnect: true });
  new redis.RedisLocker({ client: idle });
  new redis.RedisElector({ client: idle, name: 'check' });
  assert.equal(idle.status, 'wait', 'constructing the locker and elector does no I/O');
  idle.disconnect();

  const sources = [];
  const refused = new Error('no server in this check');
  class ScriptRecorder extends ioredis.Redis {
    async evalsha() {
      throw new Error('NOSCRIPT No matching script');
    }
    async eval(source) {
      sources.push(source);
      throw refused;
    }
  }
  const client = new ScriptRecorder({ lazyConnect: true });
  const locker = new redis.RedisLocker({ client, acquireTimeout: '1s' });
  await assert.rejects(
    locker.lock('job', { signal: new AbortController().signal, scheduledAt: start }),
    (error) => tscron.isTscronError(error, 'ERR_LOCK_BACKEND_FAILED') && error.cause === refused,
  );
  assert.match(sources[0] ?? '', /redis\.call/, 'the acquire script was read from the package');
  await locker.close();
  client.disconnect();
}

// A node-redis client is recognised without any other install, and used through sendCommand: one
// that was never connected fails a lock at once, with node-redis's own error as the cause.
async function redisLockerTakesNodeRedis({ tscron, redis, nodeRedis }) {
  const client = nodeRedis.createClient();
  const cluster = nodeRedis.createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] });
  new redis.RedisElector({ client: cluster, name: 'check' });
  const locker = new redis.RedisLocker({ client, acquireTimeout: '1s' });
  await assert.rejects(
    locker.lock('job', { signal: new AbortController().signal, scheduledAt: start }),
    (error) => tscron.isTscronError(error, 'ERR_LOCK_BACKEND_FAILED') && /closed/.test(error.cause?.message),
  );
  assert.equal(client.isOpen, false, 'the locker never opens the client');
  await locker.close();
}

// The SQL migrations ship beside the compiled code: migrate() against a recording client must send them.
// The MySQL migrations ship beside the compiled code too: migrate() against a recording client sends
// them, one statement per call; a callback-API pool is accepted (its promise() wrapper is used).
async function mysqlLockerFindsItsMigrations({ tscron, mysql, mysql2 }) {
  const pool = mysql2.createPool({ host: '127.0.0.1', port: 1 });
  new mysql.MySqlLocker({ client: pool });
  new mysql.MySqlElector({ client: pool.pool, name: 'check' });
  await pool.end();
  const statements = [];
  const client = {
    query: async (text) => {
      statements.push(text);
      if (/^SELECT MAX\(version\)/.test(text)) {
        if (statements.length === 1) throw Object.assign(new Error('no such table'), { errno: 1146 });
        return [[{ version: null }], []];
      }
      if (/GET_LOCK/.test(text)) return [[{ got: 1 }], []];
      return [{ affectedRows: 0, insertId: 0 }, []];
    },
  };
  const locker = new mysql.MySqlLocker({ client });
  await locker.migrate();
  assert.ok(
    statements.some((text) => text.startsWith('CREATE TABLE IF NOT EXISTS `tscron_locks` (')),
    'the first migration was read from the package and sent',
  );
  assert.ok(
    statements.every((text) => !/;\s*\S/.test(text)),
    'one statement per call',
  );
  assert.throws(
    () => new mysql.MySqlLocker({ client: {} }),
    (error) => tscron.isTscronError(error, 'ERR_INVALID_OPTION'),
  );
  await locker.close();
}

async function postgresLockerFindsItsMigrations({ postgres, pg }) {
  const pool = new pg.Pool();
  new postgres.PostgresLocker({ client: pool });
  new postgres.PostgresElector({ client: pool, name: 'check' });
  assert.equal(pool.totalCount, 0, 'constructing the locker and elector does no I/O');
  await pool.end();

  const statements = [];
  const client = {
    query: async (text) => {
      statements.push(text);
      return { rows: [], rowCount: 0 };
    },
  };
  const locker = new postgres.PostgresLocker({ client });
  await locker.migrate();
  assert.ok(
    statements.some((text) => text.includes('CREATE UNLOGGED TABLE IF NOT EXISTS "public"."tscron_locks"')),
    'the first migration was read from the package and sent',
  );
  await locker.close();
}

// The NATS locker and elector take a connection and do no I/O until used; a bad key is refused first.
async function natsBackendNeedsNoIo({ tscron, nats }) {
  const calls = [];
  const record = (name) => () => {
    calls.push(name);
    throw new Error(`${name} called`);
  };
  const client = { request: record('request'), publish: record('publish'), subscribe: record('subscribe') };
  const locker = new nats.NatsLocker({ client, ttl: '30s', bucket: 'jobs' });
  new nats.NatsElector({ client, name: 'check' });
  await assert.rejects(
    locker.lock('', { signal: new AbortController().signal, scheduledAt: start }),
    (error) => tscron.isTscronError(error, 'ERR_LOCK_KEY_INVALID'),
  );
  assert.throws(
    () => new nats.NatsLocker({ client, bucket: 'a.b' }),
    (error) => tscron.isTscronError(error, 'ERR_INVALID_OPTION'),
  );
  await locker.close();
  assert.deepEqual(calls, [], 'constructing, a refused key and close() do no I/O');
}

function cliReadsACrontab({ cli }) {
  assert.match(cli.VERSION, /^\d+\.\d+\.\d+/);
  const { schedule, problems } = cli.parseCrontab('crontab', '# name: nightly\n30 2 * * * echo hi\n');
  assert.deepEqual(problems, []);
  assert.equal(schedule.jobs[0]?.name, 'nightly');
  const bad = cli.parseCrontab('crontab', '61 * * * * echo hi\n');
  assert.match(cli.formatProblem(bad.problems[0]), /^crontab:1:1: .*minute/);
}

// The page ships inside the package: the dashboard serves it and its JSON API from the tarball.
async function dashboardServesPageAndApi({ tscron, dashboard }) {
  const scheduler = tscron.createScheduler({ timeZone: 'UTC', unref: true });
  scheduler.newJob(tscron.cronJob('0 * * * *'), () => {}, { name: '<b>hourly</b>' });
  const board = dashboard.createDashboard({ scheduler, token: 'check-token' });
  const page = await board.fetch(new Request('http://localhost/'));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script[^>]+src=/, 'the page loads its script from a file');
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const refused = await board.fetch(new Request('http://localhost/api/jobs'));
  assert.equal(refused.status, 401);
  const jobs = await board.fetch(
    new Request('http://localhost/api/jobs', { headers: { authorization: 'Bearer check-token' } }),
  );
  assert.deepEqual(
    (await jobs.json()).map((job) => job.name),
    ['<b>hourly</b>'],
  );
  await scheduler.shutdown();
}

// With nothing registered, openTelemetry() traces nothing; given a provider, a run is a span of it.
async function otelTracesRuns({ tscron, testing, otel }) {
  const clock = new testing.FakeClock(0);
  const quiet = otel.openTelemetry();
  const spans = [];
  const tracerProvider = {
    getTracer: () => ({
      startSpan: (name, options) => {
        const span = { name, options, ended: false, setAttribute: () => span, addEvent: () => span };
        span.end = () => {
          span.ended = true;
        };
        spans.push(span);
        return span;
      },
    }),
  };
  const scheduler = tscron.createScheduler({
    clock,
    timeZone: 'UTC',
    monitor: [quiet, otel.openTelemetry({ tracerProvider })],
  });
  const job = scheduler.newJob(tscron.durationJob('1s'), () => {}, { name: 'traced', limitedRuns: 1 });
  assert.equal(quiet.traceRun({ job, scheduledAt: new Date(0) }), undefined);
  scheduler.start();
  await clock.advance(1000);
  assert.deepEqual(
    spans.map((span) => [span.name, span.ended, span.options.attributes['tscron.job.name']]),
    [['tscron traced', true, 'traced']],
  );
  await scheduler.shutdown();
}

// A run shows in the scrape; the Grafana dashboard ships in the tarball and reads as JSON.
async function prometheusCountsRuns({ tscron, testing, prometheus }) {
  const clock = new testing.FakeClock(start);
  const monitor = new prometheus.PrometheusMonitor();
  const scheduler = tscron.createScheduler({ clock, timeZone: 'UTC', monitor });
  scheduler.newJob(tscron.durationJob('1s'), () => {}, { name: 'counted', limitedRuns: 1 });
  scheduler.start();
  await clock.advance(1000);
  const text = await monitor.registry.metrics();
  assert.match(text, /^tscron_job_runs_total\{job="counted",status="success"\} 1$/m);
  await scheduler.shutdown();
  const grafana = createRequire(import.meta.url).resolve('@tscron/prometheus/grafana/tscron.json');
  assert.equal(JSON.parse(readFileSync(grafana, 'utf8')).uid, 'tscron');
}

// A Nest application with a decorated provider: the module finds the method, runs it on the fake
// clock, and the registry lists it; closing the application leaves no timer.
async function nestjsRunsDecoratedJobs({ nestjs, nestjsTesting, nestCommon, nestCore }) {
  const clock = new nestjsTesting.FakeClock(start);
  let runs = 0;
  class Jobs {
    tick() {
      runs++;
    }
  }
  const method = Object.getOwnPropertyDescriptor(Jobs.prototype, 'tick');
  nestjs.Cron(nestjs.CronExpression.EVERY_MINUTE, { name: 'tick' })(Jobs.prototype, 'tick', method);
  nestCommon.Injectable()(Jobs);
  class AppModule {}
  nestCommon.Module({
    imports: [nestjs.ScheduleModule.forRoot({ clock, timeZone: 'UTC' })],
    providers: [Jobs],
  })(AppModule);
  const app = await nestCore.NestFactory.createApplicationContext(AppModule, { logger: false });
  await clock.advance('3m');
  assert.equal(runs, 3, 'a @Cron method runs on the fake clock');
  const registry = app.get(nestjs.SchedulerRegistry);
  assert.equal(registry.getCronJob('tick').nextDate().toISOString(), '2027-01-01T00:04:00.000Z');
  assert.equal(nestjs.ScheduleModule, nestjs.TscronModule);
  assert.equal(typeof nestjsTesting.ScheduleTester, 'function');
  await app.close();
  assert.equal(clock.pendingTimers(), 0, 'no timer stays armed after the application closed');
}

export async function exercise(modules) {
  await schedulerRunsOnFakeClock(modules);
  errorsAreTscronErrors(modules);
  backendBlocksAreExported(modules);
  await redisLockerFindsItsScripts(modules);
  await redisLockerTakesNodeRedis(modules);
  await postgresLockerFindsItsMigrations(modules);
  await mysqlLockerFindsItsMigrations(modules);
  await natsBackendNeedsNoIo(modules);
  await dashboardServesPageAndApi(modules);
  await otelTracesRuns(modules);
  await prometheusCountsRuns(modules);
  await nestjsRunsDecoratedJobs(modules);
  cliReadsACrontab(modules);
}
