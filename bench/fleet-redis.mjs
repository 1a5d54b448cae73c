// What RedisFleet and RedisRunHistory cost the server and the caller: script calls and the commands
// they run per heartbeat, per completed occurrence and per run (its running and final records),
// the time of a heartbeat and of a 100-record batch (median, p99), a list, and the server memory per
// stored run. Runs on a redis-server of its own on a spare port, so that INFO commandstats counts
// nothing else; through ioredis 5 and node-redis 6. Needs the built packages (`npm run build`).
// Usage: node bench/fleet-redis.mjs [--heartbeats 2000] [--batches 300] [--stored 20000]
import { performance } from 'node:perf_hooks';
import { RedisFleet, RedisRunHistory } from '@tscron/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { option } from './settings.mjs';
import { startRedisServer } from './throwaway-redis.mjs';

const heartbeats = option('heartbeats', 2000);
const batches = option('batches', 300);
const stored = option('stored', 20_000);
const signal = new AbortController().signal;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const ms = (value) => (value < 1 ? value.toFixed(3) : value.toFixed(2));

/** Every command's call count, from INFO commandstats (INFO itself left out). */
async function commandCounts(probe) {
  const counts = new Map();
  for (const match of (await probe.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') counts.set(match[1], Number(match[2]));
  }
  return counts;
}

/** Script calls and the other commands (those the scripts ran) between two counts, per `per`. */
function perOperation(before, after, per) {
  let scripts = 0;
  let commands = 0;
  const byName = [];
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta === 0) continue;
    if (name === 'evalsha' || name === 'eval') scripts += delta;
    else {
      commands += delta;
      byName.push(`${name.toUpperCase()} ${(delta / per).toFixed(2)}`);
    }
  }
  return { scripts: scripts / per, commands: commands / per, byName: byName.sort().join(', ') };
}

