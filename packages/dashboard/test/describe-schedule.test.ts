// Schedules in English and as compact text.
import {
  atTime,
  cronJob,
  dailyJob,
  durationJob,
  durationRandomJob,
  monthlyJob,
  oneTimeJob,
  weeklyJob,
} from 'tscron';
import { describe, expect, it } from 'vitest';
import { describeCron, describeSchedule, scheduleText } from '../src/index.js';

describe('describeCron', () => {
  it.each([
    ['* * * * *', 'every minute'],
    ['*/5 * * * *', 'every 5 minutes'],
    ['0 * * * *', 'at minute 0, every hour'],
    ['30 9 * * 1-5', 'at 09:30, on Monday through Friday'],
    ['0 9,17 * * *', 'at 09:00 and 17:00, every day'],
    ['*/15 9-17 * * *', 'every 15 minutes, between 09:00 and 17:59'],
    ['* 9 * * *', 'every minute, between 09:00 and 09:59'],
    ['0 */2 * * *', 'at minute 0, every 2 hours'],
    ['23 0-20/2 * * *', 'at minute 23, every 2 hours from 0 through 20'],
    ['0 0 1 * *', 'at 00:00, on day 1 of the month'],
    ['0 0 1,15 * *', 'at 00:00, on days 1 and 15 of the month'],
    ['0 0 1 1 *', 'at 00:00, on day 1 of the month, in January'],
    ['0 0 * JAN-MAR *', 'at 00:00, every day, in January through March'],
    ['5 4 * * sun', 'at 04:05, on Sunday'],
    ['0 0 * * 1,3,5', 'at 00:00, on Monday, Wednesday and Friday'],
    ['0 0 1,15 * 5', 'at 00:00, on days 1 and 15 of the month or on Friday'],
    ['0 12 * * MON#2', 'at 12:00, on the second Monday of the month'],
    ['0 8 * * 5L', 'at 08:00, on the last Friday of the month'],
    ['0 0 L * *', 'at 00:00, on the last day of the month'],
    ['0 8 15W * *', 'at 08:00, on the weekday nearest day 15 of the month'],
    ['@hourly', 'at minute 0, every hour'],
    ['@daily', 'at 00:00, every day'],
    ['@weekly', 'at 00:00, on Sunday'],
    ['@monthly', 'at 00:00, on day 1 of the month'],
    ['@yearly', 'at 00:00, on day 1 of the month, in January'],
    ['@every 1h30m', 'every 1 hour 30 minutes'],
    ['@every 1m', 'every minute'],
    ['TZ=Europe/Berlin 0 3 * * *', 'at 03:00, every day'],
  ])('%s → %s', (expression, words) => {
    expect(describeCron(expression)).toBe(words);
  });

  it.each([
    ['*/10 * * * * *', 'every 10 seconds'],
    ['30 * * * * *', 'at second 30, every minute'],
    ['0 0 12 * * *', 'at 12:00, every day'],
    ['15 30 9 * * 1-5', 'at 09:30:15, on Monday through Friday'],
    ['* * * * * *', 'every second'],
  ])('with seconds: %s → %s', (expression, words) => {
    expect(describeCron(expression, true)).toBe(words);
  });

  it('quotes what it cannot put in words rather than guessing', () => {
    expect(describeCron('0 0 * * 1 extra')).toBe('0 0 * * 1 extra');
    expect(describeCron('0 0 ? * MON-FRI')).toBe('at 00:00, on Monday through Friday');
  });
});

describe('describeSchedule and scheduleText', () => {
  it.each([
    [cronJob('0 9 * * 1-5'), '0 9 * * 1-5', 'at 09:00, on Monday through Friday'],
    [durationJob('90s'), 'every 1m30s', 'every 1 minute 30 seconds'],
    [durationJob('1h'), 'every 1h0m0s', 'every hour'],
    [durationRandomJob('1m', '5m'), 'every 1m0s to 5m0s', 'at random intervals of 1 minute to 5 minutes'],
    [dailyJob(1, [atTime(9), atTime(17, 30)]), 'daily 09:00,17:30', 'every day at 09:00 and 17:30'],
    [dailyJob(3, [atTime(6, 0, 30)]), 'daily/3 06:00:30', 'every 3 days at 06:00:30'],
    [weeklyJob(1, [1, 5], [atTime(8)]), 'weekly Mon,Fri 08:00', 'every week on Monday and Friday at 08:00'],
    [weeklyJob(2, [0], [atTime(8)]), 'weekly/2 Sun 08:00', 'every 2 weeks on Sunday at 08:00'],
    [
      monthlyJob(1, [1, -1], [atTime(0)]),
      'monthly -1,1 00:00',
      'every month on the last day and the 1st at 00:00',
    ],
    [
      monthlyJob(2, [15, -2], [atTime(12)]),
      'monthly/2 -2,15 12:00',
      'every 2 months on the 2nd-to-last day and the 15th at 12:00',
    ],
    [oneTimeJob('immediately'), 'once, immediately', 'once, immediately'],
    [
      oneTimeJob(Date.UTC(2030, 0, 1)),
      'once at 2030-01-01T00:00:00.000Z',
      'once at 2030-01-01T00:00:00.000Z',
    ],
  ])('%j', (definition, text, words) => {
    expect(scheduleText(definition)).toBe(text);
    expect(describeSchedule(definition)).toBe(words);
  });
});
