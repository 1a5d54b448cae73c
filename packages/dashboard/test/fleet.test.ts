// A fleet over real HTTP: two schedulers on one MemoryFleet (each with its own fleet object, as two
// processes on one server), each served by its own dashboard, on one FakeClock.
import {
  createScheduler,
  durationJob,
  type Job,
  MemoryFleet,
  MemoryLocker,
  MemoryRunHistory,
  type ReplicaInfo,
  type Scheduler,
  silentLogger,
  TscronError,
} from 'tscron';
import { FakeClock } from 'tscron/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createDashboard, type DashboardServer, type JobJson, type ReplicaJson } from '../src/index.js';
import { flush, readEvents, setup } from './support.js';

const JSON_POST = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
const HEARTBEAT = 5000;

/** A MemoryFleet whose server can be made to fail, as a fleet's server does when it goes away. */
class FailingFleet extends MemoryFleet {
  down = false;
  override async replicas(): Promise<ReplicaInfo[]> {
    if (this.down) throw new TscronError('ERR_LOCK_BACKEND_FAILED', 'FleetTest: the server is down');
    return super.replicas();
  }
}

interface Replica {
  scheduler: Scheduler;
  job: Job;
  url: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/**
 * Two replicas, "a" and "b", each with a job "report" every minute, one locker, one shared history,
 * and a fleet object of its own on one shared fleet table.
 */
async function twoReplicas(fleetOptions: { balance?: boolean } = {}) {
  const clock = new FakeClock(Math.floor(Date.now() / 60_000) * 60_000);
  const locker = new MemoryLocker({ clock });
  const history = new MemoryRunHistory();
  const first = new FailingFleet({ clock, heartbeat: HEARTBEAT, ...fleetOptions });
  const fleets: MemoryFleet[] = [
    first,
    new MemoryFleet({ clock, heartbeat: HEARTBEAT, shareWith: first, ...fleetOptions }),
  ];
  const replicas: Replica[] = [];
  for (const [index, id] of ['a', 'b'].entries()) {
    const scheduler = createScheduler({
      clock,
      locker,
      history,
      fleet: fleets[index] as MemoryFleet,
      replica: id,
      timeZone: 'UTC',
      logger: silentLogger,
    });
    const job = scheduler.newJob(durationJob('1m'), () => {}, { name: 'report' });
    scheduler.start();
    const server: DashboardServer = await createDashboard({ scheduler }).listen({ port: 0 });
    cleanups.push(async () => {
      await server.close();
      await scheduler.shutdown();
    });
    replicas.push({ scheduler, job, url: server.url });
  }
  // The first heartbeats settle.
  await flush();
  await flush();
  const [a, b] = replicas as [Replica, Replica];
  return { clock, history, fleet: first, a, b };
}

async function get<T>(replica: Replica, path: string): Promise<T> {
  const response = await fetch(new URL(path, replica.url));
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function jobOf(replica: Replica): Promise<JobJson> {
  const [job] = await get<JobJson[]>(replica, 'api/jobs');
  return job as JobJson;
}

describe('a dashboard over a fleet', () => {
  it('lists the live replicas, this one marked, and the fleet settings in api/state', async () => {
    const { a, b } = await twoReplicas();
    const seenByA = await get<ReplicaJson[]>(a, 'api/replicas');
    expect(seenByA.map((replica) => [replica.id, replica.self])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const [first] = seenByA;
    expect(first).toEqual({
      id: 'a',
      host: expect.any(String),
      pid: process.pid,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      startedAt: expect.stringMatching(/Z$/),
      lastSeen: expect.stringMatching(/Z$/),
      clockOffsetMs: expect.any(Number),
      self: true,
    });
    expect((await get<ReplicaJson[]>(b, 'api/replicas')).map((replica) => replica.self)).toEqual([
      false,
      true,
    ]);
    const state = await get<{ fleet: unknown }>(a, 'api/state');
    expect(state.fleet).toEqual({ heartbeatInterval: HEARTBEAT, balance: false, balanceGrace: 1000 });
  });

  it('drops a replica that stopped, and answers 503 when the fleet server fails', async () => {
    const { a, b, fleet } = await twoReplicas();
    await b.scheduler.stopJobs();
    expect((await get<ReplicaJson[]>(a, 'api/replicas')).map((replica) => replica.id)).toEqual(['a']);
    fleet.down = true;
    const response = await fetch(new URL('api/replicas', a.url));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "The fleet's server failed: FleetTest: the server is down",
    });
    // The job list does not depend on the replicas.
    expect((await jobOf(a)).name).toBe('report');
  });

  it('pauses fleet-wide: here at once, on the other replica within one heartbeat, no run anywhere', async () => {
    const { a, b, clock, history } = await twoReplicas();
    const response = await fetch(new URL(`api/jobs/${a.job.id}/pause`, a.url), JSON_POST);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: 'report', paused: true, fleetPaused: true });
    expect(a.job.isPaused()).toBe(true);
    // b has not heartbeat since: its dashboard already tells the fleet's pause from its own state.
    expect(b.job.isPaused()).toBe(false);
    expect(await jobOf(b)).toMatchObject({ paused: false, fleetPaused: true });
    await clock.advance(HEARTBEAT);
    expect(b.job.isPaused()).toBe(true);
    expect(await jobOf(b)).toMatchObject({ paused: true, fleetPaused: true });
    await clock.advance('3m');
    await flush();
    expect(await history.list({})).toEqual([]);

    // Resumed from b's dashboard: b at once, a at its next heartbeat, and the runs come back.
    const resumed = await fetch(new URL(`api/jobs/${b.job.id}/resume`, b.url), JSON_POST);
    expect(await resumed.json()).toMatchObject({ paused: false, fleetPaused: false });
    expect(a.job.isPaused()).toBe(true);
    await clock.advance(HEARTBEAT);
    expect(a.job.isPaused()).toBe(false);
    await clock.advance('1m');
    await flush();
    expect((await history.list({})).length).toBe(1);
  });

