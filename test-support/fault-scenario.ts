// The fault scenario both backends go through: four scheduler processes with a locker and an
// elector; SIGKILL the one holding a lock and the leader, take the server away and back, SIGSTOP a
// replica past the TTL. Every replica reports its runs on stdout; the checks read those reports.
import { type FleetJob, occurrences, startWorker, type Worker, type WorkerConfig } from './fleet.js';

export interface FaultBackend {
  backend: WorkerConfig['backend'];
  url: string;
  schema?: string;
  redisClient?: WorkerConfig['redisClient'];
  /** The MySQL claims table. */
  table?: string;
  /** Makes the server unreachable for the workers, for about `ms` milliseconds, then brings it back. */
  outage(ms: number): Promise<void>;
}

export interface FaultReport {
  problems: string[];
  notes: string[];
}

const LEASE = 2000;
const RETRY = 400;
const TTL = 2000;

const jobs: FleetJob[] = [
  { name: 'tick', kind: 'duration', every: 1000, taskMs: 20 },
  { name: 'cron', kind: 'cron', expression: '* * * * * *', taskMs: 50 },
  { name: 'slow', kind: 'duration', every: 2000, taskMs: 2600 },
  { name: 'leader-tick', kind: 'duration', every: 1000, taskMs: 20, leader: true },
];

const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** Workers with a `slow` run in progress (started, not ended) right now. */
function holdingSlow(workers: Worker[]): Worker[] {
  return workers.filter((w) => {
    const slow = w.events.filter((e) => e.job === 'slow');
    const last = slow.at(-1);
    return last?.ev === 'start';
  });
}

/** The worker that ran the latest leader job, if any did in the last two seconds. */
function currentLeader(workers: Worker[]): Worker | undefined {
  let best: { worker: Worker; t: number } | undefined;
  for (const worker of workers) {
    const last = worker.events.filter((e) => e.job === 'leader-tick' && e.ev === 'start').at(-1);
    if (last && Date.now() - last.t < 2000 && (!best || last.t > best.t)) best = { worker, t: last.t };
  }
  return best?.worker;
}

