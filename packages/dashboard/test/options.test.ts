// createDashboard's options: each bad one is ERR_INVALID_OPTION naming the option and the value.
import { createScheduler, isTscronError } from 'tscron';
import { describe, expect, it } from 'vitest';
import { createDashboard, type DashboardOptions } from '../src/index.js';

const scheduler = createScheduler();

function rejection(options: unknown): Error {
  try {
    createDashboard(options as DashboardOptions);
  } catch (error) {
    expect(isTscronError(error, 'ERR_INVALID_OPTION')).toBe(true);
    return error as Error;
  }
  throw new Error('createDashboard accepted the options');
}

describe('createDashboard options', () => {
  it.each([
    [undefined, 'options must be an object, got undefined'],
    [{}, 'scheduler must be'],
    [{ scheduler: [] }, 'got an array'],
    [{ scheduler: { jobs: 1 } }, 'got an object'],
    [{ scheduler, history: 'mem' }, 'history must be a RunHistory (record and list), got "mem"'],
    [{ scheduler, token: '' }, 'token must be'],
    [{ scheduler, token: 'has space' }, 'token must be'],
    [{ scheduler, token: 42 }, 'got 42'],
    [{ scheduler, readOnly: 'yes' }, 'readOnly must be a boolean, got "yes"'],
    [{ scheduler, basePath: 'cron' }, 'basePath must be a path starting with "/"'],
    [{ scheduler, basePath: '/cron?x=1' }, '"/cron?x=1"'],
    [{ scheduler, basePth: '/cron' }, 'unknown option "basePth"'],
  ])('refuses %j', (options, message) => {
    expect(rejection(options).message).toContain(message);
  });

  it('never prints the token in its messages', () => {
    expect(rejection({ scheduler, token: 'secret value' }).message).not.toContain('secret');
  });

  it('accepts a scheduler, an array of them, and every option', () => {
    expect(() => createDashboard({ scheduler })).not.toThrow();
    expect(() =>
      createDashboard({
        scheduler: [scheduler, createScheduler()],
        token: 't',
        readOnly: true,
        basePath: '/a/b/',
      }),
    ).not.toThrow();
  });
});
