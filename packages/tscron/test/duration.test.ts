import { describe, expect, it } from 'vitest';
import { formatDuration, toMilliseconds } from '../src/duration.js';
import { isTscronError } from '../src/errors.js';

describe('Go-style durations', () => {
  it.each([
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5s', 1500],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['1h2m3s4ms', 3_723_004],
    ['500us', 0.5],
    ['1500000ns', 1.5],
    ['.5h', 1_800_000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(toMilliseconds(text)).toBe(ms);
  });

  it('passes finite numbers through', () => {
    expect(toMilliseconds(1234)).toBe(1234);
  });

  it.each(['', '5', '1x', 'h', '1h 30m', 'ms', '--1s', '1.2.3s'])('rejects %j naming it', (text) => {
    try {
      toMilliseconds(text, 'every');
      expect.unreachable();
    } catch (error) {
      expect(isTscronError(error, 'ERR_INVALID_DURATION')).toBe(true);
      expect((error as Error).message).toContain(`"${text}"`);
      expect((error as Error).message).toContain('every');
    }
  });

  it('rejects non-finite numbers and other types', () => {
    expect(() => toMilliseconds(Number.NaN)).toThrow(/NaN/);
    expect(() => toMilliseconds(Number.POSITIVE_INFINITY)).toThrow(/Infinity/);
    expect(() => toMilliseconds({} as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DURATION' }),
    );
  });

  it('formats like Go', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m0s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(-1500)).toBe('-1.5s');
    expect(formatDuration(0)).toBe('0s');
  });
});
