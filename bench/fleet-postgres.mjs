// What PostgresFleet and PostgresRunHistory cost: statements per heartbeat, per completed occurrence
// and per run (its running and final records), the time of a heartbeat and of a 100-record batch
// (median, p99), a list, and the table space per stored run. Statements are counted on the client
// (each is one round trip); retention is active throughout (every job is at its perJob limit).
// Needs the built packages (`npm run build`). Server: POSTGRES_URL (default postgres://127.0.0.1:5432/test).
// Usage: node bench/fleet-postgres.mjs [--heartbeats 2000] [--batches 300] [--stored 20000]
import { performance } from 'node:perf_hooks';
import { PostgresFleet, PostgresRunHistory } from '@tscron/postgres';
import pg from 'pg';
import { option, postgresUrl } from './settings.mjs';

const heartbeats = option('heartbeats', 2000);
const batches = option('batches', 300);
const stored = option('stored', 20_000);
const signal = new AbortController().signal;
const schema = `tscron_bench_fleet_${process.pid}`;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const ms = (value) => (value < 1 ? value.toFixed(3) : value.toFixed(2));

/** A pool whose statements are counted (a Pool as tscron recognises one: it has totalCount and connect). */
function countingPool(options) {
  const pool = new pg.Pool({ connectionString: postgresUrl, ...options });
  const counted = {
    statements: 0,
    totalCount: 0,
    connect: () => pool.connect(),
    query: (text, values) => {
      counted.statements++;
      return pool.query(text, values);
    },
    end: () => pool.end(),
  };
  return counted;
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

/** Times `count` rounds of `body` and counts the statements they sent, per `per` units of work. */
async function costed(client, count, per, body) {
  client.statements = 0;
  const time = await timed(count, body);
  return { ...time, statements: client.statements / (count * per) };
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
/** Printable text that does not compress much, as a command's output rarely does. */
function noise(length) {
  let text = '';
  let state = nextStart % 2147483647 || 1;
  while (text.length < length) {
    state = (state * 48271) % 2147483647;
    text += String.fromCharCode(32 + (state % 95));
  }
  return text;
}
/** A run's two records, as a scheduler writes them; `output` characters of output on the final one. */
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
  if (output > 0) final.output = noise(output);
  return [running, final];
}

/** Fills a history so that each of `jobs` jobs holds `perJob` runs (retention then trims at every write). */
async function fill(history, jobs, perJob) {
  for (let i = 0; i < jobs * perJob; i += 500) {
    const records = [];
    for (let j = i; j < Math.min(jobs * perJob, i + 500); j++) records.push(runRecords(`job-${j % jobs}`)[1]);
    await Promise.all(records.map((record) => history.record(record)));
  }
}

async function measure(label, client) {
  const rows = [];
  rows.push([
    'SELECT 1 (a bare round trip, for reference)',
    await costed(client, heartbeats, 1, () => client.query('SELECT 1')),
    'query',
  ]);
  const fleet = new PostgresFleet({ client, schema });
  for (const id of ['a', 'b', 'c']) await fleet.heartbeat(beat(id), { signal });
  await fleet.pause('paused-1');
  await fleet.pause('paused-2');
  for (let i = 0; i < 50; i++) await fleet.heartbeat(beat('a'), { signal }); // warm-up
  rows.push([
    'heartbeat (3 live replicas, 2 paused jobs)',
    await costed(client, heartbeats, 1, (i) => fleet.heartbeat(beat(['a', 'b', 'c'][i % 3]), { signal })),
    'heartbeat',
  ]);
  rows.push([
    'recordCompleted, one a turn',
    await costed(client, 500, 1, (i) =>
      fleet.recordCompleted(`job-${i % 20}`, new Date(1_700_000_000_000 + i)),
    ),
    'call',
  ]);
  const at = new Date();
  rows.push([
    '100 recordCompleted in one turn',
    await costed(client, 100, 100, () =>
      Promise.all(Array.from({ length: 100 }, (_, i) => fleet.recordCompleted(`job-${i}`, at))),
    ),
    'call',
  ]);

  for (const perJob of [20, 1000]) {
    const history = new PostgresRunHistory({ client, schema, table: `runs_${perJob}`, perJob });
    await fill(history, 50, perJob);
    rows.push([
      `a run: running and final record, each in its own turn (perJob ${perJob}, 50 jobs full)`,
      await costed(client, 1000, 1, async (i) => {
        const [running, final] = runRecords(`job-${i % 50}`);
        await history.record(running);
        await history.record(final);
      }),
      'run',
    ]);
    rows.push([
      `100-record batch: both records of 50 runs in one turn (perJob ${perJob})`,
      await costed(client, batches, 50, async () => {
        const records = [];
        for (let i = 0; i < 50; i++) records.push(...runRecords(`job-${i}`));
        await Promise.all(records.map((record) => history.record(record)));
      }),
      'run',
    ]);
    rows.push([
      `100-record batch: 100 runs starting, one each of 100 jobs (perJob ${perJob})`,
      await costed(client, batches, 100, async (b) => {
        const records = [];
        for (let i = 0; i < 100; i++)
          records.push(runRecords(`job-${(b + i) % 50}-${i >= 50 ? 'b' : 'a'}`)[0]);
        await Promise.all(records.map((record) => history.record(record)));
      }),
      'run',
    ]);
    rows.push([
      `list({ limit: 50 }) across jobs (perJob ${perJob})`,
      await costed(client, 500, 1, () => history.list({ limit: 50 })),
      'list',
    ]);
    rows.push([
      `list({ jobName, limit: 20 }) (perJob ${perJob})`,
      await costed(client, 500, 1, (i) => history.list({ jobName: `job-${i % 50}`, limit: 20 })),
      'list',
    ]);
  }

  console.log(`\n${label}\n`);
  console.log('| operation (timed as a whole) | p50 ms | p99 ms | per | statements |');
  console.log('| --- | ---: | ---: | --- | ---: |');
  for (const [what, cost, per] of rows) {
    console.log(`| ${what} | ${ms(cost.p50)} | ${ms(cost.p99)} | ${per} | ${cost.statements.toFixed(3)} |`);
  }
}

/**
 * A history on a pool whose sessions commit without waiting for the WAL flush, a setting the
 * application may choose for the history's own pool (a crash may then lose its last records).
 */
async function asynchronousCommit() {
  const client = countingPool({ max: 4, options: '-c synchronous_commit=off' });
  const history = new PostgresRunHistory({ client, schema, table: 'runs_async', perJob: 1000 });
  await fill(history, 50, 1000);
  const rows = [
    [
      'a run: running and final record, each in its own turn (perJob 1000, 50 jobs full)',
      await costed(client, 1000, 1, async (i) => {
        const [running, final] = runRecords(`job-${i % 50}`);
        await history.record(running);
        await history.record(final);
      }),
    ],
    [
      '100-record batch: both records of 50 runs in one turn (perJob 1000)',
      await costed(client, batches, 50, async () => {
        const records = [];
        for (let i = 0; i < 50; i++) records.push(...runRecords(`job-${i}`));
        await Promise.all(records.map((record) => history.record(record)));
      }),
    ],
  ];
  await client.end();
  console.log('\npg.Pool (max 4) with synchronous_commit=off for the history\n');
  console.log('| operation (timed as a whole) | p50 ms | p99 ms | per | statements |');
  console.log('| --- | ---: | ---: | --- | ---: |');
  for (const [what, cost] of rows) {
    console.log(`| ${what} | ${ms(cost.p50)} | ${ms(cost.p99)} | run | ${cost.statements.toFixed(3)} |`);
  }
}

/** Table space per stored run (its final record, indexes included), with no output, 1 KB and 8 KB. */
async function space(client, probe) {
  console.log('\nTable space per stored run (pg_total_relation_size / runs, after VACUUM; 200 jobs)\n');
  console.log('| output (characters, little redundancy) | bytes per run |');
  console.log('| ---: | ---: |');
  for (const output of [0, 1024, 8192]) {
    const table = `space_${output}`;
    const history = new PostgresRunHistory({ client, schema, table });
    await history.migrate();
    const count = output === 8192 ? Math.min(stored, 5000) : stored;
    for (let i = 0; i < count; i += 500) {
      const records = [];
      for (let j = i; j < Math.min(count, i + 500); j++)
        records.push(runRecords(`job-${j % 200}`, output)[1]);
      await Promise.all(records.map((record) => history.record(record)));
    }
    await probe.query(`VACUUM "${schema}"."${table}"`);
    const { rows } = await probe.query('SELECT pg_total_relation_size($1) AS size', [
      `"${schema}"."${table}"`,
    ]);
    console.log(`| ${output} | ${Math.round(Number(rows[0].size) / count)} |`);
  }
}

const probe = new pg.Pool({ connectionString: postgresUrl, max: 1 });
try {
  await probe.query('SELECT 1');
} catch (error) {
  console.log(`PostgreSQL at ${postgresUrl} is unreachable: skipped (${error.message}).`);
  process.exit(0);
}
const { rows: version } = await probe.query('SHOW server_version');
console.log(`PostgreSQL ${version[0].server_version}, Node ${process.version}`);
try {
  await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const pool = countingPool({ max: 4 });
  await measure('pg.Pool (max 4)', pool);
  await asynchronousCommit();
  await space(pool, probe);
  await pool.end();
  await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const countedClient = {
    statements: 0,
    query: (text, values) => {
      countedClient.statements++;
      return client.query(text, values);
    },
  };
  await measure('pg.Client (one connection)', countedClient);
  await client.end();
} finally {
  await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await probe.end();
}
