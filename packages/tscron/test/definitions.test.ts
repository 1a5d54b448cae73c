import { describe, expect, it } from 'vitest';
import {
  atTime,
  dailyJob,
  durationJob,
  durationRandomJob,
  monthlyJob,
  oneTimeJob,
  Weekday,
  weeklyJob,
} from '../src/definitions.js';
import type { TscronErrorCode } from '../src/errors.js';

function expectCode(run: () => unknown, code: TscronErrorCode, mentions?: string) {
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ name: 'TscronError', code });
    if (mentions !== undefined) expect((error as Error).message).toContain(mentions);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('job definition factories', () => {
  it('build plain, serialisable data tagged by kind', () => {
    const definitions = [
      durationJob('1m30s'),
      durationRandomJob(1000, '2s'),
      dailyJob(1, [atTime(9), atTime(8, 30)]),
      weeklyJob(2, [Weekday.Friday, Weekday.Monday], [atTime(7, 0, 5)]),
      monthlyJob(1, [-1, 15], [atTime(0)]),
      oneTimeJob([new Date(2000), 1000]),
      oneTimeJob('immediately'),
    ];
    expect(JSON.parse(JSON.stringify(definitions))).toEqual(definitions);
    expect(definitions.map((definition) => definition.kind)).toEqual([
      'duration',
      'durationRandom',
      'daily',
      'weekly',
      'monthly',
      'oneTime',
      'oneTime',
    ]);
    expect(durationJob('1m30s')).toEqual({ kind: 'duration', every: 90_000 });
    expect(dailyJob(1, [atTime(9), atTime(8, 30)]).atTimes).toEqual([atTime(8, 30), atTime(9)]);
    expect(weeklyJob(1, [5, 1, 5], [atTime(7)]).weekdays).toEqual([1, 5]);
    // As in cron, 7 is Sunday too.
    expect(weeklyJob(1, [7, 1, 0], [atTime(7)]).weekdays).toEqual([0, 1]);
    expect(monthlyJob(1, [-1, 15, 15], [atTime(0)]).days).toEqual([-1, 15]);
    expect(oneTimeJob([new Date(2000), 1000, 2000]).at).toEqual([1000, 2000]);
    expect(Weekday).toMatchObject({ Sunday: 0, Monday: 1, Saturday: 6 });
  });

  it('reject bad durations with the gocron codes', () => {
    expectCode(() => durationJob(0), 'ERR_DURATION_JOB_INTERVAL_ZERO');
    // Timers count whole milliseconds: a fraction is refused, not rounded.
    expectCode(() => durationJob(1.5), 'ERR_INVALID_DURATION', 'got 1.5');
    expectCode(() => durationJob('1.5ms'), 'ERR_INVALID_DURATION', 'got "1.5ms"');
    expectCode(() => durationRandomJob(1, 2.5), 'ERR_INVALID_DURATION', 'max must be a whole number');
    expect(durationJob('1.5s')).toEqual({ kind: 'duration', every: 1500 });
    expectCode(() => durationJob('-1s'), 'ERR_DURATION_JOB_INTERVAL_NEGATIVE', '-1s');
    expectCode(() => durationJob('soon'), 'ERR_INVALID_DURATION', 'soon');
    expectCode(() => durationRandomJob(2000, 1000), 'ERR_DURATION_RANDOM_JOB_MIN_MAX', 'min 2s');
    expectCode(() => durationRandomJob(0, 1000), 'ERR_DURATION_RANDOM_JOB_MIN_MAX');
    expectCode(() => durationRandomJob(1000, 1000), 'ERR_DURATION_RANDOM_JOB_MIN_MAX');
  });

  it('reject bad daily jobs', () => {
    expectCode(() => dailyJob(0, [atTime(1)]), 'ERR_DAILY_JOB_ZERO_INTERVAL', '0');
    expectCode(() => dailyJob(1.5, [atTime(1)]), 'ERR_DAILY_JOB_ZERO_INTERVAL', '1.5');
    expectCode(() => dailyJob(1, []), 'ERR_DAILY_JOB_AT_TIMES_NIL');
    expectCode(() => dailyJob(1, [atTime(24)]), 'ERR_DAILY_JOB_HOURS', '24');
    expectCode(() => dailyJob(1, [atTime(1, 60)]), 'ERR_DAILY_JOB_MINUTES_SECONDS', '60');
    expectCode(() => dailyJob(1, [atTime(1, 0, -1)]), 'ERR_DAILY_JOB_MINUTES_SECONDS', '-1');
  });

  it('reject bad weekly jobs', () => {
    expectCode(() => weeklyJob(0, [1], [atTime(1)]), 'ERR_WEEKLY_JOB_ZERO_INTERVAL');
    expectCode(() => weeklyJob(1, [], [atTime(1)]), 'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL');
    expectCode(() => weeklyJob(1, [8 as Weekday], [atTime(1)]), 'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL', '8');
    expectCode(
      () => weeklyJob(1, ['1' as unknown as Weekday], [atTime(1)]),
      'ERR_WEEKLY_JOB_DAYS_OF_THE_WEEK_NIL',
      'got "1"',
    );
    expectCode(() => weeklyJob(1, [1], [atTime(-1)]), 'ERR_WEEKLY_JOB_HOURS', '-1');
    expectCode(() => weeklyJob(1, [1], [atTime(1, 99)]), 'ERR_WEEKLY_JOB_MINUTES_SECONDS', '99');
  });

  it('reject bad monthly jobs', () => {
    expectCode(() => monthlyJob(0, [1], [atTime(1)]), 'ERR_MONTHLY_JOB_ZERO_INTERVAL');
    expectCode(() => monthlyJob(1, [], [atTime(1)]), 'ERR_MONTHLY_JOB_DAYS_NIL');
    expectCode(() => monthlyJob(1, [0], [atTime(1)]), 'ERR_MONTHLY_JOB_DAYS', '0');
    expectCode(() => monthlyJob(1, [32], [atTime(1)]), 'ERR_MONTHLY_JOB_DAYS', '32');
    expectCode(() => monthlyJob(1, [-32], [atTime(1)]), 'ERR_MONTHLY_JOB_DAYS', '-32');
    expectCode(() => monthlyJob(1, [1], [atTime(25)]), 'ERR_MONTHLY_JOB_HOURS', '25');
    expectCode(() => monthlyJob(1, [1], [atTime(1, 1, 61)]), 'ERR_MONTHLY_JOB_MINUTES_SECONDS', '61');
  });

  it('reject bad one-time instants', () => {
    expectCode(() => oneTimeJob([]), 'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST');
    expectCode(() => oneTimeJob(new Date('nope')), 'ERR_INVALID_ARGUMENT', 'Invalid Date');
  });
});
