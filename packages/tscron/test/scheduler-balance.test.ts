import { describe, expect, test } from 'vitest';
import { cronJob, type Lock, type LockClaim } from '../src/index.js';
import { occurrenceHash, pickReplica, replicaHash } from '../src/rendezvous.js';
import { fleetOf, type Replica, runLog } from './fleet-helpers.js';
import { flush, T0 } from './scheduler-helpers.js';

const EVERY_SECOND = cronJob('* * * * * *', { withSeconds: true });

/** The replica of `ids` that occurrence `at` of `name` picks. */
function picked(ids: readonly string[], name: string, at: number): string {
  return ids[pickReplica(occurrenceHash(name, at), Uint32Array.from(ids, replicaHash))] as string;
}

/** Every whole second in (from, to]. */
function seconds(from: number, to: number): number[] {
  const all: number[] = [];
  for (let at = from + 1000; at <= to; at += 1000) all.push(at);
  return all;
}

describe('rendezvous hash', () => {
  test('the same pick everywhere; removing a replica moves only the occurrences it had', () => {
    const ids = ['r0', 'r1', 'r2', 'r3'];
    const moved = { kept: 0, changed: 0 };
    for (const at of seconds(T0, T0 + 2000_000)) {
      const before = picked(ids, 'job', at);
      const after = picked(['r0', 'r1', 'r3'], 'job', at);
      if (before === 'r2') expect(after).not.toBe('r2');
      else if (before === after) moved.kept++;
      else moved.changed++;
    }
    expect(moved.changed).toBe(0);
    expect(moved.kept).toBeGreaterThan(1000);
    expect(picked(ids, 'job', T0)).toBe(picked([...ids], 'job', T0));
  });

  test('spreads evenly: every replica gets a third of 30,000 occurrences, within 3%', () => {
    const counts = new Map<string, number>();
    for (const at of seconds(T0, T0 + 30_000_000)) {
      const id = picked(['a', 'b', 'c'], 'report', at);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(300);
  });
});

describe('balance', () => {
  /**
   * Three replicas 300 ms apart, each running `* * * * * *` as "tick", recording who ran what, the
   * lateness their monitor heard (start minus scheduled time) and runs reported behind.
   */
  function skewedFleet(missedRuns: 'skip' | 'once' = 'once', heartbeat = '1s') {
    const delays: number[] = [];
    const behind: number[] = [];
    const setup = fleetOf([-300, 0, 300], {
      fleet: { heartbeat, balance: true },
      scheduler: {
        monitor: {
          jobSchedulingDelay: (_job, scheduledAt, startedAt) =>
            void delays.push(startedAt.getTime() - scheduledAt.getTime()),
          runsBehind: (runs) => void behind.push(runs),
        },
      },
    });
    const log = runLog();
    for (const r of setup.replicas) {
      r.scheduler.newJob(
        EVERY_SECOND,
        ({ scheduledAt }) => {
          log.runs.push({ replica: r.id, at: scheduledAt.getTime(), startedAt: setup.clock.now() });
        },
        { name: 'tick', missedRuns },
      );
    }
    return { ...setup, log, delays, behind };
  }

  test('3 replicas with clocks -300/0/+300 ms: each occurrence once, none missed, most/fewest <= 1.5', async () => {
    const { clock, replicas, log, delays, close } = skewedFleet();
    for (const r of replicas) r.scheduler.start();
    await clock.advance('600s');
    const counts = log.counts();
    for (const at of seconds(T0, T0 + 598_000)) expect(counts.get(at), new Date(at).toISOString()).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const per = [...log.perReplica().values()];
    expect(per).toHaveLength(3);
    expect(Math.max(...per) / Math.min(...per)).toBeLessThanOrEqual(1.5);
    // Once every replica knows the others, each occurrence runs on the replica it picks, on time.
    const ids = replicas.map((r) => r.id);
    const skew = new Map(replicas.map((r) => [r.id, r.clock.skew]));
    const steady = log.runs.filter((run) => run.at > T0 + 5000);
    expect(steady.filter((run) => run.replica !== picked(ids, 'tick', run.at))).toEqual([]);
    for (const run of steady) expect(run.startedAt + (skew.get(run.replica) as number)).toBe(run.at);
    expect(Math.max(...delays)).toBe(0);
    await close();
    expect(clock.pendingTimers()).toBe(0);
  });

  test('without balance the replica whose clock runs ahead runs nearly everything', async () => {
    const setup = fleetOf([-300, 0, 300], { fleet: { heartbeat: '1s' } });
    const log = runLog();
    for (const r of setup.replicas) {
      r.scheduler.newJob(
        EVERY_SECOND,
        ({ scheduledAt }) => void log.runs.push({ replica: r.id, at: scheduledAt.getTime(), startedAt: 0 }),
        { name: 'tick' },
      );
      r.scheduler.start();
    }
    await setup.clock.advance('60s');
    expect(log.perReplica().get('r2')).toBeGreaterThanOrEqual(59);
    await setup.close();
  });

  test('a backup claim still in flight when the next occurrence comes never makes a replica skip its own claim', async () => {
    // Clocks agree and the grace equals the period: each backup claim of an occurrence is made at the
    // very moment of the job's next one, and claims take 200 ms, so the two always overlap.
    const setup = fleetOf([0, 0, 0], { fleet: { heartbeat: '1s', balance: true }, claimDelay: 200 });
    const log = runLog();
    for (const r of setup.replicas) {
      for (const [name, options] of [
        ['tick', {}],
        ['single', { singletonMode: 'reschedule' as const }],
      ] as const) {
        r.scheduler.newJob(
          EVERY_SECOND,
          ({ scheduledAt }) =>
            void log.runs.push({ replica: `${r.id}/${name}`, at: scheduledAt.getTime(), startedAt: 0 }),
          { name, ...options },
        );
      }
      r.scheduler.start();
    }
    await setup.clock.advance('120s');
    for (const name of ['tick', 'single']) {
      const counts = new Map<number, number>();
      for (const run of log.runs.filter((run) => run.replica.endsWith(`/${name}`)))
        counts.set(run.at, (counts.get(run.at) ?? 0) + 1);
      for (const at of seconds(T0 + 3000, T0 + 118_000)) expect(counts.get(at), `${name} ${at}`).toBe(1);
      const per = new Map<string, number>();
      for (const run of log.runs.filter((run) => run.replica.endsWith(`/${name}`)))
        per.set(run.replica, (per.get(run.replica) ?? 0) + 1);
      // Every replica ran its share of both; the hash's spread over 120 occurrences is checked for tick.
      expect(per.size, name).toBe(3);
      if (name === 'tick')
        expect(Math.max(...per.values()) / Math.min(...per.values())).toBeLessThanOrEqual(1.5);
    }
    for (const r of setup.replicas) {
      expect(r.logger.lines.filter(([level]) => level === 'warn')).toEqual([]);
    }
    // Shutdown waits for the claims in flight, which settle on the fake clock.
    const closed = setup.close();
    await setup.clock.advance('1s');
    await closed;
  });

  test("a picked replica that dies: its occurrences run elsewhere after the grace, once; the wait is no lateness for missedRuns 'skip' or the monitor", async () => {
    const { clock, replicas, log, server, delays, behind, close } = skewedFleet('skip', '3s');
    for (const r of replicas) r.scheduler.start();
    await clock.advance('30s');
    // The replica 300 ms behind: the others wait longest for it (1.3 s and 1.6 s on their clocks).
    const dead = replicas[0] as Replica;
    dead.fleet.dead = true; // killed: no leave reaches the server
    await dead.scheduler.stopJobs();
    const diedAt = clock.now();
    expect((await server.replicas()).map((r) => r.id)).toContain('r0');
    await clock.advance('60s');
    const counts = log.counts();
    for (const at of seconds(T0, T0 + 88_000)) expect(counts.get(at), new Date(at).toISOString()).toBe(1);
    const ids = ['r0', 'r1', 'r2'];
    // Until r0's entry expired (3 heartbeats after its last, at 30 s), the occurrences it picked
    // waited the grace, then ran on r1 or r2: 1 s after r0 (300 ms behind) would have claimed them.
    const window = seconds(diedAt, diedAt + 8000).filter((at) => picked(ids, 'tick', at) === 'r0');
    expect(window.length).toBeGreaterThan(0);
    const orphans = log.runs.filter((run) => window.includes(run.at));
    expect(orphans.length).toBe(window.length);
    for (const run of orphans) {
      expect(run.replica).not.toBe('r0');
      expect(run.startedAt - (run.at + 300)).toBe(1000);
    }
    // Started 1.3 s after their time, none was dropped as late nor counted as lateness.
    for (const r of replicas)
      expect(r.logger.lines.filter(([, m]) => /skipped|falling behind/.test(m))).toEqual([]);
    expect(Math.max(...delays)).toBe(0);
    expect(behind).toEqual([]);
    const after = log.runs.filter((run) => run.at > diedAt + 5000);
    expect(new Set(after.map((run) => run.replica))).toEqual(new Set(['r1', 'r2']));
    await close();
  });

  test('runNow is never deferred', async () => {
    const { clock, replicas, log, close } = skewedFleet();
    for (const r of replicas) r.scheduler.start();
    await clock.advance('3s');
    const r0 = replicas[0] as Replica;
    // A moment whose occurrence would pick another replica.
    while (picked(['r0', 'r1', 'r2'], 'tick', r0.clock.now()) === 'r0') await clock.advance(1);
    const at = r0.clock.now();
    await r0.scheduler.jobs()[0]!.runNow();
    await flush();
    expect(log.runs.filter((run) => run.at === at)).toEqual([{ replica: 'r0', at, startedAt: clock.now() }]);
    await close();
  });

  test('a burst of 300 jobs due together: each occurrence once, spread, claimed in batches', async () => {
    const { clock, replicas, close } = fleetOf([-300, 0, 300], { fleet: { heartbeat: '1s', balance: true } });
    const log = runLog();
    const batches: number[] = [];
    for (const r of replicas) {
      const lockBatch = r.locker.lockBatch.bind(r.locker);
      r.locker.lockBatch = (
        claims: readonly LockClaim[],
        options: { signal: AbortSignal },
      ): Promise<Array<Lock | null>> => {
        batches.push(claims.length);
        return lockBatch(claims, options);
      };
      for (let i = 0; i < 300; i++) {
        r.scheduler.newJob(
          cronJob('*/10 * * * * *', { withSeconds: true }),
          ({ scheduledAt, job }) =>
            void log.runs.push({
              replica: r.id,
              at: scheduledAt.getTime() + Number(job.name.slice(4)),
              startedAt: 0,
            }),
          { name: `job-${i}` },
        );
      }
      r.scheduler.start();
    }
    await clock.advance('62s');
    const counts = log.counts();
    // 00:00 (the replica 300 ms behind sees it ahead), then every 10 s to 01:00.
    expect(counts.size).toBe(7 * 300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Spread from the first burst after the start (00:00 came before the others started).
    const per = new Map<string, number>();
    for (const run of log.runs)
      if (run.at >= T0 + 10_000) per.set(run.replica, (per.get(run.replica) ?? 0) + 1);
    expect(per.size).toBe(3);
    expect(Math.max(...per.values()) / Math.min(...per.values())).toBeLessThanOrEqual(1.5);
    // Most claims went in batches: the picked replicas' together, then the others' after the grace.
    expect(batches.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(7 * 300);
    expect(Math.max(...batches)).toBeGreaterThan(50);
    await close();
  });
});
