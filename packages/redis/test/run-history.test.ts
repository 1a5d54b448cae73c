// RedisRunHistory against the machine's Redis, through each client of clients.ts: a run's final
// record replaces its first, newest start first, paging, retention by count and by age with bounded
// deletes, three writers at once, names and outputs stored as given. The probe is ioredis 5.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { isTscronError, type RunRecord } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { serviceAvailable } from '../../../test-support/services.js';
import { RedisRunHistory, type RedisRunHistoryOptions } from '../src/index.js';
import { type ClientFlavour, clients, type TestClient } from './clients.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);
const probe = up ? new Redis(url) : undefined;
afterAll(() => probe?.quit());

/** A record of `job` started at `startedMs`, with the fields a final record has. */
function runAt(job: string, startedMs: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    jobId: `id-${job}`,
    jobName: job,
    scheduledAt: new Date(startedMs - 3),
    startedAt: new Date(startedMs),
    endedAt: new Date(startedMs + 40),
    status: 'success',
    attempts: 1,
    replica: 'replica-a',
    ...overrides,
  };
}

/** A record of `job` started `ago` ms before now. */
const run = (job: string, ago: number, overrides: Partial<RunRecord> = {}) =>
  runAt(job, Date.now() - ago, overrides);

/** The records in the order a list must return them: newest start first. */
const newestFirst = (runs: RunRecord[]) =>
  [...runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());

