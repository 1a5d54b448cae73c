// Bursts: 3 replica processes (clocks -300/0/+300 ms) each schedule the same 10,000 jobs on
// `* * * * * *`, so that 10,000 occurrences fall due at once every second, for 10 s, on Redis and on
// PostgreSQL, without and with a balanced fleet (`balance: true`); beside it, one process running the
// same jobs without a locker. Counts every occurrence (none may be lost or run twice), the
// coordinated runs per second, lateness, lock errors, the server's CPU per run where it can be read,
// and the replicas' own CPU per run. Needs the built packages (`npm run build`).
// Usage: node bench/burst.mjs [--jobs 10000] [--seconds 10] [--grace 1000] [--engine redis|postgres]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { option, postgresUrl, redisUrl } from './settings.mjs';

const jobs = option('jobs', 10_000);
const seconds = option('seconds', 10);
/** The fleets' balanceGrace in ms for the `balance: true` rows (default: the fleets' own, 1 s). */
const grace = option('grace', undefined);
const worker = fileURLToPath(new URL('./burst-worker.mjs', import.meta.url));

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** CPU seconds of every postgres process on this machine (the server and its backends), by pid. */
function postgresTicks() {
  const ticks = new Map();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

/**
 * Starts counting the server's CPU seconds; `stop()` resolves how many it used since, or undefined
 * where that cannot be read. PostgreSQL's backends end with the replicas' connections, taking their
 * counters with them, so they are sampled while the replicas run.
 */
const serverCpu = {
  async redis() {
    const read = async () => {
      const client = new Redis(redisUrl);
      try {
        const info = await client.info('cpu');
        const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
        return field('used_cpu_sys') + field('used_cpu_user');
      } finally {
        client.disconnect();
      }
    };
    const before = await read();
    return { stop: async () => (await read()) - before };
  },
  async postgres() {
    const before = postgresTicks();
    const last = new Map(before);
    const sample = () => {
      for (const [pid, seconds] of postgresTicks()) last.set(pid, seconds);
    };
    const sampler = setInterval(sample, 200);
    return {
      stop: async () => {
        clearInterval(sampler);
        sample();
        let used = 0;
        for (const [pid, seconds] of last) used += seconds - (before.get(pid) ?? 0);
        return used;
      },
    };
  },
  async none() {
    return { stop: async () => undefined };
  },
};

function runReplica(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], {
      env: { ...process.env, BURST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`replica ${config.offset} exited with ${code}`));
      else resolve(JSON.parse(out));
    });
  });
}

async function reachable(backend) {
  try {
    if (backend === 'redis') {
      const client = new Redis(redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      await client.connect();
      client.disconnect();
    } else if (backend === 'postgres') {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.end();
    }
    return true;
  } catch {
    return false;
  }
}

async function cleanup(backend, runId) {
  if (backend === 'redis') {
    const client = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `burst:${runId}:*`, 'COUNT', 10_000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    client.disconnect();
  } else if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query('DROP SCHEMA IF EXISTS tscron_burst CASCADE');
    await client.end();
  }
}

async function measure({ backend, balance }) {
  const runId = `${Date.now()}-${process.pid}`;
  const offsets = backend === 'none' ? [0] : [-300, 0, 300];
  // Room for the replicas to load and add their jobs before the window opens.
  const startAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
  const endAt = startAt + 1000 + seconds * 1000;
  const cpu = await serverCpu[backend]();
  const url = backend === 'redis' ? redisUrl : postgresUrl;
  const reports = await Promise.all(
    offsets.map((offset) =>
      runReplica({ backend, url, jobs, startAt, endAt, offset, runId, balance, grace }),
    ),
  );
  const serverSeconds = await cpu.stop();
  await cleanup(backend, runId);
  const seen = new Map();
  let lockErrors = 0;
  let replicaMicros = 0;
  let pendingSkips = 0;
  let tooLate = 0;
  const lateness = [];
  /** Lateness of the window's first burst, the first the replicas' code meets (not yet optimised by V8). */
  const firstLateness = [];
  const firstSecond = (startAt + 1000) / 1000;
  for (const report of reports) {
    lockErrors += report.lockErrors;
    pendingSkips += report.pendingSkips;
    tooLate += report.tooLate;
    replicaMicros += report.cpuMicros;
    for (const [i, run] of report.runs.entries()) {
      seen.set(run, (seen.get(run) ?? 0) + 1);
      const late = report.lateness[i];
      if (run % 2 ** 32 === firstSecond) firstLateness.push(late);
      else lateness.push(late);
    }
  }
  const expected = jobs * seconds;
  let twice = 0;
  for (const count of seen.values()) if (count > 1) twice++;
  const all = [...lateness, ...firstLateness].sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  firstLateness.sort((a, b) => a - b);
  return {
    backend,
    balance,
    replicaMicrosPerRun: replicaMicros / Math.max(1, seen.size),
    pendingSkips,
    tooLate,
    runsPerSecond: seen.size / seconds,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    firstP99: quantile(firstLateness, 0.99),
    laterP99: quantile(lateness, 0.99),
    lockErrors,
    lost: expected - seen.size,
    twice,
    serverMicrosPerRun:
      serverSeconds === undefined ? undefined : (serverSeconds * 1e6) / Math.max(1, seen.size),
    expected,
  };
}

