// One replica of a fleet test: a scheduler on the BUILT packages with a locker (and optionally a
// second one with an elector), a clock offset, and jobs from the parent. Each run is recorded in the
// backend itself (fleet test) and reported on stdout as a JSON line (fault tests). On Redis and
// PostgreSQL the scheduler may also be a replica of a fleet (`fleet`: RedisFleet/PostgresFleet
// options) with a shared run history (`history`), pausing and resuming jobs fleet-wide at given times
// (`actions`).
// Config: JSON in the FLEET_CONFIG environment variable (see test-support/fleet.ts).
import { PostgresElector, PostgresFleet, PostgresLocker, PostgresRunHistory } from '@tscron/postgres';
import { RedisElector, RedisFleet, RedisLocker, RedisRunHistory } from '@tscron/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { atTime, createScheduler, cronJob, dailyJob, durationJob } from 'tscron';

const config = JSON.parse(process.env.FLEET_CONFIG ?? '{}');
const { worker, offset, runId } = config;
const say = (event) => process.stdout.write(`${JSON.stringify({ w: worker, t: Date.now(), ...event })}\n`);

const clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

let locker;
let elector;
let record;
let fleet;
let history;
const closers = [];

if (config.backend === 'redis') {
  let client;
  if (config.redisClient === 'node-redis') {
    const { createClient } = await import('redis');
    client = createClient({ url: config.url, socket: { reconnectStrategy: () => 200 } });
    client.on('error', () => undefined);
    // Calls made while it connects wait in its queue, bounded by the locker's acquireTimeout.
    client.connect().catch(() => undefined);
    closers.push(() => client.destroy());
  } else {
    client = new Redis(config.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    closers.push(() => client.disconnect());
  }
  locker = new RedisLocker({ client, keyPrefix: `fleet:${runId}:`, ...config.locker });
  if (config.fleet) fleet = new RedisFleet({ client, keyPrefix: `fleet:${runId}:`, ...config.fleet });
  if (config.history) {
    history = new RedisRunHistory({ client, keyPrefix: `fleet:${runId}:`, ...config.history });
  }
  if (config.elector) {
    elector = new RedisElector({
      client,
      name: `fleet-${runId}`,
      keyPrefix: `fleet:${runId}:`,
      ...config.elector,
    });
  }
  if (config.recordUrl) {
    const recorder = new Redis(config.recordUrl);
    closers.push(() => recorder.disconnect());
    record = (job, at) => recorder.hincrby(`fleet:${runId}:runs`, `${job}|${at}`, 1);
  }
} else if (config.backend === 'nats') {
  // Loaded here so that the other backends' fleets run without the NATS packages built.
  const { connect } = await import('@nats-io/transport-node');
  const { Kvm } = await import('@nats-io/kv');
  const { NatsElector, NatsLocker } = await import('@tscron/nats');
  const client = await connect({ servers: config.url, reconnectTimeWait: 200, maxReconnectAttempts: -1 });
  closers.push(() => client.close());
  locker = new NatsLocker({ client, bucket: `fleet_${runId}`, ...config.locker });
  if (config.elector) {
    elector = new NatsElector({
      client,
      name: `fleet-${runId}`,
      bucket: `fleet_${runId}_leaders`,
      ...config.elector,
    });
  }
  if (config.recordUrl) {
    const recorder = await connect({ servers: config.recordUrl });
    closers.push(() => recorder.close());
    const runs = await new Kvm(recorder).create(`fleet_${runId}_runs`, { history: 1 });
    // One key per run: the parent counts the keys of each job|occurrence.
    let n = 0;
    record = (job, at) => runs.put(`${Buffer.from(job).toString('base64url')}.${at}.${worker}.${n++}`, '');
  }
} else if (config.backend === 'mysql') {
  // Loaded only for this backend, so that the other fleets need no MySQL packages built.
  const { MySqlElector, MySqlLocker } = await import('@tscron/mysql');
  const { default: mysql } = await import('mysql2/promise');
  const client = mysql.createPool({ uri: config.url, connectionLimit: 4, connectTimeout: 1000 });
  client.pool.on('error', () => undefined);
  closers.push(() => client.end().catch(() => undefined));
  locker = new MySqlLocker({ client, table: config.table, ...config.locker });
  if (config.elector) {
    elector = new MySqlElector({ client, name: `fleet-${runId}`, table: config.table, ...config.elector });
  }
  if (config.recordUrl) {
    const recorder = mysql.createPool({ uri: config.recordUrl, connectionLimit: 2 });
    closers.push(() => recorder.end());
    record = (job, at) =>
      recorder.query(
        'INSERT INTO tscron_fleet_runs (run_id, job, scheduled_at, worker) VALUES (?, ?, ?, ?)',
        [runId, job, at, worker],
      );
  }
} else {
  const client = new pg.Pool({
    connectionString: config.url,
    max: 4,
    application_name: `tscron-fleet-${runId}`,
    connectionTimeoutMillis: 1000,
  });
  client.on('error', () => undefined);
  closers.push(() => client.end());
  const options = { client, schema: config.schema, ...config.locker };
  locker = new PostgresLocker(options);
  if (config.fleet) fleet = new PostgresFleet({ client, schema: config.schema, ...config.fleet });
  if (config.history) history = new PostgresRunHistory({ client, schema: config.schema, ...config.history });
  if (config.elector) {
    elector = new PostgresElector({
      client,
      name: `fleet-${runId}`,
      schema: config.schema,
      ...config.elector,
    });
  }
  if (config.recordUrl) {
    const recorder = new pg.Pool({ connectionString: config.recordUrl, max: 2 });
    closers.push(() => recorder.end());
    record = (job, at) =>
      recorder.query(
        'INSERT INTO tscron_fleet_runs (run_id, job, scheduled_at, worker) VALUES ($1, $2, $3, $4)',
        [runId, job, at, worker],
      );
  }
}

if ((config.fleet || config.history) && !fleet && !history) {
  throw new Error(`no fleet or run history on the ${config.backend} backend`);
}

const definition = (job) => {
  if (job.kind === 'cron') return cronJob(job.expression, { withSeconds: true });
  if (job.kind === 'duration') return durationJob(job.every);
  return dailyJob(
    1,
    job.times.map(([h, m, s]) => atTime(h, m, s)),
  );
};

const listeners = {
  afterLockError: (_id, name, error) =>
    say({ ev: 'lockError', job: name, error: String(error?.message ?? error) }),
  afterJobRunsWithError: (_id, name, error) =>
    say({ ev: 'runError', job: name, error: String(error?.message ?? error) }),
};

const task = (job) =>
  async function run(context) {
    const at = context.scheduledAt.getTime();
    say({ ev: 'start', job: job.name, at });
    try {
      await record?.(job.name, at);
    } catch (error) {
      say({ ev: 'recordError', job: job.name, error: String(error) });
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, job.taskMs ?? 1);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    say({ ev: 'end', job: job.name, at, aborted: context.signal.aborted });
  };

/** Catch-up after downtime, for the jobs that ask for it. */
const catchUp = (job) =>
  job.catchUpWithin === undefined
    ? {}
    : { catchUpWithin: job.catchUpWithin, ...(job.missedRuns ? { missedRuns: job.missedRuns } : {}) };

const schedulers = [];
const locked = createScheduler({
  clock,
  locker,
  timeZone: 'UTC',
  stopTimeout: 5000,
  ...(fleet ? { fleet } : {}),
  ...(history ? { history } : {}),
  ...(config.replica ? { replica: config.replica } : {}),
});
schedulers.push(locked);
for (const job of config.jobs.filter((j) => !j.leader)) {
  locked.newJob(definition(job), task(job), { name: job.name, eventListeners: listeners, ...catchUp(job) });
}
if (elector) {
  const led = createScheduler({ clock, elector, timeZone: 'UTC', stopTimeout: 5000 });
  schedulers.push(led);
  for (const job of config.jobs.filter((j) => j.leader)) {
    led.newJob(definition(job), task(job), { name: job.name, eventListeners: listeners });
  }
}

say({ ev: 'ready' });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, config.startAt - Date.now())));
for (const scheduler of schedulers) scheduler.start();
say({ ev: 'started' });

// Fleet-wide pause and resume from this replica, applied here at once (as the dashboard does).
for (const { at, op, job } of config.actions ?? []) {
  setTimeout(
    async () => {
      say({ ev: op === 'pause' ? 'pausing' : 'resuming', job });
      try {
        await fleet[op](job);
        await locked.syncFleet();
        say({ ev: op === 'pause' ? 'paused' : 'resumed', job });
      } catch (error) {
        say({ ev: 'fleetError', job, error: String(error?.message ?? error) });
      }
    },
    Math.max(0, at - Date.now()),
  );
}

const stop = async () => {
  for (const scheduler of schedulers)
    await scheduler.shutdown().catch((e) => say({ ev: 'shutdownError', error: String(e) }));
  await locker.close?.();
  await elector?.close();
  await fleet?.close?.();
  await history?.close?.();
  for (const close of closers) await close();
  say({ ev: 'stopped' });
  process.exit(0);
};
setTimeout(stop, Math.max(0, config.endAt - Date.now()));
process.on('SIGTERM', stop);