describe.skipIf(!up).each(clients)('RedisRunHistory through $label', (flavour: ClientFlavour) => {
  const opened: TestClient[] = [];
  const prefixes: string[] = [];
  /** A history on a new connection; `prefix` shares the store of an earlier one. */
  const open = (options: Omit<RedisRunHistoryOptions, 'client'> = {}) => {
    const client = flavour.standalone({ url });
    opened.push(client);
    const keyPrefix = options.keyPrefix ?? `tscron-test:${process.pid}:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    return { history: new RedisRunHistory({ ...options, client: client.client, keyPrefix }), keyPrefix };
  };

  afterAll(async () => {
    for (const prefix of new Set(prefixes)) {
      const found = (await probe?.keys(`${prefix}*`)) ?? [];
      if (found.length > 0) await probe?.del(...found);
    }
    await Promise.all(opened.map((client) => client.quit()));
  });

  it('a run is one record: its final record replaces the running one, written in one turn or later', async () => {
    const { history } = open();
    const early = run('report', 5000, { status: 'running' });
    delete early.endedAt;
    delete early.attempts;
    await history.record(early);
    expect(await history.list({ jobName: 'report' })).toEqual([early]);
    const final = { ...early, status: 'fail' as const, endedAt: new Date(), error: 'boom', attempts: 3 };
    await history.record(final);
    expect(await history.list({ jobName: 'report' })).toEqual([final]);

    // Both records of a quick run in the same turn: the later one stays.
    const quick = run('report', 1000, { status: 'running' });
    await Promise.all([history.record(quick), history.record({ ...quick, status: 'skip' })]);
    expect((await history.list({ jobName: 'report' })).map((r) => r.status)).toEqual(['skip', 'fail']);

    // A running record that reaches Redis after its run's final one leaves the final one alone.
    const late = run('report', 500, { status: 'running' });
    await history.record({ ...late, status: 'success' });
    await history.record(late);
    expect((await history.list({ jobName: 'report', limit: 1 }))[0]?.status).toBe('success');

    // Another replica's run of the same occurrence, or another start, is another run.
    await history.record({ ...final, replica: 'replica-b' });
    await history.record({ ...final, startedAt: new Date(final.startedAt.getTime() + 1) });
    expect(await history.list({ jobName: 'report' })).toHaveLength(5);
  });

  it('dates come back to the millisecond and absent fields stay absent', async () => {
    const { history } = open();
    const bare: RunRecord = {
      jobId: 'j',
      jobName: 'bare',
      scheduledAt: new Date('1969-12-31T23:59:59.999Z'),
      startedAt: new Date(Date.now() - 1234),
      status: 'missed',
      replica: '',
    };
    await history.record(bare);
    const [back] = await history.list({ jobName: 'bare' });
    expect(back).toEqual(bare);
    expect(Object.keys(back as RunRecord).sort()).toEqual(
      ['jobId', 'jobName', 'replica', 'scheduledAt', 'startedAt', 'status'].sort(),
    );
    expect(back?.scheduledAt).toBeInstanceOf(Date);
    expect(back?.scheduledAt.getTime()).toBe(-1);
  });

  it('lists newest start first, pages back with before, filters by job, and across jobs', async () => {
    const { history } = open();
    const runs: RunRecord[] = [];
    for (let i = 0; i < 30; i++)
      runs.push(run(i % 3 === 0 ? 'alpha' : 'beta', 1000 + ((i * 7919) % 30) * 100));
    // Written in a scrambled order, half in one turn and half one by one.
    await Promise.all(runs.slice(0, 15).map((r) => history.record(r)));
    for (const r of runs.slice(15)) await history.record(r);

    expect(await history.list({})).toEqual(newestFirst(runs));
    expect(await history.list({ jobName: 'alpha' })).toEqual(
      newestFirst(runs.filter((r) => r.jobName === 'alpha')),
    );
    expect(await history.list({ jobName: 'nobody' })).toEqual([]);

    const pages: RunRecord[] = [];
    let before: Date | undefined;
    for (;;) {
      const page = await history.list({ jobName: 'beta', limit: 6, ...(before ? { before } : {}) });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(6);
      pages.push(...page);
      before = page.at(-1)?.startedAt;
    }
    expect(pages).toEqual(newestFirst(runs.filter((r) => r.jobName === 'beta')));
    expect(await history.list({ limit: 4 })).toEqual(newestFirst(runs).slice(0, 4));
  });

  it('keeps perJob runs per job, the oldest leaving first, in the store itself', async () => {
    const { history, keyPrefix } = open({ perJob: 5 });
    const runs = Array.from({ length: 12 }, (_, i) => run('counted', 20_000 - i * 100));
    for (const r of runs.slice(0, 6)) await history.record(r);
    await Promise.all(runs.slice(6).map((r) => history.record(r)));
    await history.record(run('other', 100));
    expect(await history.list({ jobName: 'counted' })).toEqual(newestFirst(runs).slice(0, 5));
    const keys = history.keys('counted');
    expect(await probe?.zcard(keys.job as string)).toBe(5);
    expect(await probe?.hlen(keys.runs)).toBe(6);
    expect(await probe?.zcard(keys.started)).toBe(6);
    expect(keys.runs.startsWith(keyPrefix)).toBe(true);
  });

  it('a lowered perJob is caught up with over later writes, each deleting a bounded number of runs', async () => {
    const { history, keyPrefix } = open({ perJob: 200 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => history.record(run('big', 50_000 - i))));
    const smaller = open({ keyPrefix, perJob: 10 }).history;
    const keys = smaller.keys('big');
    await smaller.record(run('big', 10));
    // One record written: at most 2 x 1 + 16 runs deleted.
    expect(await probe?.zcard(keys.job as string)).toBe(201 - 18);
    expect(await probe?.hlen(keys.runs)).toBe(201 - 18);
    for (let i = 0; i < 12; i++) await smaller.record(run('big', 5000 - i * 100));
    expect(await probe?.zcard(keys.job as string)).toBe(10);
    expect(await probe?.hlen(keys.runs)).toBe(10);
    expect(await smaller.list({ jobName: 'big' })).toHaveLength(10);
  });

  it('runs past maxAge are never listed and are deleted by later writes; a job index expires with its runs', async () => {
    const { history, keyPrefix } = open({ maxAge: '1m' });
    const old = [run('aged', 90_000), run('aged', 61_000), run('gone', 120_000)];
    const fresh = [run('aged', 59_000), run('aged', 1000)];
    for (const r of [...old, ...fresh]) await history.record(r);
    expect(await history.list({ jobName: 'aged' })).toEqual(newestFirst(fresh));
    expect(await history.list({})).toEqual(newestFirst(fresh));
    const keys = history.keys('aged');
    // The last write deleted every run past the age, of whichever job.
    expect(await probe?.hlen(keys.runs)).toBe(2);
    expect(await probe?.zcard(keys.started)).toBe(2);
    expect(await probe?.zcard(keys.job as string)).toBe(2);
    const left = (await probe?.pttl(keys.job as string)) ?? -1;
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    // A store with a shorter maxAge shows less of the same data at once, before any write.
    const shorter = open({ keyPrefix, maxAge: '30s' }).history;
    expect(await shorter.list({ jobName: 'aged' })).toEqual([fresh[1]]);
  });

  it('three writers on three connections at once lose nothing and mix nothing up', async () => {
    const first = open({ perJob: 1000 });
    const writers = [
      first.history,
      open({ keyPrefix: first.keyPrefix }).history,
      open({ keyPrefix: first.keyPrefix }).history,
    ];
    const written: RunRecord[] = [];
    const base = Date.now() - 100_000;
    await Promise.all(
      writers.map(async (history, w) => {
        for (let batch = 0; batch < 5; batch++) {
          const runs = Array.from({ length: 40 }, (_, i) =>
            runAt(`shared-${i % 4}`, base + w * 10_000 + batch * 100 + i, {
              replica: `replica-${w}`,
              jobId: `id-${i % 4}`,
            }),
          );
          // Each run's running record, then its final one a turn later.
          await Promise.all(runs.map((r) => history.record({ ...r, status: 'running' })));
          await Promise.all(runs.map((r) => history.record(r)));
          written.push(...runs);
        }
      }),
    );
    const all = await writers[1]!.list({ limit: 10_000 });
    expect(all).toHaveLength(600);
    expect(all).toEqual(newestFirst(written));
    expect(all.every((r) => r.status === 'success')).toBe(true);
    expect(await writers[2]!.list({ jobName: 'shared-3', limit: 10_000 })).toHaveLength(150);
  });

  it('stores job names as given: unicode, braces, quotes, 1000 characters', async () => {
    const { history } = open();
    const names = [
      'täglich: «bericht» 日本',
      '{slot}:*?[]',
      'it\'s "quoted"\n',
      '😀'.repeat(250),
      'x'.repeat(1000),
    ];
    const base = Date.now() - 1000;
    for (const [i, name] of names.entries()) await history.record(runAt(name, base - i));
    for (const name of names) {
      const found = await history.list({ jobName: name });
      expect(found.map((r) => r.jobName)).toEqual([name]);
    }
    expect((await history.list({})).map((r) => r.jobName)).toEqual(names);
  });

  it('keeps an 8 KB output whole, the tail of a longer one and the head of a long error', async () => {
    const { history } = open();
    const exact = 'é'.repeat(8192);
    const long = `${'a'.repeat(20_000)}${'😀'.repeat(4096)}`; // 8,192 UTF-16 units of emoji at the end
    const oddCut = `${'😀'.repeat(5000)}x`; // 10,001 units: the last 8,192 start with a pair's second half
    await history.record(run('out', 3000, { output: exact }));
    await history.record(run('out', 2000, { output: long, error: `E${'r'.repeat(10_000)}` }));
    await history.record(run('out', 1000, { output: oddCut }));
    const [odd, tailed, whole] = await history.list({ jobName: 'out' });
    expect(whole?.output).toBe(exact);
    expect(tailed?.output).toBe('😀'.repeat(4096));
    expect(tailed?.error).toBe(`E${'r'.repeat(8191)}`);
    // Half an emoji is not kept: 8,191 units.
    expect(odd?.output).toBe(`${'😀'.repeat(4095)}x`);
  });

  it('a failing server rejects record and list with ERR_LOCK_BACKEND_FAILED', async () => {
    const { history } = open();
    const keys = history.keys();
    await probe?.set(keys.started, 'not a sorted set');
    const failed = await rejection(history.record(run('broken', 10)));
    expect(isTscronError(failed, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
    expect(failed.message).toMatch(/^RedisRunHistory record failed: .*WRONGTYPE/);
    const listed = await rejection(history.list({}));
    expect(isTscronError(listed, 'ERR_LOCK_BACKEND_FAILED')).toBe(true);
  });
});
