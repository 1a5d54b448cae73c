// PostgresFleet beyond the contract: statements per call, the bounded sweep of expired replicas,
// names beyond a B-tree entry, concurrent completions, failures and options.
import pg from 'pg';
import { type Heartbeat, isTscronError } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { serviceAvailable, sparePort } from '../../../test-support/services.js';
import { type PgClient, PostgresFleet, type PostgresFleetOptions } from '../src/index.js';
import { adminPool, type Connection, fileSchema, url, viaPool } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const schema = fileSchema('fleet');
const admin = up ? adminPool(schema) : undefined;
const connections: Connection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.end()));
  await admin?.end();
});
const signal = new AbortController().signal;

let tables = 0;
/** A fleet on tables of its own, through a pool whose statements are counted. */
async function fleet(options: Partial<PostgresFleetOptions> = {}) {
  const connection = await viaPool('tscron-fleet-test');
  connections.push(connection);
  const inner = connection.client as pg.Pool;
  const counted = {
    statements: 0,
    totalCount: 0,
    connect: () => inner.connect(),
    query: (text: string, values?: unknown[]) => {
      counted.statements++;
      return inner.query(text, values);
    },
  };
  const table = options.table ?? `fleet_${++tables}`;
  const made = new PostgresFleet({ client: counted as PgClient, schema, table, ...options });
  await made.migrate();
  counted.statements = 0;
  return { fleet: made, counted, table };
}

function beat(replica: string, overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    replica,
    host: 'host-1',
    pid: 4_000_000_123, // above 2^31: Windows pids are 32-bit unsigned
    version: '1.2.3',
    startedAt: new Date('2026-05-06T07:08:09.123Z'),
    clockOffsetMs: -12.625,
    ttlMs: 15_000,
    ...overrides,
  };
}

describe.skipIf(!up)('PostgresFleet', () => {
  it('each call is one statement; completions made in one turn share one', async () => {
    const { fleet: f, counted } = await fleet();
    const state = await f.heartbeat(beat('a'), { signal });
    expect(counted.statements).toBe(1);
    expect(state.replicas[0]).toMatchObject({ pid: 4_000_000_123, clockOffsetMs: -12.625 });
    for (const call of [
      () => f.pause('p'),
      () => f.resume('p'),
      () => f.pausedJobs(),
      () => f.replicas(),
      () => f.leave('a'),
      () => f.lastCompleted(['x', 'y']),
    ]) {
      counted.statements = 0;
      await call();
      expect(counted.statements).toBe(1);
    }
    counted.statements = 0;
    const at = Date.parse('2026-06-01T00:00:00Z');
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => f.recordCompleted(`job-${i % 30}`, new Date(at + i * 1000))),
    );
    expect(counted.statements).toBe(1);
    const found = await f.lastCompleted(['job-0', 'job-29']);
    expect(found.get('job-0')?.getTime()).toBe(at + 270_000);
    expect(found.get('job-29')?.getTime()).toBe(at + 299_000);
  });

  it('a heartbeat deletes at most 100 expired replicas, never itself, and lists none of them', async () => {
    const { fleet: f, table } = await fleet();
    await f.heartbeat(beat('me', { ttlMs: 60_000 }), { signal });
    await admin!.pool.query(
      `INSERT INTO "${schema}"."${table}_replicas" (id, host, pid, version, started_at, last_seen, expires_at, clock_offset_ms)
       SELECT 'dead-' || i, 'h', i, 'v', now(), now() - interval '1 minute', now() - interval '1 second', 0
       FROM generate_series(1, 250) AS i`,
    );
    const rows = async () =>
      (await admin!.pool.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}_replicas"`)).rows[0].n;
    expect(await rows()).toBe(251);
    for (const left of [151, 51, 1, 1]) {
      const state = await f.heartbeat(beat('me', { ttlMs: 60_000 }), { signal });
      expect(state.replicas.map((r) => r.id)).toEqual(['me']);
      expect(await rows()).toBe(left);
    }
    // An expired replica that beats again is back, with its new data.
    await f.heartbeat(beat('me', { ttlMs: 1 }), { signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await f.replicas()).toEqual([]);
    const back = await f.heartbeat(beat('me', { version: '2.0.0' }), { signal });
    expect(back.replicas.map((r) => [r.id, r.version])).toEqual([['me', '2.0.0']]);
  });

  it('pauses and completes jobs whose names take 3,000 bytes, beyond one B-tree entry', async () => {
    const { fleet: f } = await fleet();
    const names = [0, 1].map((n) =>
      Array.from({ length: 1000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919 + n) % 20000))).join(
        '',
      ),
    );
    for (const name of names) {
      await f.pause(name);
      await f.recordCompleted(name, new Date(1_000_000));
    }
    expect(await f.pausedJobs()).toEqual([...names].sort());
    expect((await f.lastCompleted(names)).size).toBe(2);
    await f.resume(names[0]!);
    expect(await f.pausedJobs()).toEqual([names[1]]);
  });

  it('three replicas recording completions of the same jobs at once, in opposite orders, keep each latest', async () => {
    const { table } = await fleet();
    const replicas = await Promise.all([0, 1, 2].map(() => fleet({ table })));
    const at = Date.parse('2026-07-01T00:00:00Z');
    const jobs = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    await Promise.all(
      replicas.map(({ fleet: f }, r) =>
        Promise.all(
          (r % 2 === 0 ? jobs : [...jobs].reverse()).map((job, i) =>
            f.recordCompleted(job, new Date(at + r * 1000 + i)),
          ),
        ),
      ),
    );
    const found = await replicas[0]!.fleet.lastCompleted(jobs);
    expect(found.get('job-0')?.getTime()).toBe(at + 2000);
    expect(found.get('job-49')?.getTime()).toBe(at + 2049);
    // Older occurrences finishing late change nothing.
    await replicas[1]!.fleet.recordCompleted('job-0', new Date(at));
    expect((await replicas[2]!.fleet.lastCompleted(['job-0'])).get('job-0')?.getTime()).toBe(at + 2000);
  });

  it('refuses job names holding U+0000 with ERR_INVALID_OPTION, before any I/O', async () => {
    const { fleet: f, counted } = await fleet();
    for (const call of [
      () => f.pause('a\u0000b'),
      () => f.recordCompleted('a\u0000b', new Date()),
      () => f.lastCompleted(['ok', 'a\u0000b']),
    ]) {
      const error = await rejection(call());
      expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(error.message).toMatch(/U\+0000/);
    }
    expect(counted.statements).toBe(0);
  });

  it('a heartbeat rejects with the reason of an aborted signal', async () => {
    const { fleet: f } = await fleet();
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    await expect(f.heartbeat(beat('a'), { signal: controller.signal })).rejects.toThrow('stopping');
  });
});

