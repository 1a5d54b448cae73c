// Bad options and bad lock requests throw the same TscronError codes whichever library and major the
// client comes from (the checks run before any I/O; the clients never connect).
import { isTscronError, type TscronErrorCode } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RedisElector,
  type RedisElectorOptions,
  RedisLocker,
  type RedisLockerOptions,
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
  });
});
