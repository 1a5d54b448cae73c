import { describe, expect, it } from 'vitest';
import { clearCronCache } from '../src/cron/compile.js';
import {
  atTime,
  cronJob,
  dailyJob,
  durationJob,
  durationRandomJob,
  type JobDefinition,
  monthlyJob,
  oneTimeJob,
  Weekday,
  weeklyJob,
} from '../src/definitions.js';
import { nextRuns } from '../src/schedule.js';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString().replace('.000Z', 'Z'));
const runs = (definition: JobDefinition, count: number, from: string, timeZone: string, dstPolicy?: 'skip') =>
  iso(nextRuns(definition, count, { from: new Date(from), timeZone, ...(dstPolicy ? { dstPolicy } : {}) }));

describe('nextRuns: daily jobs', () => {
  it.each([
    // zone, from, at, expected UTC instants
    ['UTC', '2026-01-01T10:00:00Z', atTime(9), ['2026-01-02T09:00:00Z', '2026-01-03T09:00:00Z']],
    ['Asia/Kathmandu', '2026-01-01T00:00:00Z', atTime(9), ['2026-01-01T03:15:00Z', '2026-01-02T03:15:00Z']],
    ['Pacific/Chatham', '2025-12-31T00:00:00Z', atTime(12), ['2025-12-31T22:15:00Z', '2026-01-01T22:15:00Z']],
    ['Pacific/Chatham', '2026-07-01T00:00:00Z', atTime(12), ['2026-07-01T23:15:00Z', '2026-07-02T23:15:00Z']],
    ['UTC', '2026-12-31T23:59:59Z', atTime(23, 59, 59), ['2027-01-01T23:59:59Z', '2027-01-02T23:59:59Z']],
  ])('%s from %s', (zone, from, at, expected) => {
    expect(runs(dailyJob(1, [at]), 2, from, zone)).toEqual(expected);
  });

  it('shifts a spring-gap time by the gap and keeps later days exact (New York 02:30)', () => {
    expect(runs(dailyJob(1, [atTime(2, 30)]), 3, '2026-03-07T00:00:00Z', 'America/New_York')).toEqual([
      '2026-03-07T07:30:00Z', // 02:30 EST
      '2026-03-08T07:30:00Z', // 02:30 does not exist: 03:30 EDT
      '2026-03-09T06:30:00Z', // 02:30 EDT
    ]);
  });

  it('skips the gap day under dstPolicy skip', () => {
    expect(runs(dailyJob(1, [atTime(2, 30)]), 2, '2026-03-07T00:00:00Z', 'America/New_York', 'skip')).toEqual(
      ['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z'],
    );
  });

  it('runs an overlap time once, at its first occurrence (New York and London)', () => {
    expect(runs(dailyJob(1, [atTime(1, 30)]), 3, '2026-10-31T12:00:00Z', 'America/New_York')).toEqual([
      '2026-11-01T05:30:00Z', // 01:30 EDT, not again at 01:30 EST
      '2026-11-02T06:30:00Z',
      '2026-11-03T06:30:00Z',
    ]);
    expect(runs(dailyJob(1, [atTime(1, 30)]), 2, '2026-10-24T12:00:00Z', 'Europe/London')).toEqual([
      '2026-10-25T00:30:00Z',
      '2026-10-26T01:30:00Z',
    ]);
  });

  it('does not double-fire when a shifted gap time meets the next at-time', () => {
    // 02:30 shifts to 03:30 EDT, the same instant as the 03:30 run.
    expect(
      runs(dailyJob(1, [atTime(2, 30), atTime(3, 30)]), 3, '2026-03-08T05:00:00Z', 'America/New_York'),
    ).toEqual(['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z', '2026-03-09T07:30:00Z']);
  });

  it('orders a shifted gap time after an earlier-landing later at-time', () => {
    // 02:59 shifts to 03:59 EDT, after 03:00 EDT.
    expect(
      runs(dailyJob(1, [atTime(2, 59), atTime(3)]), 2, '2026-03-08T05:00:00Z', 'America/New_York'),
    ).toEqual(['2026-03-08T07:00:00Z', '2026-03-08T07:59:00Z']);
  });

  it('handles the 30-minute gap of Lord Howe', () => {
    expect(runs(dailyJob(1, [atTime(2, 15)]), 3, '2026-10-02T00:00:00Z', 'Australia/Lord_Howe')).toEqual([
      '2026-10-02T15:45:00Z', // 02:15 +10:30
      '2026-10-03T15:45:00Z', // gap 02:00-02:30: 02:45 +11:00
      '2026-10-04T15:15:00Z', // 02:15 +11:00
    ]);
  });

  it('handles a midnight gap in Santiago', () => {
    expect(runs(dailyJob(1, [atTime(0)]), 3, '2026-09-05T00:00:00Z', 'America/Santiago')).toEqual([
      '2026-09-05T04:00:00Z',
      '2026-09-06T04:00:00Z', // 00:00 does not exist: 01:00 -03
      '2026-09-07T03:00:00Z',
    ]);
  });

  it('runs every n days from the first match, at several times a day', () => {
    expect(runs(dailyJob(3, [atTime(17), atTime(9)]), 5, '2026-01-01T10:00:00Z', 'UTC')).toEqual([
      '2026-01-01T17:00:00Z',
      '2026-01-04T09:00:00Z',
      '2026-01-04T17:00:00Z',
      '2026-01-07T09:00:00Z',
      '2026-01-07T17:00:00Z',
    ]);
  });
});