describe('PostgresFleet and a dead server', () => {
  it('rejects every call with ERR_LOCK_BACKEND_FAILED, the pg error as cause', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await sparePort(), user: 'nobody' });
    pool.on('error', () => undefined);
    try {
      const f = new PostgresFleet({ client: pool });
      for (const call of [
        () => f.heartbeat(beat('a'), { signal }),
        () => f.pause('job'),
        () => f.recordCompleted('job', new Date()),
      ]) {
        const error = await rejection(call());
        expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
        expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      }
    } finally {
      await pool.end();
    }
  });
});

describe('PostgresFleet options', () => {
  const client = { query: async () => ({ rows: [], rowCount: 0 }) };
  it.each([
    [{ heartbeat: '5ms' }, /heartbeat: must be at least 10ms/],
    [{ heartbeat: 'often' }, /heartbeat/],
    [{ balance: 'yes' as never }, /balance: must be a boolean, got "yes"/],
    [{ heartbeat: '1s', balanceGrace: '3s' }, /balanceGrace \(3000ms\) must be shorter than 3 heartbeats/],
    [{ table: '' }, /table: must be 1 to 49 bytes/],
    [{ table: 'é'.repeat(25) }, /table: must be 1 to 49 bytes/],
    [{ schema: 42 as never }, /schema: must be 1 to 63 bytes without NUL, got 42/],
  ])('%o is refused', (options, message) => {
    let error: unknown;
    try {
      new PostgresFleet({ client, ...options });
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).toMatch(message);
    expect(isTscronError(error, 'ERR_INVALID_OPTION') || isTscronError(error, 'ERR_INVALID_DURATION')).toBe(
      true,
    );
  });

  it('wants a client, and reads its settings', () => {
    expect(() => new PostgresFleet({} as never)).toThrow(/client/);
    expect(new PostgresFleet({ client }).settings).toEqual({
      heartbeatInterval: 5000,
      balance: false,
      balanceGrace: 1000,
    });
    expect(new PostgresFleet({ client, heartbeat: '2s', balance: true, balanceGrace: 500 }).settings).toEqual(
      {
        heartbeatInterval: 2000,
        balance: true,
        balanceGrace: 500,
      },
    );
  });
});
