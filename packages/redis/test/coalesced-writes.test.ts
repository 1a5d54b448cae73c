// How many script calls the fleet and the run history cost, on a throwaway server whose calls are
// counted (INFO commandstats), through each client of clients.ts: a heartbeat is one, and the
// completions and records of one turn of the event loop share one (500 records a call at most).
import { Redis } from 'ioredis';
import { isTscronError, type RunRecord } from 'tscron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFleet, RedisRunHistory } from '../src/index.js';
import { readScript } from '../src/scripts.js';
import { clients, type TestClient } from './clients.js';
import {
  redisServerInstalled,
  scriptCalls,
  startThrowawayServer,
  type ThrowawayServer,
} from './throwaway-server.js';

const signal = new AbortController().signal;

function record(job: string, i: number): RunRecord {
  const startedAt = new Date(Date.UTC(2030, 0, 1) + i);
  return { jobId: job, jobName: job, scheduledAt: startedAt, startedAt, status: 'running', replica: 'r' };
}

describe.skipIf(!redisServerInstalled).each(clients)('server calls through $label', (flavour) => {
  let server: ThrowawayServer;
  let probe: Redis;
  let test: TestClient;

  beforeAll(async () => {
    server = await startThrowawayServer();
    probe = new Redis({ port: server.port });
    // Loaded up front, so that every count below is of EVALSHA calls alone (no NOSCRIPT retries).
    for (const file of [
      'command.lua',
      'fleet-heartbeat.lua',
      'fleet-completed.lua',
      'history-record.lua',
      'history-list.lua',
    ]) {
      await probe.script('LOAD', readScript(file));
    }
    test = flavour.standalone({ port: server.port });
  });

  afterAll(async () => {
    test?.disconnect();
    probe?.disconnect();
    await server?.stop();
  });

  /** The script calls `work` costs. */
  const cost = async (work: () => Promise<unknown>) => {
    const before = await scriptCalls(probe);
    await work();
    return (await scriptCalls(probe)) - before;
  };

  it('a heartbeat, a read of the replicas, a pause and a read of each are one call each', async () => {
    const fleet = new RedisFleet({ client: test.client });
    const beat = {
      replica: 'r',
      host: 'h',
      pid: 1,
      version: '1',
      startedAt: new Date(),
      clockOffsetMs: 0,
      ttlMs: 10_000,
    };
    expect(await cost(() => fleet.heartbeat(beat, { signal }))).toBe(1);
    expect(await cost(() => fleet.replicas())).toBe(1);
    expect(await cost(() => fleet.pause('job'))).toBe(1);
    expect(await cost(() => fleet.pausedJobs())).toBe(1);
    expect(await cost(() => fleet.lastCompleted(['a', 'b', 'c']))).toBe(1);
  });

  it('the completions of one turn are one call; of separate turns one each', async () => {
    const fleet = new RedisFleet({ client: test.client });
    const at = new Date();
    expect(
      await cost(() =>
        Promise.all(Array.from({ length: 50 }, (_, i) => fleet.recordCompleted(`job-${i % 7}`, at))),
      ),
    ).toBe(1);
    expect(
      await cost(async () => {
        await fleet.recordCompleted('a', at);
        await fleet.recordCompleted('b', at);
      }),
    ).toBe(2);
  });

  it('the records of one turn are one call per 500, sent together; a list is one call', async () => {
    const history = new RedisRunHistory({ client: test.client });
    expect(
      await cost(() =>
        Promise.all(Array.from({ length: 100 }, (_, i) => history.record(record(`j${i % 9}`, i)))),
      ),
    ).toBe(1);
    expect(
      await cost(() =>
        Promise.all(Array.from({ length: 1200 }, (_, i) => history.record(record(`k${i % 30}`, i)))),
      ),
    ).toBe(3);
    expect(await cost(() => history.list({ limit: 50 }))).toBe(1);
    expect(await cost(() => history.list({ jobName: 'k3', limit: 50 }))).toBe(1);
    expect(await history.list({ limit: 5000 })).toHaveLength(1300);
    await probe.flushdb();
  });

  it('while a batch is on its way the next gathers, and past 10,000 waiting records a record is dropped', async () => {
    const history = new RedisRunHistory({ client: test.client });
    const calls = await scriptCalls(probe);
    // The server runs no script until it is unpaused: the first batch stays on its way meanwhile.
    await probe.client('PAUSE', 20_000, 'WRITE');
    let dropped: unknown;
    const first = history.record(record('paused', 0));
    const later: Array<Promise<void>> = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let turn = 0; turn < 100; turn++) {
        for (let i = 0; i < 100; i++) later.push(history.record(record(`paused-${turn}`, i)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      dropped = await history.record(record('one-too-many', 0)).then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      await probe.client('UNPAUSE');
    }
    expect(isTscronError(dropped, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    expect((dropped as Error).message).toMatch(/10000 records are waiting for Redis already/);
    await Promise.all([first, ...later]);
    // The 10,000 that waited went as one batch: 20 calls of 500.
    expect((await scriptCalls(probe)) - calls).toBe(1 + 20);
    expect(await history.list({ limit: 20_000 })).toHaveLength(10_001);
    await probe.flushdb();
  });
});
