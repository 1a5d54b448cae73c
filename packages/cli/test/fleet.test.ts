// `tscron run` with a Redis or PostgreSQL locker URL: each process is a replica of the fleet on that
// server, with a history shared by all; the test reads the fleet and the history on the server itself.
import { randomBytes } from 'node:crypto';
import { PostgresFleet, PostgresRunHistory } from '@tscron/postgres';
import { RedisFleet, RedisRunHistory } from '@tscron/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Fleet, ReplicaInfo, RunHistory, RunRecord } from 'tscron';
import { describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { Running, scratch, tscron, write } from './helpers.js';

const dir = scratch();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = withUser(process.env.POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test');

/** The URL with a user name: PGUSER, else `postgres` (trust auth on the test machines). */
function withUser(raw: string): string {
  const parsed = new URL(raw);
  if (!parsed.username) parsed.username = process.env.PGUSER ?? 'postgres';
  return parsed.toString();
}

interface Server {
  name: string;
  url: string;
  up: boolean;
  /** The fleet and history a replica of `tscron run --locker url` joins, read by the test. */
  open(): { fleet: Fleet; history: RunHistory; close(): Promise<void> };
}

const servers: Server[] = [
  {
    name: 'Redis',
    url: redisUrl,
    up: await serviceAvailable('Redis', redisUrl, 6379),
    open() {
      const client = new Redis(redisUrl);
      return {
        fleet: new RedisFleet({ client }),
        history: new RedisRunHistory({ client }),
        close: async () => void client.disconnect(),
      };
    },
  },
  {
    name: 'PostgreSQL',
    url: postgresUrl,
    up: await serviceAvailable('PostgreSQL', postgresUrl, 5432),
    open() {
      const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
      return {
        fleet: new PostgresFleet({ client: pool }),
        history: new PostgresRunHistory({ client: pool }),
        close: () => pool.end(),
      };
    },
  },
];

const headers = { 'content-type': 'application/json' };

/** Reads until `check` holds for what was read, polling every 100 ms; throws after `timeout` ms. */
async function until<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeout = 10_000,
) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last read: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

describe.concurrent('tscron run in a fleet', { timeout: 60_000 }, () => {
  for (const server of servers) {
    it.skipIf(!server.up)(
      `on ${server.name}: two runners list each other, share one history, and pause fleet-wide`,
      async ({ onTestFinished }) => {
        const suffix = randomBytes(4).toString('hex');
        const ids = [`fleet-${suffix}-1`, `fleet-${suffix}-2`];
        const tick = `tick-${suffix}`;
        const file = write(
          dir,
          `fleet-${server.name}-${suffix}.yaml`,
          `jobs:\n  - { name: ${tick}, cron: "* * * * * *", seconds: true, run: 'true' }\n`,
        );
        const reader = server.open();
        onTestFinished(() => reader.close());
        const runners = ids.map(
          (id, index) =>
            new Running([
              'run',
              file,
              '--locker',
              server.url,
              '--replica',
              id,
              '--heartbeat',
              '400ms',
              '--balance',
              ...(index === 1 ? ['--dashboard', '0'] : []),
            ]),
        );
        await Promise.all(runners.map((runner) => runner.waitFor(/ready: running 1 job/, 30_000)));
        expect(runners[0]?.output).toContain('heartbeat every 400ms, balance on');

        // The fleet on the server lists both, as they describe themselves, and their heartbeats go on.
        const mine = async () =>
          (await reader.fleet.replicas()).filter((replica) => ids.includes(replica.id));
        const live = await until(mine, (list) => list.length === 2, 'both replicas in fleet.replicas()');
        expect(live.map((replica) => [replica.id, replica.pid])).toEqual(
          runners.map((runner, index) => [ids[index], runner.child.pid]),
        );
        expect(live[0]?.version).toMatch(/^\d+\.\d+\.\d+/);
        await until(
          mine,
          (later) =>
            later.length === 2 &&
            later.every((replica, index) => replica.lastSeen > (live[index] as ReplicaInfo).lastSeen),
          'a later heartbeat from each',
        );

        // The dashboard of the second shows the fleet: both replicas, itself marked.
        const [, url] = await (runners[1] as Running).waitFor(/dashboard: (http:\/\/\S+\/)/);
        const replicas = await getJson<Array<{ id: string; self: boolean }>>(`${url}api/replicas`);
        expect(replicas.filter((replica) => ids.includes(replica.id))).toEqual([
          expect.objectContaining({ id: ids[0], self: false }),
          expect.objectContaining({ id: ids[1], self: true }),
        ]);

        // Every run of the job is in the shared history once, by one of the two, as the dashboard lists it.
        const runs = await until(
          async () =>
            (await reader.history.list({ jobName: tick })).filter(
              (run: RunRecord) => run.status !== 'running',
            ),
          (list) => list.length >= 2,
          'two runs in the shared history',
        );
        expect(runs.every((run) => ids.includes(run.replica) && run.status === 'success')).toBe(true);
        const at = runs.map((run) => run.scheduledAt.getTime());
        expect(new Set(at).size).toBe(at.length);
        const [job] = await getJson<Array<{ id: string; name: string }>>(`${url}api/jobs`);
        const listed = await getJson<Array<{ scheduledAt: string; replica: string }>>(
          `${url}api/jobs/${job?.id}/runs?limit=1000`,
        );
        for (const run of runs) {
          expect(listed).toContainEqual(
            expect.objectContaining({ scheduledAt: run.scheduledAt.toISOString(), replica: run.replica }),
          );
        }

        // Paused through the fleet: each runner applies it within a heartbeat and runs it no more.
        await reader.fleet.pause(tick);
        await until(
          () => getJson<Array<{ paused: boolean; fleetPaused: boolean }>>(`${url}api/jobs`),
          ([shown]) => shown?.paused === true && shown.fleetPaused,
          'the pause on the dashboard',
        );
        await sleep(1000); // the other's heartbeat, and the last run's record
        const count = async () => (await reader.history.list({ jobName: tick, limit: 1000 })).length;
        const before = await count();
        await sleep(1500);
        expect(await count()).toBe(before);
        // Resumed from the second's dashboard, for every replica.
        const resumed = await fetch(`${url}api/jobs/${job?.id}/resume`, {
          method: 'POST',
          headers,
          body: '{}',
        });
        expect(resumed.status).toBe(200);
        expect(await reader.fleet.pausedJobs()).not.toContain(tick);

        for (const runner of runners) runner.signal('SIGTERM');
        expect(await Promise.all(runners.map((runner) => runner.exited))).toEqual([0, 0]);
        // Stopped cleanly, each left the fleet at once.
        expect(await mine()).toEqual([]);
      },
    );
  }
});

describe.concurrent('tscron run fleet flags', { timeout: 30_000 }, () => {
  const file = write(dir, 'flags.yaml', 'jobs:\n  - { name: hourly, cron: "0 * * * *", run: "true" }\n');

  it('refuses --balance and --heartbeat without a fleet, and a heartbeat too short, before connecting', async () => {
    const memory = await tscron(['run', file, '--balance']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain(
      '--balance needs a fleet, which only a redis://, rediss://, postgres:// or postgresql:// locker brings (the locker is memory:)',
    );
    const nats = await tscron(['run', file, '--locker', 'nats://127.0.0.1:4222', '--heartbeat', '1s']);
    expect(nats.code).toBe(2);
    expect(nats.stderr).toContain('--heartbeat needs a fleet');
    const off = await tscron([
      'run',
      file,
      '--locker',
      redisUrl,
      '--no-fleet',
      '--balance',
      '--heartbeat',
      '1s',
    ]);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('--balance and --heartbeat set up the fleet, which --no-fleet turns off');
    // Nothing listens on port 9: the heartbeat is judged before any connection.
    const short = await tscron(['run', file, '--locker', 'redis://127.0.0.1:9', '--heartbeat', '100ms']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(
      '--heartbeat 100ms: fleet balanceGrace (1000ms) must be shorter than 3 heartbeats (300ms)',
    );
    const bad = await tscron(['run', file, '--locker', 'redis://127.0.0.1:9', '--heartbeat', 'often']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--heartbeat often: .*"often"/);
  });

  it('warns that catchUpWithin needs a fleet when there is none', async () => {
    const catchUp = write(
      dir,
      'catch-up-memory.yaml',
      'jobs:\n  - { name: nightly, cron: "0 2 * * *", run: "true", catchUpWithin: 6h, missedRuns: all }\n',
    );
    const run = new Running(['run', catchUp]);
    await run.waitFor(/ready:/);
    expect(run.output).toContain('job nightly: catchUpWithin has no effect without a fleet');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