describe('nextRuns: weekly jobs', () => {
  it('runs on the current week, then every n weeks counted from its Sunday', () => {
    // 2026-01-07 is a Wednesday in the week starting Sunday 2026-01-04.
    expect(
      runs(weeklyJob(2, [Weekday.Monday, Weekday.Thursday], [atTime(8)]), 5, '2026-01-07T12:00:00Z', 'UTC'),
    ).toEqual([
      '2026-01-08T08:00:00Z',
      '2026-01-19T08:00:00Z',
      '2026-01-22T08:00:00Z',
      '2026-02-02T08:00:00Z',
      '2026-02-05T08:00:00Z',
    ]);
  });

  it('starts in the next week when the current one has no match left, across a year end', () => {
    expect(runs(weeklyJob(1, [Weekday.Sunday], [atTime(0)]), 3, '2026-12-30T00:00:00Z', 'UTC')).toEqual([
      '2027-01-03T00:00:00Z',
      '2027-01-10T00:00:00Z',
      '2027-01-17T00:00:00Z',
    ]);
  });

  it('keeps wall time across a DST change in London', () => {
    expect(
      runs(weeklyJob(1, [Weekday.Sunday], [atTime(9)]), 2, '2026-03-22T12:00:00Z', 'Europe/London'),
    ).toEqual(['2026-03-29T08:00:00Z', '2026-04-05T08:00:00Z']);
  });
});

