// Bad options and bad requests throw the same TscronError codes whichever library and major the
// client comes from (the checks run before any I/O; the clients never connect).
import { isTscronError, type TscronErrorCode } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RedisElector,
  type RedisElectorOptions,
  RedisFleet,
  type RedisFleetOptions,
  RedisLocker,
  type RedisLockerOptions,
  RedisRunHistory,
  type RedisRunHistoryOptions,
} from '../src/index.js';
import { clients } from './clients.js';

/** The code of the TscronError `run` throws, or what it threw instead. */
function codeOf(run: () => unknown): TscronErrorCode | string {
  try {
    run();
  } catch (error) {
    return isTscronError(error) ? error.code : String(error);
  }
  return 'no error';
}

const lockerCases: Array<[string, Partial<RedisLockerOptions>, TscronErrorCode]> = [
  ['an unreadable ttl', { ttl: 'soon' }, 'ERR_INVALID_DURATION'],
  ['a ttl below 2ms', { ttl: 1 }, 'ERR_INVALID_OPTION'],
  ['a renewInterval not shorter than ttl', { ttl: '1s', renewInterval: '1s' }, 'ERR_INVALID_OPTION'],
  ['a negative minHold', { minHold: -1 }, 'ERR_INVALID_OPTION'],
  ['a zero acquireTimeout', { acquireTimeout: 0 }, 'ERR_INVALID_OPTION'],
  ['a keyPrefix with a brace', { keyPrefix: 'app{' }, 'ERR_INVALID_OPTION'],
];

const electorCases: Array<[string, Partial<RedisElectorOptions>, TscronErrorCode]> = [
  ['an empty name', { name: '' }, 'ERR_INVALID_OPTION'],
  ['an unreadable lease', { lease: 'long' }, 'ERR_INVALID_DURATION'],
  ['a retryPeriod not shorter than lease', { lease: '2s', retryPeriod: '2s' }, 'ERR_INVALID_OPTION'],
];

const fleetCases: Array<[string, Partial<RedisFleetOptions>, TscronErrorCode]> = [
  ['an unreadable heartbeat', { heartbeat: 'often' }, 'ERR_INVALID_DURATION'],
  ['a heartbeat below 10ms', { heartbeat: 5 }, 'ERR_INVALID_OPTION'],
  ['a balance that is no boolean', { balance: 'yes' as never }, 'ERR_INVALID_OPTION'],
  ['a balanceGrace of 3 heartbeats', { heartbeat: '1s', balanceGrace: '3s' }, 'ERR_INVALID_OPTION'],
  ['a negative balanceGrace', { balanceGrace: -1 }, 'ERR_INVALID_OPTION'],
  ['a keyPrefix with a brace', { keyPrefix: 'app}' }, 'ERR_INVALID_OPTION'],
  ['a keyPrefix that is no string', { keyPrefix: 7 as never }, 'ERR_INVALID_OPTION'],
];

const historyCases: Array<[string, Partial<RedisRunHistoryOptions>, TscronErrorCode]> = [
  ['a perJob of 0', { perJob: 0 }, 'ERR_INVALID_OPTION'],
  ['a fractional perJob', { perJob: 1.5 }, 'ERR_INVALID_OPTION'],
  ['a perJob that is no number', { perJob: '10' as never }, 'ERR_INVALID_OPTION'],
  ['an unreadable maxAge', { maxAge: '30d' }, 'ERR_INVALID_DURATION'],
  ['a maxAge of 0', { maxAge: 0 }, 'ERR_INVALID_OPTION'],
  ['a maxAge over 100 years', { maxAge: '900000h' }, 'ERR_INVALID_OPTION'],
  ['a keyPrefix with a brace', { keyPrefix: '{app' }, 'ERR_INVALID_OPTION'],
];

/** The code a promise rejects with, or what it did instead. */
const reason = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e) => (isTscronError(e) ? e.code : String(e)) as string,
  );

