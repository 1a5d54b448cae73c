import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CronFields, parseCron } from '../src/cron/parse.js';
import { parsePlainCron } from '../src/cron/parse-plain.js';

/** A blank field set, as the full parser starts from. */
function blank(): CronFields {
  return parseCron('@every 1s', false);
}

/**
 * The full parser's reading of `expression`. A tab between fields keeps the plain parser out (it
 * reads spaces only), and the full parser splits on any whitespace.
 */
function fullParse(expression: string, withSeconds: boolean): CronFields | 'error' {
  try {
    return parseCron(expression.trim().split(/ +/).join('\t'), withSeconds);
  } catch {
    return 'error';
  }
}

function plainParse(expression: string, withSeconds: boolean): CronFields | 'declined' {
  const fields = blank();
  fields.every = 0;
  return parsePlainCron(expression, withSeconds, fields) ? fields : 'declined';
}

/** Items made of the characters the plain parser reads, often valid, often not. */
const item = fc.oneof(
  fc.constantFrom('*', '*/5', '*/0', '0', '1', '7', '12', '23', '24', '29', '30', '31', '32', '59', '60'),
  fc.constantFrom('1-5', '5-1', '5-0', '0-7', '10-20/3', '5/15', '1-31/31', '00005', '0005', '-', '1-', '/2'),
  fc.constantFrom('1,2', ',1', '1,', '1,,2', '*/99', '3-3', '1-2-3', '1/2/3', '*5', '*-5'),
  fc.stringMatching(/^[0-9*,\-/]{1,6}$/),
);

const expression = fc
  .tuple(fc.array(item, { minLength: 4, maxLength: 7 }), fc.constantFrom(' ', '  '))
  .map(([items, gap]) => items.join(gap));

describe('the plain cron parser', () => {
  it('reads every plain expression as the full parser does, and declines exactly the invalid ones', () => {
    fc.assert(
      fc.property(expression, fc.boolean(), (text, withSeconds) => {
        const full = fullParse(text, withSeconds);
        const plain = plainParse(text, withSeconds);
        if (full === 'error') expect(plain).toBe('declined');
        else expect(plain).toEqual(full);
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['0 */15 9-17 * 1-5', false],
    ['30 0 12 1,15 */2 0', true],
    ['  5/20   *  * * 5-0  ', false],
    ['0 0 0 31 12 7', true],
  ])('agrees with the full parser on %j', (text, withSeconds) => {
    expect(plainParse(text, withSeconds)).toEqual(fullParse(text, withSeconds));
  });

  it.each([
    'TZ=UTC 0 9 * * *',
    '@daily',
    '0 9 ? * MON',
    '0 9 L * *',
    '0 9 * * 5#2',
    '0\t9 * * *',
    '0 9 * JAN *',
  ])('leaves %j to the full parser', (text) => {
    expect(plainParse(text, true)).toBe('declined');
  });
});