describe('nextRuns: monthly jobs', () => {
  it('skips months that lack the day', () => {
    expect(runs(monthlyJob(1, [31], [atTime(0)]), 4, '2026-01-01T00:00:00Z', 'UTC')).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-05-31T00:00:00Z',
      '2026-07-31T00:00:00Z',
    ]);
  });

  it('counts negative days from the month end, leap years included', () => {
    expect(runs(monthlyJob(1, [-1], [atTime(12)]), 3, '2028-01-31T13:00:00Z', 'UTC')).toEqual([
      '2028-02-29T12:00:00Z',
      '2028-03-31T12:00:00Z',
      '2028-04-30T12:00:00Z',
    ]);
    expect(runs(monthlyJob(1, [-31], [atTime(0)]), 2, '2026-02-01T00:00:00Z', 'UTC')).toEqual([
      '2026-03-01T00:00:00Z',
      '2026-05-01T00:00:00Z',
    ]);
  });

  it('runs on the 29th of February only in leap years', () => {
    expect(runs(monthlyJob(1, [29], [atTime(0)]), 2, '2027-02-01T00:00:00Z', 'UTC')).toEqual([
      '2027-03-29T00:00:00Z',
      '2027-04-29T00:00:00Z',
    ]);
    // Every 12 months from February 2028: the Februaries of 2029-2031 lack a 29th.
    expect(runs(monthlyJob(12, [29], [atTime(0)]), 2, '2028-02-01T00:00:00Z', 'UTC')).toEqual([
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
    ]);
  });

  it('continues n months after the month of the first match', () => {
    expect(runs(monthlyJob(2, [1, -1], [atTime(6)]), 5, '2026-01-15T00:00:00Z', 'UTC')).toEqual([
      '2026-01-31T06:00:00Z',
      '2026-03-01T06:00:00Z',
      '2026-03-31T06:00:00Z',
      '2026-05-01T06:00:00Z',
      '2026-05-31T06:00:00Z',
    ]);
  });

  it('shifts a gap time in Chatham (02:45 does not exist on the last Sunday of September)', () => {
    expect(runs(monthlyJob(1, [27], [atTime(2, 50)]), 1, '2026-09-01T00:00:00Z', 'Pacific/Chatham')).toEqual([
      '2026-09-26T14:05:00Z', // 03:50 +13:45
    ]);
  });
});

describe('nextRuns: duration and one-time jobs', () => {
  it('counts durations in absolute time across a DST change', () => {
    expect(runs(durationJob('90m'), 3, '2026-03-08T05:00:00Z', 'America/New_York')).toEqual([
      '2026-03-08T06:30:00Z',
      '2026-03-08T08:00:00Z',
      '2026-03-08T09:30:00Z',
    ]);
  });

  it('lists one-time instants after from, and from itself for immediately', () => {
    const definition = oneTimeJob([Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-06-01T00:00:00Z')]);
    expect(runs(definition, 5, '2026-02-01T00:00:00Z', 'UTC')).toEqual(['2026-06-01T00:00:00Z']);
    expect(runs(oneTimeJob('immediately'), 5, '2026-02-01T00:00:00Z', 'UTC')).toEqual([
      '2026-02-01T00:00:00Z',
    ]);
  });

  it('refuses random durations, bad counts, bad zones and bad instants', () => {
    expect(() => nextRuns(durationRandomJob(1, 2), 1)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_DETERMINISTIC' }),
    );
    expect(() => nextRuns(durationJob(1), -1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => nextRuns(durationJob(1), 1, { timeZone: 'Nowhere/City' })).toThrow(/Nowhere\/City/);
    expect(() => nextRuns(durationJob(1), 1, { from: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(nextRuns(durationJob(1000), 0)).toEqual([]);
  });
});

describe('nextRuns: one cron expression in several zones and policies', () => {
  it('answers for each zone and policy, whichever was asked first', () => {
    // A compiled expression serves directly as the schedule of the first zone and policy asked;
    // later ones must still get their own answers, in either order.
    for (const first of ['America/New_York', 'Europe/London']) {
      clearCronCache();
      const job = cronJob('30 2 * * *');
      const other = first === 'Europe/London' ? 'America/New_York' : 'Europe/London';
      const from = '2026-03-07T12:00:00Z';
      const inFirst = runs(job, 2, from, first);
      const inOther = runs(job, 2, from, other);
      const newYork = ['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z'];
      const london = ['2026-03-08T02:30:00Z', '2026-03-09T02:30:00Z'];
      expect(inFirst).toEqual(first === 'Europe/London' ? london : newYork);
      expect(inOther).toEqual(other === 'Europe/London' ? london : newYork);
      // 02:30 does not exist in New York on 8 March 2026: shifted to 03:30 EDT, or skipped.
      expect(runs(job, 1, from, 'America/New_York', 'skip')).toEqual(['2026-03-09T06:30:00Z']);
      expect(runs(job, 1, from, 'America/New_York')).toEqual(['2026-03-08T07:30:00Z']);
    }
  });
});