/** `--engine redis` or `--engine postgres`: that engine's rows only (and the row without a locker). */
const engineAt = process.argv.indexOf('--engine');
const engine = engineAt === -1 ? undefined : process.argv[engineAt + 1];
const allCases = [
  { backend: 'none', balance: false, label: 'no locker (1 process)' },
  { backend: 'redis', balance: false, label: 'Redis (3 replicas)' },
  { backend: 'redis', balance: true, label: 'Redis (3 replicas), `balance: true`' },
  { backend: 'postgres', balance: false, label: 'PostgreSQL (3 replicas)' },
  { backend: 'postgres', balance: true, label: 'PostgreSQL (3 replicas), `balance: true`' },
];
const cases = allCases.filter(
  (entry) => engine === undefined || entry.backend === 'none' || entry.backend === engine,
);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const loadBefore = load();
const rows = [];
for (const entry of cases) {
  if (!(await reachable(entry.backend))) {
    console.log(`(${entry.label}: server unreachable, skipped)`);
    continue;
  }
  rows.push({ ...(await measure(entry)), label: entry.label });
}

console.log(
  `### Bursts: ${jobs.toLocaleString('en-US')} jobs due at the same second, every second, for ${seconds} s\n`,
);
console.log(`Load average ${loadBefore} before, ${load()} after (2 cores).\n`);
console.log(
  '| engine | occurrences / s | lateness p50 (ms) | p99 (ms) | p99 first second (ms) | p99 later seconds (ms) | lock errors | lost | run twice | server CPU / run (us) | replica CPU / run (us) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  const cpu = row.serverMicrosPerRun === undefined ? '-' : row.serverMicrosPerRun.toFixed(1);
  console.log(
    `| ${row.label} | ${Math.round(row.runsPerSecond).toLocaleString('en-US')} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.firstP99.toFixed(1)} | ${row.laterP99.toFixed(1)} | ${row.lockErrors} | ${row.lost} | ${row.twice} | ${cpu} | ${row.replicaMicrosPerRun.toFixed(1)} |`,
  );
}
for (const row of rows.filter((r) => r.tooLate > 0)) {
  console.log(
    `\n${row.label}: ${row.tooLate.toLocaleString('en-US')} claims not sent because they could not go within half the locker's minHold of their occurrence (skipped as missed rather than risk a second run; lost if counted above).`,
  );
}
for (const row of rows.filter((r) => r.pendingSkips > 0)) {
  console.log(
    `\n${row.label}: ${row.pendingSkips.toLocaleString('en-US')} claims skipped on a replica because the job's previous lock attempt was still pending (the occurrence ran elsewhere, or was lost if counted above).`,
  );
}
console.log(
  '\nThe first second is the first burst the replicas run: their code is not yet optimised by V8, and lateness is highest then, with or without a locker.',
);
console.log(
  '\nGoals on this 2-core machine: Redis >= 20,000 and PostgreSQL >= 10,000 coordinated occurrences a second; lateness p99 <= 250 ms (Redis) and <= 500 ms (PostgreSQL); none lost, none run twice; `balance: true` within 10% of the same engine without it.',
);
if (rows.some((row) => row.twice > 0)) process.exitCode = 1;
