import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isTscronError, TscronError } from '../src/errors.js';

describe('TscronError', () => {
  it('carries a stable code, a message and a cause', () => {
    const cause = new Error('root');
    const error = new TscronError('ERR_JOB_NOT_FOUND', 'job "x" not found', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TscronError');
    expect(error.code).toBe('ERR_JOB_NOT_FOUND');
    expect(error.cause).toBe(cause);
  });

  it('is recognised across copies of the library by its brand', () => {
    const foreign = Object.assign(new Error('from another realm'), { code: 'ERR_JOB_NOT_FOUND' });
    Object.defineProperty(foreign, Symbol.for('tscron.error'), { value: true });
    expect(isTscronError(foreign)).toBe(true);
    expect(isTscronError(foreign, 'ERR_JOB_NOT_FOUND')).toBe(true);
    expect(isTscronError(foreign, 'ERR_CRON_JOB_PARSE')).toBe(false);
    expect(isTscronError(new Error('plain'))).toBe(false);
    expect(isTscronError('ERR_JOB_NOT_FOUND')).toBe(false);
    expect(isTscronError(null)).toBe(false);
  });

  it('lists every code API.md names', () => {
    for (const code of [
      'ERR_CRON_JOB_PARSE',
      'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST',
      'ERR_WITH_IDENTIFIER_NIL',
      'ERR_INVALID_TIME_ZONE',
      'ERR_INVALID_DURATION',
      'ERR_JOB_NAME_REQUIRED',
      'ERR_SCHEDULER_SHUT_DOWN',
      'ERR_NOT_DETERMINISTIC',
    ]) {
      expect(ERROR_CODES).toContain(code);
    }
  });
});
