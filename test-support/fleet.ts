// Runs replicas of test-support/fleet-worker.mjs as child processes and computes, independently of
// tscron, which occurrences the fleet's jobs have in a window.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// FLEET_WORKER may point at a copy of the worker beside a private build of the packages.
const workerScript =
  process.env.FLEET_WORKER ?? fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));

/**
 * A job the workers schedule. Cron jobs use a seconds field only (minutes and hours `*`).
 * `catchUpWithin` and `missedRuns` are the job options (catch-up after the fleet's downtime).
 */
export type FleetJob = {
  name: string;
  taskMs?: number;
  leader?: boolean;
  catchUpWithin?: string;
  missedRuns?: 'skip' | 'once' | 'all';
} & (
  | { kind: 'cron'; expression: string }
  | { kind: 'duration'; every: number }
  | { kind: 'daily'; times: Array<[number, number, number]> }
);

export interface WorkerConfig {
  backend: 'redis' | 'postgres' | 'nats' | 'mysql';
  url: string;
  /** The Redis client library the workers use. @default 'ioredis' */
  redisClient?: 'ioredis' | 'node-redis';
  recordUrl?: string;
  schema?: string;
  /** The MySQL claims table. */
  table?: string;
  worker: number;
  offset: number;
  runId: string;
  startAt: number;
  endAt: number;
  jobs: FleetJob[];
  locker: Record<string, unknown>;
  elector?: Record<string, unknown>;
  /** Redis and PostgreSQL: the scheduler is a fleet replica, with these RedisFleet/PostgresFleet options. */
  fleet?: Record<string, unknown>;
  /** Redis and PostgreSQL: runs are recorded in a RedisRunHistory/PostgresRunHistory with these options. */
  history?: Record<string, unknown>;
  /** `SchedulerOptions.replica`. @default `<hostname>:<pid>` */
  replica?: string;
  /** Fleet-wide pauses and resumes this replica makes (epoch ms), each applied here at once. */
  actions?: Array<{ at: number; op: 'pause' | 'resume'; job: string }>;
}

/** A line a worker printed. */
export interface WorkerEvent {
  w: number;
  t: number;
  ev: string;
  job?: string;
  at?: number;
  error?: string;
  aborted?: boolean;
}

