import { describe, expect, it } from 'vitest';
import { compileCron } from '../src/cron/compile.js';
import { getTimeZone } from '../src/zone/time-zone.js';

/**
 * The first `expected.length` runs after `from` in `zone`. Instants are written as local times with
 * their offset (`2026-03-08T03:30-04:00`), so each line reads as what a user in that zone sees.
 */
function check(
  zone: string,
  expression: string,
  from: string,
  expected: string[],
  options: { policy?: 'shift' | 'skip'; withSeconds?: boolean } = {},
): void {
  const compiled = compileCron(expression, options.withSeconds ?? false);
  const timeZone = getTimeZone(zone);
  let at = Date.parse(from);
  const got: number[] = [];
  for (let i = 0; i < expected.length; i++) {
    const next = compiled.next(at, timeZone, options.policy ?? 'shift', at);
    if (next === undefined) break;
    got.push(next);
    at = next;
  }
  expect(got.map((instant) => new Date(instant).toISOString())).toEqual(
    expected.map((text) => new Date(Date.parse(text)).toISOString()),
  );
}

type Row = [expression: string, from: string, expected: string[], policy?: 'shift' | 'skip'];

const table: Record<string, Row[]> = {
  // 2026: spring forward Mar 8 02:00 EST -> 03:00 EDT; fall back Nov 1 02:00 EDT -> 01:00 EST.
  'America/New_York': [
    ['30 2 * * *', '2026-03-07T12:00-05:00', ['2026-03-08T03:30-04:00', '2026-03-09T02:30-04:00']],
    ['30 2 * * *', '2026-03-07T12:00-05:00', ['2026-03-09T02:30-04:00'], 'skip'],
    ['30 2 * * *', '2026-03-08T01:59-05:00', ['2026-03-08T03:30-04:00']],
    // Inside the hour after the gap, the shifted 02:30 is still ahead: it runs.
    ['30 2 * * *', '2026-03-08T03:10-04:00', ['2026-03-08T03:30-04:00', '2026-03-09T02:30-04:00']],
    ['30 2 * * *', '2026-03-08T03:30-04:00', ['2026-03-09T02:30-04:00']],
    ['0 2 * * *', '2026-03-08T00:00-05:00', ['2026-03-08T03:00-04:00']],
    // 02:10 and 03:10 land on the same instant on the gap day: one run.
    [
      '10,50 2-3 * * *',
      '2026-03-08T00:00-05:00',
      ['2026-03-08T03:10-04:00', '2026-03-08T03:50-04:00', '2026-03-09T02:10-04:00'],
    ],
    ['59 1 * * *', '2026-03-08T00:00-05:00', ['2026-03-08T01:59-05:00', '2026-03-09T01:59-04:00']],
    ['0 3 * * *', '2026-03-08T01:59-05:00', ['2026-03-08T03:00-04:00', '2026-03-09T03:00-04:00']],
    // Overlap: 01:30 runs once, at its first occurrence (EDT).
    ['30 1 * * *', '2026-10-31T12:00-04:00', ['2026-11-01T01:30-04:00', '2026-11-02T01:30-05:00']],
    // Starting inside the repeated hour's second pass: 01:30 already ran.
    ['30 1 * * *', '2026-11-01T01:15-05:00', ['2026-11-02T01:30-05:00']],
    ['0 2 * * *', '2026-11-01T01:15-05:00', ['2026-11-01T02:00-05:00']],
    ['59 0 * * *', '2026-10-31T12:00-04:00', ['2026-11-01T00:59-04:00', '2026-11-02T00:59-05:00']],
    // Wildcard jobs: every wall time that exists, both repeated hours, none in the gap.
    [
      '*/30 * * * *',
      '2026-03-08T01:00-05:00',
      ['2026-03-08T01:30-05:00', '2026-03-08T03:00-04:00', '2026-03-08T03:30-04:00'],
    ],
    [
      '*/30 * * * *',
      '2026-11-01T00:45-04:00',
      [
        '2026-11-01T01:00-04:00',
        '2026-11-01T01:30-04:00',
        '2026-11-01T01:00-05:00',
        '2026-11-01T01:30-05:00',
        '2026-11-01T02:00-05:00',
      ],
    ],
    ['* 2 * * *', '2026-03-08T00:00-05:00', ['2026-03-09T02:00-04:00', '2026-03-09T02:01-04:00']],
    ['0 * * * *', '2026-11-01T00:30-04:00', ['2026-11-01T01:00-04:00', '2026-11-01T01:00-05:00']],
    ['15 */1 * * *', '2026-03-08T01:00-05:00', ['2026-03-08T01:15-05:00', '2026-03-08T03:15-04:00']],
    ['0 0 * * *', '2026-12-31T23:00-05:00', ['2027-01-01T00:00-05:00']],
  ],
  // 2026: Mar 29 01:00 GMT -> 02:00 BST; Oct 25 02:00 BST -> 01:00 GMT.
  'Europe/London': [
    ['30 1 * * *', '2026-03-28T12:00Z', ['2026-03-29T02:30+01:00', '2026-03-30T01:30+01:00']],
    ['30 1 * * *', '2026-03-28T12:00Z', ['2026-03-30T01:30+01:00'], 'skip'],
    ['30 1 * * *', '2026-10-24T12:00+01:00', ['2026-10-25T01:30+01:00', '2026-10-26T01:30Z']],
    [
      '0,30 1 * * *',
      '2026-10-25T00:45+01:00',
      ['2026-10-25T01:00+01:00', '2026-10-25T01:30+01:00', '2026-10-26T01:00Z'],
    ],
    [
      '*/30 1 * * *',
      '2026-10-25T00:45+01:00',
      ['2026-10-25T01:00+01:00', '2026-10-25T01:30+01:00', '2026-10-25T01:00Z'],
    ],
    ['0 9 * * MON-FRI', '2026-03-27T10:00Z', ['2026-03-30T09:00+01:00']],
  ],
  // 30-minute DST: Oct 4 2026 02:00 +10:30 -> 02:30 +11; Apr 5 2026 02:00 +11 -> 01:30 +10:30.
  'Australia/Lord_Howe': [
    // 02:35 exists and comes first in absolute time; 02:20 is in the gap and runs at 02:50 +11.
    [
      '20,35 2 * * *',
      '2026-10-03T12:00+10:30',
      ['2026-10-04T02:35+11:00', '2026-10-04T02:50+11:00', '2026-10-05T02:20+11:00'],
    ],
    ['20,35 2 * * *', '2026-10-03T12:00+10:30', ['2026-10-04T02:35+11:00', '2026-10-05T02:20+11:00'], 'skip'],
    ['45 1 * * *', '2026-04-04T12:00+11:00', ['2026-04-05T01:45+11:00', '2026-04-06T01:45+10:30']],
    [
      '*/15 1 * * *',
      '2026-04-05T01:20+11:00',
      [
        '2026-04-05T01:30+11:00',
        '2026-04-05T01:45+11:00',
        '2026-04-05T01:30+10:30',
        '2026-04-05T01:45+10:30',
      ],
    ],
  ],
  'Asia/Kathmandu': [
    ['0 0 * * *', '2026-01-01T00:00Z', ['2026-01-02T00:00+05:45', '2026-01-03T00:00+05:45']],
    ['*/45 * * * *', '2026-01-01T23:50+05:45', ['2026-01-02T00:00+05:45', '2026-01-02T00:45+05:45']],
  ],
  // Sep 27 2026: 02:45 +12:45 -> 03:45 +13:45; Apr 5 2026: 03:45 +13:45 -> 02:45 +12:45.
  'Pacific/Chatham': [
    ['0 3 * * *', '2026-09-26T12:00+12:45', ['2026-09-27T04:00+13:45', '2026-09-28T03:00+13:45']],
    ['50 2 * * *', '2026-09-26T12:00+12:45', ['2026-09-27T03:50+13:45', '2026-09-28T02:50+13:45']],
    ['0 3 * * *', '2026-04-04T12:00+13:45', ['2026-04-05T03:00+13:45', '2026-04-06T03:00+12:45']],
  ],
  // Santiago changes at midnight: Sep 6 2026 00:00 -04 -> 01:00 -03 (no midnight);
  // Apr 5 2026 00:00 -03 -> Apr 4 23:00 -04 (23:00-23:59 twice).
  'America/Santiago': [
    ['0 0 * * *', '2026-09-05T12:00-04:00', ['2026-09-06T01:00-03:00', '2026-09-07T00:00-03:00']],
    ['0 0 * * *', '2026-09-05T12:00-04:00', ['2026-09-07T00:00-03:00'], 'skip'],
    ['30 0 6 9 *', '2026-01-01T00:00-03:00', ['2026-09-06T01:30-03:00', '2027-09-06T00:30-03:00']],
    ['30 23 * * *', '2026-04-04T12:00-03:00', ['2026-04-04T23:30-03:00', '2026-04-05T23:30-04:00']],
    ['0 * * * *', '2026-09-05T22:30-04:00', ['2026-09-05T23:00-04:00', '2026-09-06T01:00-03:00']],
    ['0 0 L * *', '2026-08-15T00:00-04:00', ['2026-08-31T00:00-04:00', '2026-09-30T00:00-03:00']],
  ],
  UTC: [
    ['0 0 29 2 *', '2026-01-01T00:00Z', ['2028-02-29T00:00Z', '2032-02-29T00:00Z']],
    ['59 23 31 12 *', '2026-12-31T23:59Z', ['2027-12-31T23:59Z']],
    ['0 0 1 1 *', '2026-12-31T23:59:59.999Z', ['2027-01-01T00:00Z', '2028-01-01T00:00Z']],
    ['0 0 L * *', '2028-01-31T00:00Z', ['2028-02-29T00:00Z', '2028-03-31T00:00Z', '2028-04-30T00:00Z']],
    ['0 0 L-1 2 *', '2027-01-01T00:00Z', ['2027-02-27T00:00Z', '2028-02-28T00:00Z']],
    ['0 0 31 * *', '2026-01-31T00:00Z', ['2026-03-31T00:00Z', '2026-05-31T00:00Z', '2026-07-31T00:00Z']],
    // 1W on Saturday Aug 1 2026 -> Monday 3; 31W on Sunday May 31 2026 -> Friday 29; 15W on Sunday Mar 15 -> 16.
    ['0 0 1W 8 *', '2026-01-01T00:00Z', ['2026-08-03T00:00Z']],
    ['0 0 31W 5 *', '2026-01-01T00:00Z', ['2026-05-29T00:00Z']],
    ['0 0 15W 3 *', '2026-01-01T00:00Z', ['2026-03-16T00:00Z']],
    ['0 0 LW 5 *', '2026-01-01T00:00Z', ['2026-05-29T00:00Z']],
    ['0 0 * * 1#5', '2026-01-01T00:00Z', ['2026-03-30T00:00Z', '2026-06-29T00:00Z']],
    ['0 0 * * 0L', '2026-01-01T00:00Z', ['2026-01-25T00:00Z', '2026-02-22T00:00Z']],
    ['0 0 1 * 0#1', '2026-01-01T00:00Z', ['2026-01-04T00:00Z', '2026-02-01T00:00Z', '2026-03-01T00:00Z']],
    ['*/15 * * * * *', '2026-01-01T00:00:07.500Z', ['2026-01-01T00:00:15Z', '2026-01-01T00:00:30Z']],
    ['0 0 12 * * *', '2026-01-01T12:00:00Z', ['2026-01-02T12:00Z']],
    ['0 0 0 29 2 1', '2026-01-01T00:00Z', ['2026-02-02T00:00Z']],
  ],
};

