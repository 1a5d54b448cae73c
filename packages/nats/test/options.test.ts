// Bad options and bad lock requests throw the same TscronError codes as the Redis and PostgreSQL
// backends, before any I/O (the stand-in connection fails every call it gets).
import { isTscronError, type TscronErrorCode } from 'tscron';
import { describe, expect, it } from 'vitest';
import {
  type NatsConnection,
  NatsElector,
  type NatsElectorOptions,
  NatsLocker,
  type NatsLockerOptions,
} from '../src/index.js';

/** The code of the TscronError `run` throws, or what it threw instead. */
function codeOf(run: () => unknown): TscronErrorCode | string {
  try {
    run();
  } catch (error) {
    return isTscronError(error) ? error.code : String(error);
  }
  return 'no error';
}

/** A connection that records every call it gets and fails it. */
function untouched(): { client: NatsConnection; calls: string[] } {
  const calls: string[] = [];
  const fail = (name: string) => () => {
    calls.push(name);
    throw new Error(`${name} called`);
  };
  const client = {
    request: fail('request'),
    publish: fail('publish'),
    subscribe: fail('subscribe'),
  } as unknown as NatsConnection;
  return { client, calls };
}

const lockerCases: Array<[string, Partial<NatsLockerOptions>, TscronErrorCode]> = [
  ['an unreadable ttl', { ttl: 'soon' }, 'ERR_INVALID_DURATION'],
  ['a ttl below 2ms', { ttl: 1 }, 'ERR_INVALID_OPTION'],
  ['a renewInterval not shorter than ttl', { ttl: '1s', renewInterval: '1s' }, 'ERR_INVALID_OPTION'],
  ['a negative minHold', { minHold: -1 }, 'ERR_INVALID_OPTION'],
  ['a zero acquireTimeout', { acquireTimeout: 0 }, 'ERR_INVALID_OPTION'],
  ['a bucket name with a dot', { bucket: 'locks.app' }, 'ERR_INVALID_OPTION'],
  ['an empty bucket name', { bucket: '' }, 'ERR_INVALID_OPTION'],
];

const electorCases: Array<[string, Partial<NatsElectorOptions>, TscronErrorCode]> = [
  ['an empty name', { name: '' }, 'ERR_INVALID_OPTION'],
  ['a name over 255 characters', { name: 'n'.repeat(256) }, 'ERR_INVALID_OPTION'],
  ['an unreadable lease', { lease: 'long' }, 'ERR_INVALID_DURATION'],
  ['a retryPeriod not shorter than lease', { lease: '2s', retryPeriod: '2s' }, 'ERR_INVALID_OPTION'],
  ['a bucket name with a space', { bucket: 'my leaders' }, 'ERR_INVALID_OPTION'],
];

describe('options', () => {
  const { client, calls } = untouched();

  it.each(lockerCases)('NatsLocker rejects %s', (_what, options, code) => {
    expect(codeOf(() => new NatsLocker({ client, ...options }))).toBe(code);
  });

  it.each(electorCases)('NatsElector rejects %s', (_what, options, code) => {
    expect(codeOf(() => new NatsElector({ client, name: 'job', ...options }))).toBe(code);
  });

  it('a missing or foreign client is ERR_INVALID_OPTION', () => {
    const foreign = { get: () => undefined } as unknown as NatsConnection;
    expect(codeOf(() => new NatsLocker({} as NatsLockerOptions))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new NatsLocker({ client: foreign }))).toBe('ERR_INVALID_OPTION');
    expect(codeOf(() => new NatsElector({ client: foreign, name: 'job' }))).toBe('ERR_INVALID_OPTION');
  });

  it('lock() and lockBatch() reject bad keys, occurrences and claims before any I/O', async () => {
    const locker = new NatsLocker({ client });
    const signal = new AbortController().signal;
    const at = new Date();
    const reason = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (e) => e.code as string,
      );
    expect(await reason(locker.lock('', { scheduledAt: at, signal }))).toBe('ERR_LOCK_KEY_INVALID');
    expect(await reason(locker.lock('k'.repeat(256), { scheduledAt: at, signal }))).toBe(
      'ERR_LOCK_KEY_INVALID',
    );
    expect(await reason(locker.lock('job', { scheduledAt: new Date(Number.NaN), signal }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    const batch = (claims: unknown) => reason(locker.lockBatch(claims as [], { signal }));
    expect(await batch('job')).toBe('ERR_INVALID_ARGUMENT');
    expect(await batch([{ key: '', scheduledAt: at }])).toBe('ERR_LOCK_KEY_INVALID');
    expect(
      await batch([
        { key: 'job', scheduledAt: at },
        { key: 'job', scheduledAt: at },
      ]),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(await locker.lockBatch([], { signal })).toEqual([]);
    await locker.close();
    expect(calls).toEqual([]);
  });
});