export interface Worker {
  config: WorkerConfig;
  child: ChildProcess;
  events: WorkerEvent[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** The built packages the workers import, or a message saying what is missing. */
export function missingBuild(): string | undefined {
  if (process.env.FLEET_WORKER) return undefined;
  for (const pkg of ['tscron', 'redis', 'postgres', 'nats']) {
    const file = `${root}packages/${pkg}/dist/esm/index.js`;
    if (!existsSync(file))
      return `packages/${pkg} is not built (run npm run build, or npm test which builds first)`;
  }
  return undefined;
}

export function startWorker(config: WorkerConfig): Worker {
  const child = spawn(process.execPath, [workerScript], {
    cwd: root,
    env: { ...process.env, FLEET_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  const stderr: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as WorkerEvent);
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { config, child, events, stderr, exited };
}

/**
 * Twenty jobs mixing cron-with-seconds, duration and daily kinds (daily times fall in the window),
 * plus `burst` jobs all due together every ten seconds, as many tenants' `0 * * * *` jobs are.
 */
export function fleetJobs(startAt: number, duration: number, burst = 0): FleetJob[] {
  const cron = ['*/2', '*/3', '*/5', '1/4', '*', '*/10', '7,23,41', '*/6'];
  const every = [1000, 1500, 2000, 2500, 3000, 4000, 7000];
  const jobs: FleetJob[] = [];
  for (const [i, seconds] of cron.entries()) {
    jobs.push({
      name: `cron-${i}`,
      kind: 'cron',
      expression: `${seconds} * * * * *`,
      taskMs: 1 + ((i * 37) % 150),
    });
  }
  for (const [i, ms] of every.entries()) {
    jobs.push({ name: `every-${ms}`, kind: 'duration', every: ms, taskMs: 1 + ((i * 53) % 200) });
  }
  for (let i = 0; i < 5; i++) {
    const times: Array<[number, number, number]> = [];
    for (let at = startAt + 2000 + i * 1000; at < startAt + duration - 1000; at += 5000) {
      const d = new Date(Math.ceil(at / 1000) * 1000);
      times.push([d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]);
    }
    jobs.push({ name: `daily-${i}`, kind: 'daily', times, taskMs: 1 + i * 20 });
  }
  for (let i = 0; i < burst; i++) {
    jobs.push({ name: `burst-${i}`, kind: 'cron', expression: '*/10 * * * * *', taskMs: 1 });
  }
  return jobs;
}

function secondsMatch(field: string, second: number): boolean {
  return field.split(',').some((part) => {
    const [range, step] = part.split('/');
    const by = step === undefined ? 1 : Number(step);
    const from = range === '*' ? 0 : Number(range);
    const to = range === '*' || step !== undefined ? 59 : Number(range);
    return second >= from && second <= to && (second - from) % by === 0;
  });
}

/** The occurrences (epoch ms) of `job` in [from, to). */
export function occurrences(job: FleetJob, from: number, to: number): number[] {
  const out: number[] = [];
  if (job.kind === 'duration') {
    for (let at = Math.ceil(from / job.every) * job.every; at < to; at += job.every) out.push(at);
  } else if (job.kind === 'cron') {
    const field = job.expression.split(' ')[0] as string;
    for (let at = Math.ceil(from / 1000) * 1000; at < to; at += 1000) {
      if (secondsMatch(field, new Date(at).getUTCSeconds())) out.push(at);
    }
  } else {
    const day = Math.floor(from / 86_400_000) * 86_400_000;
    for (const [h, m, s] of job.times) {
      for (const base of [day, day + 86_400_000]) {
        const at = base + ((h * 60 + m) * 60 + s) * 1000;
        if (at >= from && at < to) out.push(at);
      }
    }
    out.sort((a, b) => a - b);
  }
  return out;
}

/**
 * Compares runs counted per `job|occurrence` with the expected occurrences: inside [from, to) each
 * must have run exactly once; anywhere, nothing more than once and nothing that is no occurrence.
 */
export function checkRuns(
  jobs: readonly FleetJob[],
  counts: ReadonlyMap<string, number>,
  window: { from: number; to: number; outer: { from: number; to: number } },
): { missed: string[]; twice: string[]; unexpected: string[]; expected: number } {
  const missed: string[] = [];
  const twice: string[] = [];
  const unexpected: string[] = [];
  const valid = new Set<string>();
  let expected = 0;
  for (const job of jobs) {
    for (const at of occurrences(job, window.outer.from, window.outer.to)) valid.add(`${job.name}|${at}`);
    for (const at of occurrences(job, window.from, window.to)) {
      expected++;
      if ((counts.get(`${job.name}|${at}`) ?? 0) === 0)
        missed.push(`${job.name}@${new Date(at).toISOString()}`);
    }
  }
  for (const [key, count] of counts) {
    if (count > 1) twice.push(`${key} ran ${count}x`);
    if (!valid.has(key)) unexpected.push(key);
  }
  return { missed, twice, unexpected, expected };
}

export interface FleetOutcome {
  codes: Array<number | null>;
  /** Errors reported before the shutdown at the end. */
  problems: WorkerEvent[];
  result: ReturnType<typeof checkRuns>;
  runsPerReplica: number[];
  stderr: string;
}

/**
 * Three replicas with clocks -300/0/+300 ms run 20 jobs, and `burst` jobs due together every ten
 * seconds, for `seconds`; `count` reads back from the backend how often each `job|occurrence` ran.
 */
export async function runFleet(
  target: Pick<WorkerConfig, 'backend' | 'url' | 'recordUrl' | 'schema' | 'table' | 'redisClient'>,
  seconds: number,
  count: (runId: string) => Promise<Map<string, number>>,
  burst = 0,
): Promise<FleetOutcome> {
  const client = target.redisClient ? `-${target.redisClient}` : '';
  const runId = `${Date.now()}-${process.pid}-${target.backend}${client}`;
  // Room for several Node processes to load on a busy machine before the schedulers start.
  const startAt = Date.now() + 6000;
  const endAt = startAt + seconds * 1000;
  const jobs = fleetJobs(startAt, seconds * 1000, burst);
  const workers = [-300, 0, 300].map((offset, worker) =>
    startWorker({
      ...target,
      worker,
      offset,
      runId,
      startAt,
      endAt,
      jobs,
      // A claim may wait for a burst on a loaded machine: 5 s to be sent (half of minHold), 5 s to answer.
      locker: { ttl: '10s', minHold: '10s', acquireTimeout: '5s' },
    }),
  );
  const codes = await Promise.all(workers.map((w) => w.exited));
  const counts = await count(runId);
  // Occurrences count from when the last replica had started (late only on an overloaded machine).
  const started = Math.max(
    startAt,
    ...workers.map((w) => w.events.find((e) => e.ev === 'started')?.t ?? endAt),
  );
  return {
    codes,
    // An acquire cut short by the shutdown at the end is reported too: only earlier errors count.
    problems: workers.flatMap((w) => w.events.filter((e) => /Error$/.test(e.ev) && e.t < endAt - 500)),
    result: checkRuns(jobs, counts, {
      from: started + 1500,
      to: endAt - 1500,
      outer: { from: startAt - 1000, to: endAt + 1000 },
    }),
    // The replica whose clock is ahead fires first and usually wins; the others find occurrences taken.
    runsPerReplica: workers.map((w) => w.events.filter((e) => e.ev === 'start').length),
    stderr: workers.map((w) => w.stderr.join('')).join('\n'),
  };
}
