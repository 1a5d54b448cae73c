// PostgresRunHistory against the real server: replacing a run's record, order, paging, retention by
// count and by age, concurrent writers, odd names and large outputs, statements per batch.
import pg from 'pg';
import { isTscronError, type RunRecord } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { type PgClient, PostgresRunHistory, type PostgresRunHistoryOptions } from '../src/index.js';
import { adminPool, type Connect, type Connection, fileSchema, url, viaClient, viaPool } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const schema = fileSchema('history');
const oddSchema = `${fileSchema('history')} "odd" schema`;
const admin = up ? adminPool(schema, oddSchema) : undefined;
const connections: Connection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.end()));
  await admin?.end();
});

let tables = 0;
/** A history on a table of its own, through a new connection. */
async function history(
  connect: Connect,
  options: Partial<PostgresRunHistoryOptions> = {},
): Promise<PostgresRunHistory & { table: string; client: PgClient }> {
  const connection = await connect('tscron-history-test');
  connections.push(connection);
  const table = options.table ?? `runs_${++tables}`;
  const made = new PostgresRunHistory({ client: connection.client, schema, table, ...options });
  return Object.assign(made, { table, client: connection.client });
}

/** Another history object on the same table, through its own pool (another replica). */
async function replicaOf(h: { table: string }, options: Partial<PostgresRunHistoryOptions> = {}) {
  return history(viaPool, { table: h.table, ...options });
}

const now = Date.now();
/** A record of a run of `jobName` started `ago` ms before the test began, still running. */
function running(jobName: string, ago: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    jobId: `id-${jobName}`,
    jobName,
    scheduledAt: new Date(now - ago - 7),
    startedAt: new Date(now - ago),
    status: 'running',
    replica: 'replica-a',
    ...overrides,
  };
}

/** The same run, ended. */
function ended(run: RunRecord, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    ...run,
    endedAt: new Date(run.startedAt.getTime() + 42),
    status: 'success',
    attempts: 1,
    ...overrides,
  };
}

async function rowCount(h: { table: string }, jobName?: string): Promise<number> {
  const where = jobName === undefined ? '' : 'WHERE job_name = $1';
  const { rows } = await admin!.pool.query(
    `SELECT count(*)::int AS n FROM "${schema}"."${h.table}" ${where}`,
    jobName === undefined ? [] : [jobName],
  );
  return rows[0].n;
}

const starts = (runs: RunRecord[]) => runs.map((r) => now - r.startedAt.getTime());

/** The cases every connection kind runs. */
function basics(connect: Connect): void {
  it('a run recorded when it starts and again when it ends is one row: the final one, exact to the ms', async () => {
    const h = await history(connect);
    const start = running('backup', 5000, { scheduledAt: new Date(now - 5003) });
    await h.record(start);
    expect(await h.list({ jobName: 'backup' })).toEqual([start]);
    const done = ended(start, { status: 'fail', error: 'disk full', attempts: 3, output: 'copied 1\n' });
    await h.record(done);
    const [stored, ...rest] = await h.list({ jobName: 'backup' });
    expect(rest).toEqual([]);
    expect(stored).toEqual(done);
    expect(stored!.startedAt.getTime()).toBe(now - 5000);
    expect(stored!.scheduledAt.getTime()).toBe(now - 5003);
    expect(stored!.endedAt!.getTime()).toBe(now - 5000 + 42);
    expect(await rowCount(h)).toBe(1);
  });

  it('optional fields are absent when the record has none', async () => {
    const h = await history(connect);
    await h.record(running('plain', 100));
    const [stored] = await h.list({});
    expect(Object.keys(stored!).sort()).toEqual(
      ['jobId', 'jobName', 'replica', 'scheduledAt', 'startedAt', 'status'].sort(),
    );
  });

  it('records arriving in one turn go in one statement, and a run started and ended in it is one row', async () => {
    const counted = counting(await connect('tscron-history-count'));
    const table = `runs_${++tables}`;
    const h = new PostgresRunHistory({ client: counted, schema, table });
    await h.migrate();
    counted.statements = 0;
    const runs = Array.from({ length: 100 }, (_, i) => running(`job-${i % 10}`, 10_000 - i * 10));
    const both = [...runs, ended(runs[0]!), ended(runs[1]!)];
    await Promise.all(both.map((run) => h.record(run)));
    expect(counted.statements).toBe(1);
    expect(await rowCount({ table })).toBe(100);
    const first = await h.list({ jobName: 'job-0', before: new Date(now - 9999) });
    expect(first[0]).toEqual(ended(runs[0]!));
  });

  it('lists newest start first, of one job or of all, and pages back with before', async () => {
    const h = await history(connect);
    // Recorded out of start order, several jobs interleaved.
    const agos = [50, 10, 40, 20, 30, 70, 60];
    for (const [i, ago] of agos.entries()) await h.record(running(i % 2 === 0 ? 'even' : 'odd', ago));
    expect(starts(await h.list({}))).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(starts(await h.list({ jobName: 'even' }))).toEqual([30, 40, 50, 60]);
    expect(starts(await h.list({ jobName: 'odd' }))).toEqual([10, 20, 70]);
    expect(await h.list({ jobName: 'nobody' })).toEqual([]);
    const page1 = await h.list({ limit: 3 });
    const page2 = await h.list({ limit: 3, before: page1.at(-1)!.startedAt });
    const page3 = await h.list({ limit: 3, before: page2.at(-1)!.startedAt });
    expect([page1, page2, page3].map(starts)).toEqual([[10, 20, 30], [40, 50, 60], [70]]);
    const evenPage = await h.list({ jobName: 'even', limit: 2, before: new Date(now - 30) });
    expect(starts(evenPage)).toEqual([40, 50]);
    expect(await h.list({ limit: 0 })).toEqual([]);
  });
}