describe.each(clients)('options through $label', (flavour) => {
  const lazy = flavour.standalone({ lazy: true });
  const { client } = lazy;
  afterAll(() => lazy.disconnect());

  it.each(lockerCases)('RedisLocker rejects %s', (_what, options, code) => {
    expect(codeOf(() => new RedisLocker({ client, ...options }))).toBe(code);
  });

  it.each(electorCases)('RedisElector rejects %s', (_what, options, code) => {
    expect(codeOf(() => new RedisElector({ client, name: 'job', ...options }))).toBe(code);
  });

  it.each(fleetCases)('RedisFleet rejects %s', (_what, options, code) => {
    expect(codeOf(() => new RedisFleet({ client, ...options }))).toBe(code);
  });

  it.each(historyCases)('RedisRunHistory rejects %s', (_what, options, code) => {
    expect(codeOf(() => new RedisRunHistory({ client, ...options }))).toBe(code);
  });

  it('RedisFleet rejects bad names, dates and heartbeats before any I/O', async () => {
    const fleet = new RedisFleet({ client });
    const signal = new AbortController().signal;
    const beat = {
      replica: 'r',
      host: 'h',
      pid: 1,
      version: '1',
      startedAt: new Date(),
      clockOffsetMs: 0,
      ttlMs: 1000,
    };
    const bad = [
      fleet.pause(''),
      fleet.resume('x'.repeat(1001)),
      fleet.leave(''),
      fleet.recordCompleted('job', new Date(Number.NaN)),
      fleet.recordCompleted(7 as never, new Date()),
      fleet.lastCompleted(['ok', '']),
      fleet.lastCompleted('job' as never),
      fleet.heartbeat({ ...beat, replica: '' }, { signal }),
      fleet.heartbeat({ ...beat, ttlMs: 0 }, { signal }),
      fleet.heartbeat({ ...beat, clockOffsetMs: Number.NaN }, { signal }),
      fleet.heartbeat({ ...beat, startedAt: new Date(Number.NaN) }, { signal }),
    ];
    expect(await Promise.all(bad.map(reason))).toEqual(bad.map(() => 'ERR_INVALID_OPTION'));
    expect(await fleet.lastCompleted([])).toEqual(new Map());
    expect(lazy.opened()).toBe(false);
  });

  it('RedisRunHistory rejects bad records and queries before any I/O', async () => {
    const history = new RedisRunHistory({ client });
    const at = new Date();
    const run = {
      jobId: 'id',
      jobName: 'job',
      scheduledAt: at,
      startedAt: at,
      status: 'success',
      replica: 'r',
    } as const;
    const bad = [
      history.record({ ...run, jobName: '' }),
      history.record({ ...run, jobId: '' }),
      history.record({ ...run, status: 'done' as never }),
      history.record({ ...run, startedAt: new Date(Number.NaN) }),
      history.record({ ...run, scheduledAt: 'now' as never }),
      history.record({ ...run, endedAt: new Date(Number.NaN) }),
      history.record({ ...run, attempts: 1.5 }),
      history.record({ ...run, output: 42 as never }),
      history.record(null as never),
      history.list({ jobName: '' }),
      history.list({ limit: 0 }),
      history.list({ limit: 2.5 }),
      history.list({ before: new Date(Number.NaN) }),
      history.list(null as never),
    ];
    expect(await Promise.all(bad.map(reason))).toEqual(bad.map(() => 'ERR_INVALID_OPTION'));
    expect(lazy.opened()).toBe(false);
  });

  it('lock() rejects a bad key or occurrence before any I/O', async () => {
    const locker = new RedisLocker({ client });
    const signal = new AbortController().signal;
    const reason = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (e) => e.code as string,
      );
    expect(await reason(locker.lock('', { scheduledAt: new Date(), signal }))).toBe('ERR_LOCK_KEY_INVALID');
    expect(await reason(locker.lock('k'.repeat(256), { scheduledAt: new Date(), signal }))).toBe(
      'ERR_LOCK_KEY_INVALID',
    );
    expect(await reason(locker.lock('job', { scheduledAt: new Date(Number.NaN), signal }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(lazy.opened()).toBe(false);
  });

  it('lockBatch() rejects bad claims before any I/O', async () => {
    const locker = new RedisLocker({ client });
    const signal = new AbortController().signal;
    const at = new Date();
    const reason = (claims: unknown) =>
      locker.lockBatch(claims as [], { signal }).then(
        () => 'resolved',
        (e) => e.code as string,
      );
    expect(await reason('job')).toBe('ERR_INVALID_ARGUMENT');
    expect(await reason([{ key: '', scheduledAt: at }])).toBe('ERR_LOCK_KEY_INVALID');
    expect(await reason([{ key: 'job', scheduledAt: new Date(Number.NaN) }])).toBe('ERR_INVALID_ARGUMENT');
    expect(
      await reason([
        { key: 'job', scheduledAt: at },
        { key: 'job', scheduledAt: at },
      ]),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(await locker.lockBatch([], { signal })).toEqual([]);
    expect(lazy.opened()).toBe(false);
  });
});

describe('options without a client', () => {
  it('a missing or foreign client is ERR_INVALID_OPTION', () => {
    const foreign = { get: () => undefined } as unknown as RedisLockerOptions['client'];
    expect(codeOf(() => new RedisLocker({} as RedisLockerOptions))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new RedisLocker({ client: foreign }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new RedisElector({ client: foreign, name: 'job' }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new RedisFleet({ client: foreign }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new RedisRunHistory({} as RedisRunHistoryOptions))).toBe('ERR_INVALID_OPTION');
  });
});
