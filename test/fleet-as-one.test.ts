// The fleet as one scheduler, on the machine's Redis and PostgreSQL (both at once): scheduler
// processes on the BUILT packages (npm test builds first) with a locker, a fleet (heartbeat 400 ms,
// balance) and a shared run history, clocks -300/0/+300 ms. One timeline per backend:
//
//   start          3 replicas run 30 jobs every second, a job every 500 ms that replica 0 pauses
//                  fleet-wide and replica 1 resumes, one that replica 0 pauses for good, and two
//                  jobs every 2 s with catchUpWithin ('once' and 'all');
//   kill one       replica 2 is SIGKILLed: it leaves fleet.replicas() 3 heartbeats after its last
//                  one, and its occurrences go to the others after the balance grace;
//   kill the rest  right after an occurrence of the catch-up jobs completed, the two others are
//                  SIGKILLed: the whole fleet is down over that job's next 3 occurrences;
//   restart        3 new processes start the fleet again: the catch-up runs once fleet-wide with
//                  scheduledAt = the missed occurrence ('once': the latest; 'all': each), the job
//                  paused for good stays paused.
//
// Every run is counted in the backend (each occurrence exactly once, none missed), and every run
// is in the shared history with the replica that ran it.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Fleet, ReplicaInfo, RunHistory, RunRecord } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresFleet, PostgresRunHistory } from '../packages/postgres/src/index.js';
import { url as postgresUrl } from '../packages/postgres/test/support.js';
import { RedisFleet, RedisRunHistory } from '../packages/redis/src/index.js';
import {
  type FleetJob,
  missingBuild,
  occurrences,
  startWorker,
  type Worker,
  type WorkerConfig,
  type WorkerEvent,
} from '../test-support/fleet.js';
import { serviceAvailable } from '../test-support/services.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await serviceAvailable('Redis', redisUrl, 6379);
const postgresUp = await serviceAvailable('PostgreSQL', postgresUrl, 5432);
const redis = redisUp ? new Redis(redisUrl) : undefined;
const db = postgresUp ? new pg.Pool({ connectionString: postgresUrl, max: 4 }) : undefined;
afterAll(async () => {
  redis?.disconnect();
  await db?.end();
});