/** A connection whose statements are counted. */
function counting(connection: Connection): PgClient & { statements: number; trims: number } {
  connections.push(connection);
  const inner = connection.client;
  const counted = {
    statements: 0,
    trims: 0,
    query: (text: string, values?: unknown[]) => {
      counted.statements++;
      if (Array.isArray(values?.[11]) && (values[11] as unknown[]).length > 0) counted.trims++;
      return inner.query(text, values);
    },
  };
  // A Pool is recognised by these; keep them so that migrations check out a connection.
  if ('totalCount' in inner)
    Object.assign(counted, { totalCount: 0, connect: () => (inner as pg.Pool).connect() });
  return counted;
}

describe.skipIf(!up)('PostgresRunHistory through a pool', () => basics(viaPool));
describe.skipIf(!up)('PostgresRunHistory through a client', () => basics(viaClient));

describe.skipIf(!up)('PostgresRunHistory', () => {
  it('close() waits for the records handed over so far', async () => {
    const h = await history(viaPool);
    const runs = Array.from({ length: 50 }, (_, i) => ended(running(`closing-${i}`, 1000 + i)));
    for (const run of runs) void h.record(run);
    await h.close();
    expect(await rowCount(h)).toBe(50);
    await h.close();
  });

  it('never replaces a final record with a running one that arrives late', async () => {
    const h = await history(viaPool);
    const start = running('late', 300);
    await h.record(ended(start));
    await h.record(start);
    expect(await h.list({ jobName: 'late' })).toEqual([ended(start)]);
    // Both in one turn, final first.
    const next = running('late', 200);
    await Promise.all([h.record(ended(next)), h.record(next)]);
    expect((await h.list({ jobName: 'late', limit: 1 }))[0]).toEqual(ended(next));
  });

  it('keeps the newest perJob runs of each job, whatever the turns they arrive in', async () => {
    const h = await history(viaPool, { perJob: 5 });
    for (let i = 0; i < 12; i++) {
      const run = running('counted', 10_000 - i * 100);
      await h.record(run);
      await h.record(ended(run));
    }
    await h.record(running('other', 50));
    expect(await rowCount(h, 'counted')).toBe(5);
    expect(starts(await h.list({ jobName: 'counted' }))).toEqual([8900, 9000, 9100, 9200, 9300]);
    // A burst of one job larger than perJob in one turn.
    await Promise.all(Array.from({ length: 9 }, (_, i) => h.record(running('burst', 5000 - i))));
    expect(starts(await h.list({ jobName: 'burst' }))).toEqual([4992, 4993, 4994, 4995, 4996]);
    expect(await rowCount(h, 'other')).toBe(1);
  });

  it('deletes runs older than maxAge on later writes, by the server clock', async () => {
    const h = await history(viaPool, { maxAge: '1h' });
    await h.record(running('aged', 2 * 3_600_000));
    await h.record(running('aged', 3_500_000));
    expect(await rowCount(h)).toBe(1); // the first write could not delete its own row; the second did
    expect(starts(await h.list({ jobName: 'aged' }))).toEqual([3_500_000]);
  });

  it('three replicas writing at once through their own pools keep every run, then the count', async () => {
    const a = await history(viaPool, { perJob: 20 });
    const [b, c] = [await replicaOf(a, { perJob: 20 }), await replicaOf(a, { perJob: 20 })];
    const writers = [a, b, c];
    await Promise.all(writers.map((w) => w.migrate()));
    const runsOf = (w: number) =>
      Array.from({ length: 18 }, (_, i) =>
        running(`shared-${i % 3}`, 100_000 - i * 100, { replica: `replica-${w}`, jobId: `id-${w}-${i % 3}` }),
      );
    await Promise.all(
      writers.map(async (writer, w) => {
        for (const run of runsOf(w)) {
          await writer.record(run);
          await writer.record(ended(run));
        }
      }),
    );
    // 54 runs of 3 jobs, 18 each: under perJob, all kept, every one final.
    const all = await a.list({ limit: 1000 });
    expect(all.length).toBe(54);
    expect(all.every((run) => run.status === 'success')).toBe(true);
    // Now every writer adds 10 runs of one job at once (48 of it all told, perJob 20).
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < 10; i++) await writer.record(running('shared-0', 50_000 - i * 10 - w));
      }),
    );
    // Writers racing may each skip a row another holds, leaving a few extra until the next trim.
    const raced = await rowCount(a, 'shared-0');
    expect(raced).toBeGreaterThanOrEqual(20);
    expect(raced).toBeLessThanOrEqual(22);
    await a.record(running('shared-0', 1000));
    expect(await rowCount(a, 'shared-0')).toBe(20);
    expect(await rowCount(a)).toBe(56);
  });

  it('with a larger perJob, trims each job once per perJob / 20 new runs, to exactly perJob', async () => {
    const counted = counting(await viaPool('tscron-history-trim'));
    const table = `runs_${++tables}`;
    const h = new PostgresRunHistory({ client: counted, schema, table, perJob: 100 });
    const trims = () => counted.trims;
    for (let i = 0; i < 160; i++) {
      await h.record(running('many', 100_000 - i * 10));
      const rows = await rowCount({ table }, 'many');
      expect(rows).toBeLessThanOrEqual(104); // every 5 new runs: at most 4 too many
      if (i >= 99) expect(rows).toBeGreaterThanOrEqual(100);
    }
    // One write in 5 trims (the first after 1 to 5 writes, by the random start), not every write.
    expect(trims()).toBeGreaterThanOrEqual(31);
    expect(trims()).toBeLessThanOrEqual(32);
    await Promise.all(Array.from({ length: 5 }, (_, i) => h.record(running('many', 500 - i))));
    expect(await rowCount({ table }, 'many')).toBe(100); // 5 runs in one write: that write trims
  });

  it('stores names as given (unicode, quotes, 1,000 characters) and U+0000 as U+FFFD', async () => {
    const h = await history(viaPool);
    const cjk = Array.from({ length: 1000 }, (_, i) =>
      String.fromCodePoint(0x4e00 + ((i * 7919) % 20000)),
    ).join('');
    const names = ['täglich: «bericht» 📦', `it's "quoted"\\`, cjk, '{slot}:*?[]%_'];
    for (const [i, name] of names.entries()) {
      await h.record(running(name, 1000 + i, { replica: `réplica ${name.slice(0, 5)}`, error: `${name}!` }));
    }
    for (const [i, name] of names.entries()) {
      const [found] = await h.list({ jobName: name });
      expect(found).toEqual(
        running(name, 1000 + i, { replica: `réplica ${name.slice(0, 5)}`, error: `${name}!` }),
      );
    }
    await h.record(running('nul\u0000name', 10, { output: 'a\u0000b' }));
    const [stored] = await h.list({ jobName: 'nul\u0000name' });
    expect(stored!.jobName).toBe('nul\uFFFDname');
    expect(stored!.output).toBe('a\uFFFDb');
  });

  it('keeps an output of 8 KB as it is, the last 8 KB of a longer one, the first 8 KB of an error', async () => {
    const h = await history(viaPool);
    const full = Array.from({ length: 8192 }, (_, i) => (i % 3 === 0 ? 'é' : i % 3 === 1 ? '€' : 'x')).join(
      '',
    );
    const run = running('loud', 100);
    await h.record(ended(run, { output: full }));
    expect((await h.list({ jobName: 'loud' }))[0]!.output).toBe(full);
    const longer = `${'head-'.repeat(1000)}${full}`;
    await h.record(ended(running('louder', 100), { output: longer }));
    expect((await h.list({ jobName: 'louder' }))[0]!.output).toBe(full);
    await h.record(ended(running('failed', 100), { status: 'fail', error: `${full}-tail` }));
    expect((await h.list({ jobName: 'failed' }))[0]!.error).toBe(full); // an error keeps its first 8 KB
  });

  it('works in a schema and table of any name', async () => {
    const connection = await viaPool('tscron-history-odd');
    connections.push(connection);
    const h = new PostgresRunHistory({ client: connection.client, schema: oddSchema, table: 'my "runs" ✓' });
    await h.record(running('odd', 10));
    expect(starts(await h.list({ jobName: 'odd' }))).toEqual([10]);
    const { rows } = await admin!.pool.query(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
      [oddSchema],
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'my "runs" ✓_by_job',
      'my "runs" ✓_by_start',
      'my "runs" ✓_migrations_pkey',
    ]);
  });

  it('bounds what waits for a blocked server: beyond 10,000 records it drops at once, then catches up', async () => {
    const h = await history(viaPool);
    await h.migrate();
    const blocker = await admin!.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}"."${h.table}" IN ACCESS EXCLUSIVE MODE`);
      const written = Array.from({ length: 10_000 }, (_, i) => h.record(running('flood', 100_000 - i)));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the first batch is on its way
      const overflow = Array.from({ length: 501 }, (_, i) => h.record(running('flood', 1000 - i)));
      const dropped = await rejection(overflow.at(-1)!);
      expect(isTscronError(dropped, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
      expect(dropped.message).toMatch(/10000 records are waiting/);
      await blocker.query('COMMIT');
      await Promise.all(written);
      await Promise.all(overflow.slice(0, -1));
    } finally {
      blocker.release();
    }
    expect(await rowCount(h, 'flood')).toBe(1000);
  }, 30_000);

  it('rejects a record or query it cannot store with ERR_INVALID_OPTION, and a dead server with ERR_LOCK_BACKEND_FAILED', async () => {
    const h = await history(viaPool);
    const bad: Array<[Partial<RunRecord>, RegExp]> = [
      [{ startedAt: new Date(Number.NaN) }, /startedAt must be a valid Date/],
      [{ endedAt: 'yesterday' as never }, /endedAt/],
      [{ status: 'done' as never }, /status must be running \| success/],
      [{ attempts: 1.5 }, /attempts/],
      [{ jobName: undefined as never }, /jobName must be a string/],
    ];
    for (const [override, message] of bad) {
      const error = await rejection(h.record(running('x', 1, override)));
      expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect(error.message).toMatch(message);
    }
    await expect(h.list({ limit: -1 })).rejects.toThrow(/limit must be an integer >= 0, got -1/);
    await expect(h.list({ before: new Date(Number.NaN) })).rejects.toThrow(/before must be a valid Date/);
    await expect(h.list({ jobName: 5 as never })).rejects.toThrow(/jobName must be a string, got 5/);
    const dead = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'nobody' });
    dead.on('error', () => undefined);
    try {
      const error = await rejection(new PostgresRunHistory({ client: dead }).record(running('x', 1)));
      expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    } finally {
      await dead.end();
    }
  });
});