  it("tells this replica's own pause from a fleet-wide one, and Resume undoes either", async () => {
    const { a, b } = await twoReplicas();
    a.job.pause();
    expect(await jobOf(a)).toMatchObject({ paused: true, fleetPaused: false });
    expect(await jobOf(b)).toMatchObject({ paused: false, fleetPaused: false });
    const response = await fetch(new URL(`api/jobs/${a.job.id}/resume`, a.url), JSON_POST);
    expect(await response.json()).toMatchObject({ paused: false, fleetPaused: false });
    expect(a.job.isPaused()).toBe(false);
  });

  it('sends the fleet-wide pause a heartbeat applies as a job event', async () => {
    const { a, b, clock } = await twoReplicas();
    const stream = await fetch(new URL('api/events', b.url));
    const events = readEvents(stream, (read) => read.some((event) => event.event === 'job'));
    await fetch(new URL(`api/jobs/${a.job.id}/pause`, a.url), JSON_POST);
    await clock.advance(HEARTBEAT);
    const [event] = (await events).filter((one) => one.event === 'job');
    expect(event?.data).toMatchObject({ change: 'paused', job: { paused: true, fleetPaused: true } });
  });

  it("lists a job's runs from every replica of a shared history, newest first, each once", async () => {
    const { a, b, clock } = await twoReplicas({ balance: true });
    for (let minute = 0; minute < 12; minute++) await clock.advance('1m');
    await clock.advance('2s'); // past the balance grace of the last occurrence
    await flush();
    const runs = await get<
      Array<{ scheduledAt: string; startedAt: string; replica: string; status: string }>
    >(a, `api/jobs/${a.job.id}/runs`);
    expect(runs).toHaveLength(12);
    expect(new Set(runs.map((run) => run.scheduledAt)).size).toBe(12);
    expect(runs.every((run) => run.status === 'success')).toBe(true);
    expect(new Set(runs.map((run) => run.replica))).toEqual(new Set(['a', 'b']));
    const starts = runs.map((run) => Date.parse(run.startedAt));
    expect(starts).toEqual([...starts].sort((x, y) => y - x));
    // The other dashboard reads the same history.
    expect(await get<unknown[]>(b, `api/jobs/${b.job.id}/runs`)).toEqual(runs);
    expect((await jobOf(b)).lastRun).toEqual(runs[0]);
  });

  it('without a fleet: no replicas, no fleet in api/state, a local pause', async () => {
    const { dashboard, job } = setup();
    const server = await dashboard.listen({ port: 0 });
    cleanups.push(() => server.close());
    expect(await (await fetch(new URL('api/replicas', server.url))).json()).toEqual([]);
    const state = (await (await fetch(new URL('api/state', server.url))).json()) as { fleet: unknown };
    expect(state.fleet).toBeNull();
    const paused = await fetch(new URL(`api/jobs/${job.id}/pause`, server.url), JSON_POST);
    expect(await paused.json()).toMatchObject({ paused: true, fleetPaused: false });
  });
});