/** The tscron version the workers run (their replicas report it). */
const version = (
  JSON.parse(readFileSync(new URL('../packages/tscron/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const HEARTBEAT = 400;
/** How late past one heartbeat a replica may still start a job paused fleet-wide (a busy machine's timers). */
const PAUSE_MARGIN = 400;
const CATCH_UP_EVERY = 2000;
const OFFSETS = [-300, 0, 300];
/** The most one replica's clock is behind another's, divided by two: their offsets from the middle one. */
const SKEW = 300;
const SPREAD = 30;

const jobs: FleetJob[] = [
  ...Array.from(
    { length: SPREAD },
    (_, i): FleetJob => ({
      name: `spread-${i}`,
      kind: 'cron',
      expression: '* * * * * *',
      taskMs: 1 + (i % 20),
    }),
  ),
  { name: 'paused', kind: 'duration', every: 500, taskMs: 1 },
  { name: 'kept-paused', kind: 'duration', every: 500, taskMs: 1 },
  {
    name: 'catch-up-once',
    kind: 'duration',
    every: CATCH_UP_EVERY,
    taskMs: 1,
    catchUpWithin: '1m',
    missedRuns: 'once',
  },
  {
    name: 'catch-up-all',
    kind: 'duration',
    every: CATCH_UP_EVERY,
    taskMs: 1,
    catchUpWithin: '1m',
    missedRuns: 'all',
  },
];
const CATCH_UP_JOBS = ['catch-up-once', 'catch-up-all'];
const job = (name: string) => jobs.find((j) => j.name === name) as FleetJob;

/** What a backend gives the scenario: where the workers go, and the parent's view of the same fleet. */
interface Target {
  config: Pick<WorkerConfig, 'backend' | 'url' | 'recordUrl' | 'schema'>;
  runId: string;
  fleet: Fleet;
  history: RunHistory;
  /** How often each `job|occurrence` ran, as the workers counted it in the backend. */
  counts(): Promise<Map<string, number>>;
  cleanup(): Promise<void>;
}

/** One poll of fleet.replicas() by the parent: when it was sent and answered, and what it listed. */
interface Poll {
  sent: number;
  answered: number;
  replicas: ReplicaInfo[];
}

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const replicaId = (worker: number) => `replica-${worker}`;
const iso = (at: number) => (Number.isFinite(at) ? new Date(at).toISOString() : String(at));
const event = (w: Worker, ev: string, name?: string): WorkerEvent | undefined =>
  w.events.find((e) => e.ev === ev && (name === undefined || e.job === name));

async function scenario(target: Target): Promise<void> {
  const start = Date.now() + 6000; // room for three Node processes to load on a busy machine
  const pauseAt = start + 4000;
  const resumeAt = start + 8000;
  const keepPausedAt = start + 10_000;
  const killOneAt = start + 13_000;
  const pollUntil = killOneAt + 3 * HEARTBEAT + 1000;
  // The catch-up jobs' occurrence after which the whole fleet dies; it is down over the next three.
  const lastBeforeDown = Math.ceil((pollUntil + 1500) / CATCH_UP_EVERY) * CATCH_UP_EVERY;
  const restartAt = lastBeforeDown + 3.5 * CATCH_UP_EVERY;
  const end = restartAt + 5000;
  const base = {
    ...target.config,
    runId: target.runId,
    jobs,
    locker: { ttl: '5s', minHold: '4s', acquireTimeout: '5s' },
  };
  const fleetOptions = { heartbeat: HEARTBEAT, balance: true };
  const history = { perJob: 1000 };
  const spawn = (worker: number, startAt: number, endAt: number, actions: WorkerConfig['actions'] = []) =>
    startWorker({
      ...base,
      worker,
      offset: OFFSETS[worker % 3] as number,
      replica: replicaId(worker),
      startAt,
      endAt,
      fleet: fleetOptions,
      history,
      actions,
    });

  const first = [
    spawn(0, start, end, [
      { at: pauseAt, op: 'pause', job: 'paused' },
      { at: keepPausedAt, op: 'pause', job: 'kept-paused' },
    ]),
    spawn(1, start, end, [{ at: resumeAt, op: 'resume', job: 'paused' }]),
    spawn(2, start, end),
  ];
  let second: Worker[] = [];
  const killedAt = new Map<Worker, number>();
  const kill = (w: Worker) => {
    killedAt.set(w, Date.now());
    w.child.kill('SIGKILL');
  };
  try {
    // The restarted fleet's processes load while the first one runs, and start their schedulers at
    // restartAt: how long Node takes to load on a busy machine does not move the restart.
    await sleepUntil(start + 9000);
    second = [3, 4, 5].map((worker) => spawn(worker, restartAt, end));

    // Kill one replica and watch it leave the fleet.
    const polls: Poll[] = [];
    await sleepUntil(killOneAt - 1500);
    const polling = (async () => {
      while (Date.now() < pollUntil) {
        const sent = Date.now();
        const replicas = await target.fleet.replicas();
        polls.push({ sent, answered: Date.now(), replicas });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await sleepUntil(killOneAt);
    const victim = first[2] as Worker;
    kill(victim);
    await polling;

    // Kill the rest right after the catch-up jobs' occurrence lastBeforeDown completed.
    await sleepUntil(lastBeforeDown);
    for (;;) {
      const last = await target.fleet.lastCompleted(CATCH_UP_JOBS);
      if (CATCH_UP_JOBS.every((name) => (last.get(name)?.getTime() ?? 0) >= lastBeforeDown)) break;
      if (Date.now() > lastBeforeDown + 1500) throw new Error(`${iso(lastBeforeDown)} never completed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const w of first.slice(0, 2)) kill(w);
    await Promise.all(first.map((w) => w.exited));
    const completed = await target.fleet.lastCompleted(CATCH_UP_JOBS);
    expect([...completed.values()].map((d) => d.getTime())).toEqual([lastBeforeDown, lastBeforeDown]);

    // While the fleet is down: the killed replicas are gone, the paused jobs stay paused.
    await sleepUntil(restartAt - 500);
    expect(await target.fleet.replicas()).toEqual([]);
    expect(await target.fleet.pausedJobs()).toEqual(['kept-paused']);
    for (const w of second) {
      expect(event(w, 'ready')?.t ?? Number.POSITIVE_INFINITY, w.stderr.join('')).toBeLessThan(restartAt);
    }

    await sleepUntil(restartAt + 2500);
    const restarted = await target.fleet.replicas();
    const codes = await Promise.all(second.map((w) => w.exited));
    const workers = [...first, ...second];
    const counts = await target.counts();
    const records = await target.history.list({ limit: 10_000 });
    const left = await target.fleet.replicas();

    const label = target.config.backend;
    const problems: string[] = [];
    expect(codes, second.map((w) => w.stderr.join('')).join('\n')).toEqual([0, 0, 0]);
    for (const w of workers) {
      const stop = killedAt.get(w) ?? end;
      for (const e of w.events) {
        if (/Error$/.test(e.ev) && e.t < stop - 500)
          problems.push(`replica ${w.config.worker}: ${JSON.stringify(e)}`);
      }
    }

    // Each occurrence exactly once where it must run, never where it must not, nothing twice.
    /** Where and when an occurrence's runs started, for the messages. */
    const where = (name: string, at: number) =>
      workers
        .flatMap((w) =>
          w.events
            .filter((e) => e.ev === 'start' && e.job === name && e.at === at)
            .map((e) => `${w.config.replica} at ${iso(e.t)}`),
        )
        .join(', ');
    const killedJustAfterStart = (name: string, at: number) =>
      workers.some((w) => {
        const killed = killedAt.get(w);
        return (
          killed !== undefined &&
          w.events.some((e) => e.ev === 'start' && e.job === name && e.at === at && e.t >= killed - 1000)
        );
      });
    const once = (name: string, from: number, to: number) => {
      for (const at of occurrences(job(name), from, to)) {
        const n = counts.get(`${name}|${at}`) ?? 0;
        // A run that started on a replica just before its SIGKILL dies with it, uncounted: claimed
        // once, so at most once (the other replicas rightly find it taken).
        if (n === 0 && killedJustAfterStart(name, at)) continue;
        if (n !== 1) problems.push(`${name}@${iso(at)} ran ${n} times, expected once (${where(name, at)})`);
      }
    };
    const never = (name: string, from: number, to: number) => {
      for (const at of occurrences(job(name), from, to)) {
        const n = counts.get(`${name}|${at}`) ?? 0;
        if (n !== 0) problems.push(`${name}@${iso(at)} ran ${n} times, expected never (${where(name, at)})`);
      }
    };
    const valid = new Set(
      jobs.flatMap((j) => occurrences(j, start - 1000, end + 1000).map((at) => `${j.name}|${at}`)),
    );
    for (const [key, n] of counts) {
      if (n > 1) problems.push(`${key} ran ${n} times`);
      if (!valid.has(key)) problems.push(`${key} is no occurrence`);
    }
    const started = Math.max(...first.map((w) => event(w, 'started')?.t ?? end));
    const down = Math.min(...first.slice(0, 2).map((w) => killedAt.get(w) as number));
    const up = Math.max(...second.map((w) => event(w, 'started')?.t ?? end));
    const live = [
      [started + 1500, down - 1500],
      [up + 1500, end - 1500],
    ] as const;
    for (const [from, to] of live) for (let i = 0; i < SPREAD; i++) once(`spread-${i}`, from, to);

    // Fleet-wide pause: seen by every replica within one heartbeat, and resumed.
    const when = (w: Worker, ev: string, name: string) => event(w, ev, name)?.t ?? Number.NaN;
    const paused = when(first[0] as Worker, 'paused', 'paused');
    const resuming = when(first[1] as Worker, 'resuming', 'paused');
    const resumed = when(first[1] as Worker, 'resumed', 'paused');
    const keptPaused = when(first[0] as Worker, 'paused', 'kept-paused');
    // A pause or resume that never completed is named (its worker's error is reported above).
    for (const [value, what] of [
      [paused, 'paused'],
      [resuming, 'resuming'],
      [resumed, 'resumed'],
      [keptPaused, 'kept-paused paused'],
    ] as const) {
      if (!Number.isFinite(value)) problems.push(`no "${what}" event`);
    }
    const starts = (name: string) =>
      workers.flatMap((w) =>
        w.events.filter((e) => e.ev === 'start' && e.job === name).map((e) => ({ w, e })),
      );
    const pausedStarts = starts('paused').filter(({ e }) => e.t > paused && e.t < resuming);
    const pauseLag = Math.max(0, ...pausedStarts.map(({ e }) => e.t - paused));
    for (const { w, e } of pausedStarts) {
      const bound = paused + (w === first[0] ? PAUSE_MARGIN : HEARTBEAT + PAUSE_MARGIN);
      if (e.t > bound)
        problems.push(`replica ${w.config.worker} started "paused" ${e.t - paused} ms after the pause`);
    }
    once('paused', started + 1500, paused - 1000);
    // A replica whose clock is behind resumes from the next occurrence on its clock, which may
    // have passed on the others': the window ends the largest skew before the resume.
    never('paused', paused + HEARTBEAT + PAUSE_MARGIN, resuming - SKEW);
    once('paused', resumed + HEARTBEAT + PAUSE_MARGIN, down - 1500);
    once('paused', up + 1500, end - 1500);
    const keptStarts = starts('kept-paused').filter(({ e }) => e.t > keptPaused + HEARTBEAT + PAUSE_MARGIN);
    for (const { w, e } of keptStarts)
      problems.push(`replica ${w.config.worker} started "kept-paused" at ${iso(e.t)}`);
    once('kept-paused', started + 1500, keptPaused - 1000);

    // Catch-up after the whole fleet's downtime.
    const missed = [1, 2, 3].map((k) => lastBeforeDown + k * CATCH_UP_EVERY);
    for (const name of CATCH_UP_JOBS) {
      once(name, started + 1500, lastBeforeDown + 1);
      once(name, lastBeforeDown + 4 * CATCH_UP_EVERY, end - 1500);
    }
    never('catch-up-once', missed[0] as number, missed[2] as number);
    once('catch-up-once', missed[2] as number, (missed[2] as number) + 1);
    once('catch-up-all', missed[0] as number, (missed[2] as number) + 1);
    const replayed = (name: string) =>
      starts(name)
        .filter(({ e }) => missed.includes(e.at as number))
        .map(({ w, e }) => ({ worker: w.config.worker, at: e.at as number, t: e.t }));
    for (const run of [...replayed('catch-up-once'), ...replayed('catch-up-all')]) {
      if (run.worker < 3 || run.t < restartAt)
        problems.push(`missed ${iso(run.at)} ran at ${iso(run.t)} on replica ${run.worker}`);
    }
    // Each replica replays in order; replicas claim in parallel, so the fleet's order may differ.
    const all = replayed('catch-up-all').sort((a, b) => a.t - b.t);
    expect(all.map((run) => run.at).sort((a, b) => a - b)).toEqual(missed);
    for (const worker of [3, 4, 5]) {
      const mine = all.filter((run) => run.worker === worker).map((run) => run.at);
      expect(mine, JSON.stringify(all)).toEqual([...mine].sort((a, b) => a - b));
    }

    // Balance: the occurrences spread over the three replicas while all three lived.
    const spread = first.map(
      (w) =>
        w.events.filter(
          (e) =>
            e.ev === 'start' &&
            e.job?.startsWith('spread-') &&
            (e.at as number) >= started + 1500 &&
            (e.at as number) < killOneAt - 1000,
        ).length,
    );

    // Live replicas: all three with what they are, then the killed one gone 3 heartbeats after its last.
    const before = polls.filter((p) => p.answered < killOneAt).at(-1);
    expect(before?.replicas.map((r) => r.id)).toEqual([0, 1, 2].map(replicaId));
    for (const [i, r] of (before?.replicas ?? []).entries()) {
      const w = first[i] as Worker;
      expect({ host: r.host, pid: r.pid, version: r.version }).toEqual({
        host: hostname(),
        pid: w.child.pid,
        version,
      });
      expect(Math.abs(r.clockOffsetMs - (OFFSETS[i] as number)), `clock offset of ${r.id}`).toBeLessThan(250);
    }
    const victimId = replicaId(2);
    const lastSeen = Math.max(
      ...polls.flatMap((p) => p.replicas.filter((r) => r.id === victimId).map((r) => r.lastSeen.getTime())),
    );
    const gone = polls.find((p) => p.sent > killOneAt && !p.replicas.some((r) => r.id === victimId));
    for (const p of polls) {
      const listed = p.replicas.some((r) => r.id === victimId);
      if (!listed && p.answered < lastSeen + 3 * HEARTBEAT - 20)
        problems.push(
          `${victimId} left the list ${lastSeen + 3 * HEARTBEAT - p.answered} ms before 3 heartbeats`,
        );
      // Its last heartbeat may reach the server just after the SIGKILL (sent before it).
      if (listed && p.sent > Math.max(killOneAt, lastSeen) + 3 * HEARTBEAT + 100)
        problems.push(`${victimId} still listed ${p.sent - lastSeen} ms after its last heartbeat`);
    }
    expect(gone, `${victimId} never left the list`).toBeDefined();
    expect(restarted.map((r) => r.id)).toEqual([3, 4, 5].map(replicaId));
    expect(left).toEqual([]); // the restarted replicas left when they stopped

    // Shared history: every replica's runs, each with the replica that ran it.
    const ran = new Set(
      workers.flatMap((w) =>
        w.events.filter((e) => e.ev === 'start').map((e) => `${w.config.replica}|${e.job}|${e.at}`),
      ),
    );
    // Records of occurrences a replica dropped (`skip`: aborted by the shutdown at the end, or its
    // previous claim still pending) are no runs; each must still name a replica of this fleet.
    const runRecords = records.filter((r) => ['running', 'success', 'fail'].includes(r.status));
    const recorded = new Map(
      runRecords.map((r) => [`${r.replica}|${r.jobName}|${r.scheduledAt.getTime()}`, r]),
    );
    for (const r of runRecords) {
      if (r.status === 'fail' || !ran.has(`${r.replica}|${r.jobName}|${r.scheduledAt.getTime()}`))
        problems.push(`history holds a run that did not happen: ${JSON.stringify(r)}`);
    }
    const ids = new Set(workers.map((w) => w.config.replica));
    for (const r of records) {
      if (!ids.has(r.replica)) problems.push(`history names a replica that is none: ${JSON.stringify(r)}`);
    }
    let checked = 0;
    for (const w of workers) {
      const stop = (killedAt.get(w) ?? end) - 1000;
      for (const e of w.events.filter((e) => e.ev === 'end' && e.t < stop)) {
        checked++;
        const r: RunRecord | undefined = recorded.get(`${w.config.replica}|${e.job}|${e.at}`);
        if (r?.status !== 'success')
          problems.push(
            `${e.job}@${iso(e.at as number)} on ${w.config.replica}: history says ${r?.status ?? 'nothing'}`,
          );
      }
    }

    console.log(
      `${label}: paused ${iso(paused)}, resuming ${iso(resuming)}; runs per replica while 3 lived ${spread.join('/')} (${Math.max(...spread) / Math.min(...spread)}x); ` +
        `last start of a paused job ${pauseLag} ms after the pause; ${replicaId(2)} left ${(gone?.answered ?? 0) - lastSeen} ms after its last heartbeat; ` +
        `caught up once ${iso(missed[2] as number)}, all ${all.map((run) => `${iso(run.at)} on ${replicaId(run.worker)}`).join(', ')}; ` +
        `${runRecords.length} runs in the history (and ${records.length - runRecords.length} dropped occurrences), ${checked} checked`,
    );
    expect(problems).toEqual([]);
    expect(Math.min(...spread)).toBeGreaterThan(0);
    expect(Math.max(...spread) / Math.min(...spread)).toBeLessThanOrEqual(1.5);
    expect(checked).toBeGreaterThan(500);
  } finally {
    for (const w of [...first, ...second]) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all([...first, ...second].map((w) => w.exited));
    await target.cleanup();
  }
}

function built(): void {
  const missing = missingBuild();
  if (missing) throw new Error(missing);
}

describe.concurrent('the fleet as one scheduler', () => {
  it.skipIf(!redisUp)(
    'Redis: balanced, paused fleet-wide, a killed replica gone after 3 heartbeats, catch-up after the whole fleet was down, one shared history',
    async () => {
      built();
      const client = redis as Redis;
      const runId = `one-${Date.now()}-${process.pid}`;
      const keyPrefix = `fleet:${runId}:`;
      await scenario({
        config: { backend: 'redis', url: redisUrl, recordUrl: redisUrl },
        runId,
        fleet: new RedisFleet({ client, keyPrefix, heartbeat: HEARTBEAT }),
        history: new RedisRunHistory({ client, keyPrefix }),
        counts: async () => {
          const raw = await client.hgetall(`${keyPrefix}runs`);
          return new Map(Object.entries(raw).map(([key, value]) => [key, Number(value)]));
        },
        cleanup: async () => {
          const keys = await client.keys(`${keyPrefix}*`);
          if (keys.length > 0) await client.del(...keys);
        },
      });
    },
    90_000,
  );

  it.skipIf(!postgresUp)(
    'PostgreSQL: balanced, paused fleet-wide, a killed replica gone after 3 heartbeats, catch-up after the whole fleet was down, one shared history',
    async () => {
      built();
      const client = db as pg.Pool;
      const runId = `one-${Date.now()}-${process.pid}`;
      const schema = `tscron_one_${process.pid}_${Date.now() % 1_000_000}`;
      await client
        .query(
          'CREATE TABLE IF NOT EXISTS tscron_fleet_runs (run_id text NOT NULL, job text NOT NULL, scheduled_at bigint NOT NULL, worker int NOT NULL)',
        )
        .catch(async () => {
          // Another suite created it at the same moment (IF NOT EXISTS does not stop that race).
          await client.query('SELECT 1 FROM tscron_fleet_runs LIMIT 0');
        });
      await scenario({
        config: { backend: 'postgres', url: postgresUrl, recordUrl: postgresUrl, schema },
        runId,
        fleet: new PostgresFleet({ client, schema, heartbeat: HEARTBEAT }),
        history: new PostgresRunHistory({ client, schema }),
        counts: async () => {
          const { rows } = await client.query(
            'SELECT job, scheduled_at, count(*) AS runs FROM tscron_fleet_runs WHERE run_id = $1 GROUP BY job, scheduled_at',
            [runId],
          );
          return new Map(rows.map((r) => [`${r.job}|${r.scheduled_at}`, Number(r.runs)]));
        },
        cleanup: async () => {
          await client.query('DELETE FROM tscron_fleet_runs WHERE run_id = $1', [runId]);
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        },
      });
    },
    90_000,
  );
});