describe('PostgresRunHistory options', () => {
  const client = { query: async () => ({ rows: [], rowCount: 0 }) };
  it.each([
    [{ perJob: 0 }, /perJob: must be an integer from 1/],
    [{ perJob: 2.5 }, /perJob.*got 2\.5/],
    [{ perJob: '10' as never }, /perJob.*got "10"/],
    [{ maxAge: 'a month' }, /maxAge/],
    [{ maxAge: 0 }, /maxAge: must be at least 1ms/],
    [{ maxAge: '876601h' }, /maxAge: must be at most 100 years \(876600h\), got "876601h"/],
    [{ table: '' }, /table: must be 1 to 52 bytes/],
    [{ table: 'x'.repeat(53) }, /table: must be 1 to 52 bytes/],
    [{ schema: 'a\u0000b' }, /schema: must be 1 to 63 bytes without NUL/],
  ])('%o is refused', (options, message) => {
    expect(() => new PostgresRunHistory({ client, ...options })).toThrow(message);
    try {
      new PostgresRunHistory({ client, ...options });
    } catch (error) {
      expect(isTscronError(error, 'ERR_INVALID_OPTION') || isTscronError(error, 'ERR_INVALID_DURATION')).toBe(
        true,
      );
    }
  });

  it('wants a client', () => {
    expect(() => new PostgresRunHistory({} as never)).toThrow(/client/);
  });
});
