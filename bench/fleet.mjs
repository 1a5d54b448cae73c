// What a fleet costs the server per replica, live: 3 schedulers (each with clients of its own, as 3
// processes have) with a locker, a balanced fleet and one shared run history, measured in three
// phases of --seconds each: idle (no jobs: heartbeats only), a burst (--jobs jobs due together every
// second) and spread (--jobs jobs on periods of 1.00 to 1.99 s, so that runs rarely share a turn of
// the event loop). Every job has catchUpWithin, so each run is also recorded as completed.
// Redis: the fleet, the history and the locker each on a redis-server of their own, so that INFO
// commandstats counts each component's script calls and the commands they run. PostgreSQL: each
// component on pools of its own, its statements counted on the client (each is one round trip).
// Needs the built packages (`npm run build`). Usage: node bench/fleet.mjs [--seconds 10] [--jobs 100]
// [--heartbeat 1000]
import { loadavg } from 'node:os';
import { PostgresFleet, PostgresLocker, PostgresRunHistory } from '@tscron/postgres';
import { RedisFleet, RedisLocker, RedisRunHistory } from '@tscron/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createScheduler, cronJob, durationJob, silentLogger } from 'tscron';
import { option, postgresUrl } from './settings.mjs';
import { startRedisServer } from './throwaway-redis.mjs';

