// Lock overhead per run (lock + unlock through the Node client) and elector failover time, for the
// Memory, Redis (through ioredis and node-redis), PostgreSQL, MySQL and NATS backends. Needs the
// built packages (`npm run build`).
// Servers: REDIS_URL (default redis://127.0.0.1:6379), POSTGRES_URL (default postgres://127.0.0.1:5432/test),
// MYSQL_URL (default mysql://root@127.0.0.1:3306/test);
// a backend whose server is down is reported as skipped.
// Usage: node bench/locks.mjs [--runs 5000] [--failovers 3]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MySqlElector, MySqlLocker } from '@tscron/mysql';
import { PostgresElector, PostgresLocker } from '@tscron/postgres';
import { RedisElector, RedisLocker } from '@tscron/redis';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient as createNodeRedisClient } from 'redis';
import { MemoryElector, MemoryLocker } from 'tscron';
import { mysqlUrl, option, postgresUrl, redisUrl } from './settings.mjs';

const runs = option('runs', 5000);
const failovers = option('failovers', 3);
const signal = new AbortController().signal;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (value) => (value < 1 ? value.toFixed(3) : value.toFixed(2));

/** Times `runs` lock + unlock cycles, each on a new occurrence, after a warm-up. */
async function overhead(locker, count) {
  const base = Date.now();
  for (let i = 0; i < Math.min(3000, count); i++) {
    const lock = await locker.lock('bench-warmup', { signal, scheduledAt: new Date(base + i) });
    await lock?.unlock();
  }
  const times = new Float64Array(count);
  let misses = 0;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const lock = await locker.lock('bench', { signal, scheduledAt: new Date(base + i * 1000) });
    await lock?.unlock();
    times[i] = performance.now() - start;
    if (lock === null) misses++;
  }
  if (misses > 0) throw new Error(`${misses} acquires returned null on free occurrences`);
  const sorted = Array.from(times).sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) };
}