export async function runFaultScenario(target: FaultBackend): Promise<FaultReport> {
  const problems: string[] = [];
  const notes: string[] = [];
  const runId = `faults-${Date.now()}-${process.pid}`;
  // Room for the processes to load on a busy machine before the schedulers start.
  const startAt = Date.now() + 6000;
  const endAt = startAt + 38_000;
  const workers = [-300, -100, 100, 300].map((offset, worker) =>
    startWorker({
      backend: target.backend,
      url: target.url,
      ...(target.schema ? { schema: target.schema } : {}),
      ...(target.redisClient ? { redisClient: target.redisClient } : {}),
      ...(target.table ? { table: target.table } : {}),
      worker,
      offset,
      runId,
      startAt,
      endAt,
      jobs,
      locker: { ttl: TTL, minHold: '10s', acquireTimeout: '1s' },
      elector: { lease: LEASE, retryPeriod: RETRY },
    }),
  );
  const alive = new Set(workers);

  // 1. SIGKILL a replica in the middle of a `slow` run (holding its lock), and the leader.
  await sleepUntil(startAt + 6000);
  const holder = holdingSlow([...alive])[0] ?? [...alive][0];
  const killAt = Date.now();
  holder?.child.kill('SIGKILL');
  if (holder) alive.delete(holder);
  notes.push(`killed replica ${holder?.config.worker} holding a slow lock`);
  await sleepUntil(startAt + 7000);
  let leaderKillAt = killAt;
  const leader = currentLeader(workers);
  if (leader === undefined) problems.push('no replica led 7 s after the start');
  else if (alive.has(leader)) {
    leaderKillAt = Date.now();
    leader.child.kill('SIGKILL');
    alive.delete(leader);
    notes.push(`killed the leader, replica ${leader.config.worker}`);
  } else notes.push('the replica killed first was the leader');

  // 2. The server goes away for 4 s and comes back.
  await sleepUntil(startAt + 13_000);
  const outageStart = Date.now();
  await target.outage(4000);
  const outageEnd = Date.now();
  notes.push(`outage of ${outageEnd - outageStart} ms`);

  // 3. SIGSTOP a replica past the TTL (preferably one holding a lock), then let it go on.
  await sleepUntil(startAt + 25_000);
  const paused = holdingSlow([...alive])[0] ?? [...alive][0];
  const pauseStart = Date.now();
  paused?.child.kill('SIGSTOP');
  await sleepUntil(pauseStart + 2.5 * TTL);
  paused?.child.kill('SIGCONT');
  const pauseEnd = Date.now();
  notes.push(`paused replica ${paused?.config.worker} for ${pauseEnd - pauseStart} ms`);

  const codes = await Promise.all([...alive].map((w) => w.exited));
  if (codes.some((code) => code !== 0)) {
    problems.push(
      `survivors exited with ${codes.join(',')}: ${[...alive].map((w) => w.stderr.join('')).join('\n')}`,
    );
  }

  // Runs per job and occurrence, from every replica's reports.
  const runs = new Map<string, number>();
  const lockErrors: number[] = [];
  for (const worker of workers) {
    for (const e of worker.events) {
      if (e.ev === 'start') runs.set(`${e.job}|${e.at}`, (runs.get(`${e.job}|${e.at}`) ?? 0) + 1);
      if (e.ev === 'lockError') lockErrors.push(e.t);
      if (e.ev === 'runError' || e.ev === 'shutdownError')
        problems.push(`replica ${worker.config.worker}: ${e.ev} ${e.error}`);
    }
  }
  const inOutage = (at: number) => at >= outageStart - 2000 && at <= outageEnd + 2000;

  // Nothing ran twice (outside the outage, where a server without persistence forgets claims).
  for (const [key, count] of runs) {
    const at = Number(key.split('|')[1]);
    if (count > 1 && !inOutage(at))
      problems.push(`${key} (${new Date(at).toISOString()}) ran ${count} times`);
  }

  // Survivors kept scheduling: every occurrence in the calm windows ran once.
  const expectOnce = (names: string[], from: number, to: number, what: string) => {
    for (const job of jobs.filter((j) => names.includes(j.name))) {
      for (const at of occurrences(job, from, to)) {
        if (!runs.has(`${job.name}|${at}`))
          problems.push(`${what}: ${job.name} missed ${new Date(at).toISOString()}`);
      }
    }
  };
  const recovered = outageEnd + 4000;
  expectOnce(['tick', 'cron'], killAt + 1500, outageStart - 500, 'after the SIGKILL');
  expectOnce(['slow'], killAt + 3000, outageStart - 3000, 'after the SIGKILL');
  expectOnce(
    ['leader-tick'],
    leaderKillAt + LEASE + RETRY + 1000,
    outageStart - 500,
    'after the leader was killed',
  );
  expectOnce(['tick', 'cron'], recovered, endAt - 1500, 'after the server came back');
  expectOnce(['leader-tick'], recovered + LEASE, pauseStart - 500, 'after the server came back');
  expectOnce(['tick', 'cron'], pauseStart + 1000, pauseEnd, 'while a replica was paused');

  // The outage: runs skipped with afterLockError, none of the locked jobs started while the server
  // was away. (An occurrence missed by everyone may still run late once the server is back: a
  // replica whose timer fired late finds it unclaimed. That is not a second run.)
  const errorsInOutage = lockErrors.filter((t) => t >= outageStart && t <= outageEnd + 1500).length;
  if (errorsInOutage === 0) problems.push('no afterLockError during the outage');
  const lockedJobs = new Set(jobs.filter((j) => !j.leader).map((j) => j.name));
  for (const worker of workers) {
    for (const e of worker.events) {
      if (
        e.ev === 'start' &&
        lockedJobs.has(e.job ?? '') &&
        e.t > outageStart + 500 &&
        e.t < outageEnd - 300
      ) {
        problems.push(
          `${e.job} (${new Date(e.at ?? 0).toISOString()}) started during the outage, in replica ${e.w}`,
        );
      }
    }
  }
  const late = workers.flatMap((w) =>
    w.events.filter(
      (e) =>
        e.ev === 'start' &&
        lockedJobs.has(e.job ?? '') &&
        (e.at ?? 0) > outageStart + 1500 &&
        (e.at ?? 0) < outageEnd,
    ),
  );
  if (late.length > 0)
    notes.push(
      `${late.length} occurrence(s) scheduled in the outage ran as it ended (replica clocks are apart)`,
    );
  notes.push(`${errorsInOutage} afterLockError calls during the outage; ${runs.size} runs in all`);
  return { problems, notes };
}