const seconds = option('seconds', 10);
const jobCount = option('jobs', 100);
const heartbeat = option('heartbeat', 1000);
const REPLICAS = 3;
const COMPONENTS = ['fleet', 'history', 'locker'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fleet that counts the heartbeats the scheduler sends through it. */
function countingFleet(fleet) {
  const counted = { heartbeats: 0, settings: fleet.settings };
  for (const method of [
    'leave',
    'replicas',
    'pause',
    'resume',
    'pausedJobs',
    'lastCompleted',
    'recordCompleted',
  ]) {
    counted[method] = (...args) => fleet[method](...args);
  }
  counted.heartbeat = (...args) => {
    counted.heartbeats++;
    return fleet.heartbeat(...args);
  };
  return counted;
}

const phases = [
  { name: 'idle (no jobs)', jobs: () => [] },
  {
    name: `burst: ${jobCount} jobs due together every second`,
    jobs: () => Array.from({ length: jobCount }, () => cronJob('* * * * * *', { withSeconds: true })),
  },
  {
    name: `spread: ${jobCount} jobs on periods of 1.00-1.99 s`,
    jobs: () =>
      Array.from({ length: jobCount }, (_, i) => durationJob(1000 + Math.floor((i * 1000) / jobCount))),
  },
];

/**
 * Runs the phases on `replicas` (each { locker, fleet, history }); `read()` resolves each
 * component's counters ({ calls, commands }) summed over the replicas.
 */
async function measure(replicas, read) {
  const results = [];
  for (const phase of phases) {
    let runs = 0;
    const schedulers = replicas.map(({ locker, fleet, history }, r) => {
      const scheduler = createScheduler({
        locker,
        fleet,
        history,
        replica: `bench-${r}`,
        logger: silentLogger,
      });
      phase.jobs().forEach((definition, i) => {
        scheduler.newJob(
          definition,
          () => {
            runs++;
          },
          { name: `job-${i}`, catchUpWithin: '1h' },
        );
      });
      return scheduler;
    });
    for (const scheduler of schedulers) scheduler.start();
    await sleep(1500); // the first heartbeats, and the migrations on PostgreSQL
    const before = await read();
    const beats = replicas.reduce((sum, { fleet }) => sum + fleet.heartbeats, 0);
    const runsBefore = runs;
    await sleep(seconds * 1000);
    const after = await read();
    const heartbeats = replicas.reduce((sum, { fleet }) => sum + fleet.heartbeats, 0) - beats;
    const ran = runs - runsBefore;
    await Promise.all(schedulers.map((scheduler) => scheduler.shutdown()));
    const used = {};
    for (const component of COMPONENTS) {
      used[component] = {
        calls: after[component].calls - before[component].calls,
        commands: after[component].commands - before[component].commands,
      };
    }
    results.push({ phase: phase.name, runs: ran, heartbeats, used });
  }
  return results;
}

const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** Prints the two tables: per replica and second, and per run (the fleet's beyond its heartbeats). */
function report(title, results, unit) {
  const idle = results[0];
  const perBeat = {
    calls: idle.used.fleet.calls / idle.heartbeats,
    commands: idle.used.fleet.commands / idle.heartbeats,
  };
  const both = (ops, per) =>
    unit.commands ? `${fixed(ops.calls / per)} / ${fixed(ops.commands / per)}` : fixed(ops.calls / per);
  const head = unit.commands ? `${unit.calls} / commands` : unit.calls;
  console.log(`\n### ${title}\n`);
  console.log(
    `Per heartbeat: ${both({ calls: idle.used.fleet.calls, commands: idle.used.fleet.commands }, idle.heartbeats)} (${REPLICAS} live replicas).\n`,
  );
  console.log(
    `| phase | runs / s | heartbeats / s per replica | fleet ${head} / s per replica | history ${head} / s per replica | locker ${head} / s per replica |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const per = REPLICAS * seconds;
    console.log(
      `| ${r.phase} | ${fixed(r.runs / seconds, 0)} | ${fixed(r.heartbeats / per)} | ${both(r.used.fleet, per)} | ${both(r.used.history, per)} | ${both(r.used.locker, per)} |`,
    );
  }
  console.log(
    `\n| phase | fleet ${head} per run (beyond heartbeats) | history ${head} per run | locker ${head} per run |`,
  );
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of results.slice(1)) {
    const beyond = {
      calls: r.used.fleet.calls - r.heartbeats * perBeat.calls,
      commands: r.used.fleet.commands - r.heartbeats * perBeat.commands,
    };
    console.log(
      `| ${r.phase} | ${both(beyond, r.runs)} | ${both(r.used.history, r.runs)} | ${both(r.used.locker, r.runs)} |`,
    );
  }
}

// ---- Redis: one redis-server per component ----

/** Script calls and the commands run (by the scripts or directly), from INFO commandstats. */
async function redisCounters(probe) {
  let calls = 0;
  let commands = 0;
  for (const match of (await probe.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) {
    const name = match[1];
    if (name === 'info') continue;
    if (name === 'evalsha' || name === 'eval') calls += Number(match[2]);
    else commands += Number(match[2]);
  }
  return { calls, commands };
}

async function redis() {
  const servers = {};
  const probes = {};
  const clients = [];
  try {
    for (const component of COMPONENTS) {
      servers[component] = await startRedisServer();
      probes[component] = new Redis({ port: servers[component].port });
    }
    const replicas = Array.from({ length: REPLICAS }, () => {
      const client = (component) => {
        const made = new Redis({ port: servers[component].port });
        clients.push(made);
        return made;
      };
      return {
        fleet: countingFleet(new RedisFleet({ client: client('fleet'), heartbeat, balance: true })),
        history: new RedisRunHistory({ client: client('history') }),
        locker: new RedisLocker({ client: client('locker') }),
      };
    });
    const read = async () => {
      const counters = {};
      for (const component of COMPONENTS) counters[component] = await redisCounters(probes[component]);
      // The probe's own INFO is left out; nothing else talks to these servers.
      return counters;
    };
    const results = await measure(replicas, read);
    const { redis_version: version } = Object.fromEntries(
      (await probes.fleet.info('server')).split('\r\n').map((line) => line.split(':')),
    );
    report(
      `Redis ${version} (ioredis 5), ${REPLICAS} replicas, heartbeat ${heartbeat} ms, balance, ${seconds} s per phase`,
      results,
      { calls: 'script calls', commands: true },
    );
    for (const { locker } of replicas) await locker.close();
  } finally {
    for (const client of [...clients, ...Object.values(probes)]) client.disconnect();
    for (const server of Object.values(servers)) server.stop();
  }
}

// ---- PostgreSQL: pools per component, statements counted on the client ----

/** A pg.Pool whose statements are counted (tscron recognises a pool by totalCount and connect). */
function countingPool(tally) {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
  return {
    totalCount: 0,
    connect: () => pool.connect(),
    query: (text, values) => {
      tally.calls++;
      return pool.query(text, values);
    },
    end: () => pool.end(),
  };
}

async function postgres() {
  const probe = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  try {
    await probe.query('SELECT 1');
  } catch (error) {
    console.log(`\n(PostgreSQL at ${postgresUrl} is unreachable: skipped (${error.message}).)`);
    await probe.end();
    return;
  }
  const schema = `tscron_bench_fleet_live_${process.pid}`;
  const tallies = Object.fromEntries(COMPONENTS.map((component) => [component, { calls: 0, commands: 0 }]));
  const pools = [];
  try {
    const replicas = Array.from({ length: REPLICAS }, () => {
      const client = (component) => {
        const made = countingPool(tallies[component]);
        pools.push(made);
        return made;
      };
      return {
        fleet: countingFleet(
          new PostgresFleet({ client: client('fleet'), schema, heartbeat, balance: true }),
        ),
        history: new PostgresRunHistory({ client: client('history'), schema }),
        locker: new PostgresLocker({ client: client('locker'), schema }),
      };
    });
    const read = async () =>
      Object.fromEntries(COMPONENTS.map((component) => [component, { ...tallies[component] }]));
    const results = await measure(replicas, read);
    const { rows } = await probe.query('SHOW server_version');
    report(
      `PostgreSQL ${rows[0].server_version} (pg 8), ${REPLICAS} replicas, heartbeat ${heartbeat} ms, balance, ${seconds} s per phase`,
      results,
      { calls: 'statements', commands: false },
    );
    for (const { locker } of replicas) await locker.close();
  } finally {
    for (const pool of pools) await pool.end();
    await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await probe.end();
  }
}

console.log(
  `Load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')} at the start (2 cores).`,
);
await redis();
await postgres();
console.log(
  `\nLoad average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(
      ' ',
    )} at the end. At another heartbeat h, the heartbeats' share scales by (this heartbeat) / h: the default 5 s costs a fifth of the 1 s figures.`,
);