/** Median of `count` plain round trips, for reference. */
async function roundTrip(fn, count = 1000) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return quantile(
    times.sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Kills the leader (drops its connection, no resignation) and times until another candidate leads;
 * also times a graceful hand-over (close()).
 */
async function failover(make, lease, retryPeriod) {
  const kills = [];
  const resigns = [];
  for (let round = 0; round < failovers; round++) {
    for (const [how, results] of [
      ['kill', kills],
      ['resign', resigns],
    ]) {
      const name = `bench-${process.pid}-${round}-${how}`;
      const candidates = await Promise.all([make(name), make(name), make(name)]);
      try {
        let leader;
        const deadline = performance.now() + 3 * lease;
        while (leader === undefined) {
          const answers = await Promise.all(candidates.map((c) => c.elector.isLeader({ signal })));
          leader = candidates[answers.indexOf(true)];
          if (performance.now() > deadline) throw new Error('no leader');
          await sleep(5);
        }
        const others = candidates.filter((c) => c !== leader);
        const start = performance.now();
        await (how === 'kill' ? leader.kill() : leader.elector.close());
        for (;;) {
          const answers = await Promise.all(others.map((c) => c.elector.isLeader({ signal })));
          if (answers.includes(true)) break;
          if (performance.now() - start > 3 * lease) throw new Error('no new leader');
          await sleep(2);
        }
        results.push(performance.now() - start);
      } finally {
        for (const c of candidates) await c.close();
      }
    }
  }
  return {
    kill: Math.max(...kills),
    resign: Math.max(...resigns),
    bound: lease + retryPeriod,
  };
}

const lockRows = [];
const failoverRows = [];
const lease = 1000;
const retryPeriod = 200;

{
  const locker = new MemoryLocker({ minHold: 0 });
  lockRows.push(['Memory', '-', await overhead(locker, runs)]);
  const first = new MemoryElector({ lease, retryPeriod });
  const result = await failover(
    async () => {
      const elector = new MemoryElector({ lease, retryPeriod, shareWith: first });
      return { elector, kill: async () => elector.abandon(), close: () => elector.close() };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['Memory', result]);
}

const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
if (
  await redis.connect().then(
    () => true,
    () => false,
  )
) {
  const locker = new RedisLocker({ client: redis, minHold: 0, keyPrefix: `bench:${process.pid}:` });
  const ping = await roundTrip(() => redis.ping());
  lockRows.push(['Redis (ioredis 5)', ms(ping), await overhead(locker, runs)]);
  await redis.del(locker.fenceKey('bench'), locker.fenceKey('bench-warmup'));
  const result = await failover(
    async (name) => {
      const client = new Redis(redisUrl);
      const elector = new RedisElector({
        client,
        name,
        lease,
        retryPeriod,
        keyPrefix: `bench:${process.pid}:`,
      });
      return {
        elector,
        kill: async () => client.disconnect(),
        close: async () => {
          await elector.close();
          client.disconnect();
        },
      };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['Redis (ioredis 5)', result]);
  redis.disconnect();
} else {
  console.log(`Redis at ${redisUrl} is unreachable: skipped.\n`);
}

// The same through node-redis 6, whose commands go out on the next tick of its own.
const nodeRedis = createNodeRedisClient({ url: redisUrl, socket: { reconnectStrategy: false } });
nodeRedis.on('error', () => undefined);
if (
  await nodeRedis.connect().then(
    () => true,
    () => false,
  )
) {
  const locker = new RedisLocker({ client: nodeRedis, minHold: 0, keyPrefix: `bench:${process.pid}:` });
  const ping = await roundTrip(() => nodeRedis.ping());
  lockRows.push(['Redis (node-redis 6)', ms(ping), await overhead(locker, runs)]);
  await nodeRedis.del([locker.fenceKey('bench'), locker.fenceKey('bench-warmup')]);
  const result = await failover(
    async (name) => {
      const client = createNodeRedisClient({ url: redisUrl });
      client.on('error', () => undefined);
      await client.connect();
      const elector = new RedisElector({
        client,
        name,
        lease,
        retryPeriod,
        keyPrefix: `bench:${process.pid}:`,
      });
      return {
        elector,
        kill: async () => client.destroy(),
        close: async () => {
          await elector.close();
          if (client.isOpen) client.destroy();
        },
      };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['Redis (node-redis 6)', result]);
  nodeRedis.destroy();
} else {
  console.log(`Redis at ${redisUrl} is unreachable through node-redis: skipped.\n`);
}

const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
pool.on('error', () => undefined);
if (
  await pool.query('SELECT 1').then(
    () => true,
    () => false,
  )
) {
  const schema = 'tscron_bench';
  const locker = new PostgresLocker({ client: pool, minHold: 0, schema });
  await locker.migrate();
  const select = await roundTrip(() => pool.query('SELECT 1'));
  lockRows.push(['PostgreSQL', ms(select), await overhead(locker, Math.min(runs, 3000))]);
  const result = await failover(
    async (name) => {
      const client = new pg.Pool({ connectionString: postgresUrl, max: 1 });
      client.on('error', () => undefined);
      const elector = new PostgresElector({ client, name, lease, retryPeriod, schema });
      let ended = false;
      const end = async () => {
        if (!ended) await client.end();
        ended = true;
      };
      return {
        elector,
        kill: end,
        close: async () => {
          await elector.close();
          await end();
        },
      };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['PostgreSQL', result]);
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
} else {
  console.log(`PostgreSQL at ${postgresUrl} is unreachable: skipped.\n`);
  await pool.end();
}

const mysqlPool = mysql.createPool({ uri: mysqlUrl, connectionLimit: 1 });
if (
  await mysqlPool.query('SELECT 1').then(
    () => true,
    () => false,
  )
) {
  const table = 'tscron_bench';
  const locker = new MySqlLocker({ client: mysqlPool, minHold: 0, table });
  await locker.migrate();
  const [[{ version }]] = await mysqlPool.query('SELECT VERSION() AS version');
  const select = await roundTrip(() => mysqlPool.query('SELECT 1'));
  lockRows.push([
    `MySQL (${version.replace(/-.*MariaDB.*/, ' MariaDB')})`,
    ms(select),
    await overhead(locker, Math.min(runs, 3000)),
  ]);
  const result = await failover(
    async (name) => {
      const client = mysql.createPool({ uri: mysqlUrl, connectionLimit: 1 });
      const elector = new MySqlElector({ client, name, lease, retryPeriod, table });
      let ended = false;
      const end = async () => {
        if (!ended) await client.end();
        ended = true;
      };
      return {
        elector,
        kill: end,
        close: async () => {
          await elector.close();
          await end();
        },
      };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['MySQL', result]);
  await mysqlPool.query(`DROP TABLE IF EXISTS ${table}, ${table}_leases, ${table}_migrations`);
  await mysqlPool.end();
} else {
  console.log(`MySQL at ${mysqlUrl} is unreachable: skipped.\n`);
  await mysqlPool.end().catch(() => undefined);
}

// NATS: JetStream KV on the server at NATS_URL. Plain round trips: a KV get (one JetStream request,
// as each claim and release is) and a core PING.
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const { connect: connectNats } = await import('@nats-io/transport-node');
const { Kvm } = await import('@nats-io/kv');
const { NatsElector, NatsLocker } = await import('@tscron/nats');
const nats = await connectNats({ servers: natsUrl }).catch(() => undefined);
if (nats !== undefined) {
  const bucket = `tscron_bench_${process.pid}`;
  const leaders = `${bucket}_leaders`;
  const kv = await new Kvm(nats).create(bucket, { history: 1, ttl: 3_600_000 });
  const locker = new NatsLocker({ client: nats, minHold: 0, bucket });
  await kv.put('plain', '');
  const get = await roundTrip(() => kv.get('plain'));
  const ping = await roundTrip(() => nats.flush());
  lockRows.push([
    `NATS (${nats.info?.version ?? '?'}, JetStream KV)`,
    `${ms(get)} (KV get), ${ms(ping)} (PING)`,
    await overhead(locker, runs),
  ]);
  const result = await failover(
    async (name) => {
      const client = await connectNats({ servers: natsUrl });
      const elector = new NatsElector({ client, name, lease, retryPeriod, bucket: leaders });
      return {
        elector,
        kill: () => client.close(),
        close: async () => {
          await elector.close();
          await client.close();
        },
      };
    },
    lease,
    retryPeriod,
  );
  failoverRows.push(['NATS', result]);
  await kv.destroy();
  await (await new Kvm(nats).open(leaders)).destroy();
  await nats.close();
} else {
  console.log(`NATS at ${natsUrl} is unreachable: skipped.\n`);
}

console.log(
  `### Lock overhead per run (lock + unlock, ${runs} runs after a warm-up, sequential, one client)\n`,
);
console.log(
  `Load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}.\n`,
);
console.log('| backend | plain round trip p50 (ms) | p50 (ms) | p99 (ms) | max (ms) |');
console.log('|---|---|---|---|---|');
for (const [name, plain, r] of lockRows) {
  console.log(`| ${name} | ${plain} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} |`);
}
console.log(
  `\n### Elector failover (lease ${lease} ms, retry period ${retryPeriod} ms, worst of ${failovers})\n`,
);
console.log(
  '| backend | leader killed -> new leader (ms) | graceful resign -> new leader (ms) | bound lease + retry (ms) |',
);
console.log('|---|---|---|---|');
for (const [name, r] of failoverRows) {
  console.log(`| ${name} | ${Math.round(r.kill)} | ${Math.round(r.resign)} | ${r.bound} |`);
}