async function timed(count, body) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await body(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

const beat = (replica) => ({
  replica,
  host: 'bench-host',
  pid: 4242,
  version: '0.1.0',
  startedAt: new Date(),
  clockOffsetMs: 1.5,
  ttlMs: 15_000,
});

/** Each run starts 1 ms after the one before, so that no two are the same run. */
let nextStart = Date.now() - 86_400_000;
/** A run's two records, as a scheduler writes them; `output` bytes of output on the final one. */
function runRecords(job, output = 0) {
  const startedAt = new Date(nextStart++);
  const running = {
    jobId: `id-${job}`,
    jobName: job,
    scheduledAt: new Date(startedAt.getTime() - 2),
    startedAt,
    status: 'running',
    replica: 'bench-host:4242',
  };
  const final = { ...running, status: 'success', endedAt: new Date(startedAt.getTime() + 35), attempts: 1 };
  if (output > 0) final.output = 'o'.repeat(output);
  return [running, final];
}

async function measure(label, client, probe) {
  const rows = [];
  await probe.flushall();
  const fleet = new RedisFleet({ client, keyPrefix: 'bench:' });
  for (const id of ['a', 'b', 'c']) await fleet.heartbeat(beat(id), { signal });
  await fleet.pause('paused-1');
  await fleet.pause('paused-2');
  for (let i = 0; i < 50; i++) await fleet.heartbeat(beat('a'), { signal }); // warm-up
  let before = await commandCounts(probe);
  const heartbeat = await timed(heartbeats, (i) => fleet.heartbeat(beat(['a', 'b', 'c'][i % 3]), { signal }));
  const heartbeatCost = perOperation(before, await commandCounts(probe), heartbeats);
  rows.push(['heartbeat (3 live replicas, 2 paused jobs)', heartbeat, heartbeatCost, 'heartbeat']);

  before = await commandCounts(probe);
  const completed = await timed(500, (i) =>
    fleet.recordCompleted(`job-${i % 20}`, new Date(1_700_000_000_000 + i)),
  );
  rows.push([
    'recordCompleted, one a turn',
    completed,
    perOperation(before, await commandCounts(probe), 500),
    'call',
  ]);
  before = await commandCounts(probe);
  const at = new Date();
  const completedBatch = await timed(100, () =>
    Promise.all(Array.from({ length: 100 }, (_, i) => fleet.recordCompleted(`job-${i}`, at))),
  );
  rows.push([
    '100 recordCompleted in one turn',
    completedBatch,
    perOperation(before, await commandCounts(probe), 100 * 100),
    'call',
  ]);

  // Retention active throughout: 50 jobs, 20 runs kept per job.
  const history = new RedisRunHistory({ client, keyPrefix: 'bench:', perJob: 20 });
  for (let i = 0; i < 2000; i++)
    for (const record of runRecords(`job-${i % 50}`)) await history.record(record);
  before = await commandCounts(probe);
  const single = await timed(1000, async (i) => {
    const [running, final] = runRecords(`job-${i % 50}`);
    await history.record(running);
    await history.record(final);
  });
  rows.push([
    'a run: running and final record, each in its own turn',
    single,
    perOperation(before, await commandCounts(probe), 1000),
    'run',
  ]);
  before = await commandCounts(probe);
  const batch = await timed(batches, async (b) => {
    const records = [];
    for (let i = 0; i < 50; i++) records.push(...runRecords(`job-${(b * 50 + i) % 50}`));
    await Promise.all(records.map((record) => history.record(record)));
  });
  rows.push([
    '100-record batch: both records of 50 runs in one turn',
    batch,
    perOperation(before, await commandCounts(probe), batches * 50),
    'run',
  ]);
  const list = await timed(500, () => history.list({ limit: 50 }));
  rows.push(['list({ limit: 50 }) across jobs', list, undefined, 'list']);
  const listJob = await timed(500, (i) => history.list({ jobName: `job-${i % 50}`, limit: 20 }));
  rows.push(['list({ jobName, limit: 20 })', listJob, undefined, 'list']);

  console.log(`\n${label}\n`);
  console.log(
    '| operation (timed as a whole) | p50 ms | p99 ms | per | script calls | commands run by them |',
  );
  console.log('| --- | ---: | ---: | --- | ---: | --- |');
  for (const [what, time, cost, per] of rows) {
    const calls = cost === undefined ? '1' : cost.scripts.toFixed(3);
    const commands = cost === undefined ? '' : `${cost.commands.toFixed(2)} (${cost.byName})`;
    console.log(`| ${what} | ${ms(time.p50)} | ${ms(time.p99)} | ${per} | ${calls} | ${commands} |`);
  }
}

/** Server memory per stored run (its final record), with no output and with 1 KB and 8 KB of output. */
async function memory(client, probe) {
  console.log('\nServer memory per stored run (used_memory delta / runs; perJob 1000, 200 jobs)\n');
  console.log('| output | bytes per run |');
  console.log('| ---: | ---: |');
  for (const output of [0, 1024, 8192]) {
    await probe.flushall();
    const history = new RedisRunHistory({ client, keyPrefix: 'bench:' });
    const used = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))?.[1]);
    await history.record(runRecords('warm')[1]);
    const start = await used();
    const count = output === 8192 ? Math.min(stored, 5000) : stored;
    for (let i = 0; i < count; i += 500) {
      const records = [];
      for (let j = i; j < Math.min(count, i + 500); j++)
        records.push(runRecords(`job-${j % 200}`, output)[1]);
      await Promise.all(records.map((record) => history.record(record)));
    }
    console.log(`| ${output} B | ${Math.round(((await used()) - start) / count)} |`);
  }
}

const server = await startRedisServer();
const probe = new Redis({ port: server.port });
try {
  const ioredis = new Redis({ port: server.port });
  await measure('ioredis 5', ioredis, probe);
  await memory(ioredis, probe);
  ioredis.disconnect();
  const nodeRedis = createClient({ socket: { host: '127.0.0.1', port: server.port } });
  nodeRedis.on('error', () => undefined);
  await nodeRedis.connect();
  await measure('node-redis 6', nodeRedis, probe);
  await nodeRedis.close();
} finally {
  probe.disconnect();
  server.stop();
}