describe('cron next runs', () => {
  for (const [zone, rows] of Object.entries(table)) {
    describe(zone, () => {
      it.each(rows)('%s after %s', (expression, from, expected, policy) => {
        const withSeconds = expression.split(' ').length === 6;
        check(
          zone,
          expression,
          from,
          expected,
          policy === undefined ? { withSeconds } : { policy, withSeconds },
        );
      });
    });
  }

  it('takes the zone of a TZ= prefix over the one passed in', () => {
    const compiled = compileCron('TZ=America/New_York 30 2 * * *', false);
    expect(compiled.next(Date.parse('2026-03-08T00:00Z'), getTimeZone('UTC'), 'shift', 0)).toBe(
      Date.parse('2026-03-08T03:30-04:00'),
    );
  });

  it('runs @every at anchor + k * every, strictly after the instant', () => {
    const compiled = compileCron('@every 10m', false);
    const utc = getTimeZone('UTC');
    const anchor = Date.parse('2026-01-01T00:00:30Z');
    expect(compiled.next(anchor, utc, 'shift', anchor)).toBe(anchor + 600_000);
    expect(compiled.next(anchor + 600_000, utc, 'shift', anchor)).toBe(anchor + 1_200_000);
    expect(compiled.next(anchor + 599_999, utc, 'shift', anchor)).toBe(anchor + 600_000);
    expect(compiled.next(anchor - 5_000_000, utc, 'shift', anchor)).toBe(anchor + 600_000);
    // The same in every zone: absolute time.
    expect(compiled.next(anchor, getTimeZone('America/New_York'), 'shift', anchor)).toBe(anchor + 600_000);
  });

  it('answers undefined for a non-finite instant, and far ahead', () => {
    const compiled = compileCron('0 0 29 2 1', false);
    expect(compiled.next(Number.NaN, getTimeZone('UTC'), 'shift', 0)).toBeUndefined();
    expect(compiled.next(8.64e15, getTimeZone('America/New_York'), 'shift', 0)).toBeUndefined();
    expect(compiled.next(-8.64e15, getTimeZone('America/New_York'), 'shift', 0)).toBeUndefined();
    expect(
      compileCron('0 0 29 2 */7', false).next(
        Date.parse('2089-01-01T00:00Z'),
        getTimeZone('UTC'),
        'shift',
        0,
      ),
    ).toBe(undefined);
  });

  it('stays fast on chained calls in a DST zone', () => {
    const compiled = compileCron('*/15 * * * * *', true);
    const zone = getTimeZone('America/New_York');
    let at = Date.parse('2026-01-01T00:00Z');
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) at = compiled.next(at, zone, 'shift', 0) as number;
    expect(at).toBe(Date.parse('2026-01-01T00:00Z') + 200_000 * 15_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
