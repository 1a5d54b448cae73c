import { describe, expect, it } from 'vitest';
import { clearCronCache, compileCron, compileCronUncached } from '../src/cron/compile.js';
import { type CronFields, parseCron } from '../src/cron/parse.js';
import { isTscronError } from '../src/errors.js';
import { getTimeZone } from '../src/zone/time-zone.js';

const UTC = getTimeZone('UTC');
const FROM = Date.UTC(2026, 0, 1); // Thursday 2026-01-01

/** The first `count` runs in UTC after 2026-01-01T00:00Z, as ISO strings. */
function runs(expression: string, count = 3, withSeconds = false, from = FROM): string[] {
  const compiled = compileCron(expression, withSeconds);
  const out: string[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    const next = compiled.next(at, UTC, 'shift', from);
    if (next === undefined) break;
    out.push(new Date(next).toISOString().replace(/:00\.000Z$/, 'Z'));
    at = next;
  }
  return out;
}

function errorOf(expression: string, withSeconds = false): { code: string; message: string } {
  try {
    compileCronUncached(expression, withSeconds);
  } catch (error) {
    if (!isTscronError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error(`"${expression}" compiled`);
}

describe('cron syntax', () => {
  it.each([
    ['* * * * *', ['2026-01-01T00:01Z', '2026-01-01T00:02Z', '2026-01-01T00:03Z']],
    ['*/15 * * * *', ['2026-01-01T00:15Z', '2026-01-01T00:30Z', '2026-01-01T00:45Z']],
    ['5/20 * * * *', ['2026-01-01T00:05Z', '2026-01-01T00:25Z', '2026-01-01T00:45Z']],
    ['10-50/20 * * * *', ['2026-01-01T00:10Z', '2026-01-01T00:30Z', '2026-01-01T00:50Z']],
    ['0,30 9-10 * * *', ['2026-01-01T09:00Z', '2026-01-01T09:30Z', '2026-01-01T10:00Z']],
    ['0 12 * JAN,MAR *', ['2026-01-01T12:00Z', '2026-01-02T12:00Z', '2026-01-03T12:00Z']],
    ['0 12 1 feb-mar *', ['2026-02-01T12:00Z', '2026-03-01T12:00Z', '2027-02-01T12:00Z']],
    ['0 9 * * MON-FRI', ['2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-05T09:00Z']],
    ['0 9 * * 7', ['2026-01-04T09:00Z', '2026-01-11T09:00Z', '2026-01-18T09:00Z']],
    ['0 9 * * 0', ['2026-01-04T09:00Z', '2026-01-11T09:00Z', '2026-01-18T09:00Z']],
    ['0 9 * * 5-7', ['2026-01-02T09:00Z', '2026-01-03T09:00Z', '2026-01-04T09:00Z']],
    // A week range may end on Sunday: FRI-SUN is 5-7, MON-SUN every day; SUN-SUN stays Sunday.
    ['0 9 * * FRI-SUN', ['2026-01-02T09:00Z', '2026-01-03T09:00Z', '2026-01-04T09:00Z']],
    ['0 9 * * 6-0', ['2026-01-03T09:00Z', '2026-01-04T09:00Z', '2026-01-10T09:00Z']],
    ['0 9 * * MON-SUN', ['2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-03T09:00Z']],
    ['0 9 * * SUN-SUN', ['2026-01-04T09:00Z', '2026-01-11T09:00Z', '2026-01-18T09:00Z']],
    ['0 9 * * 0-SUN', ['2026-01-04T09:00Z', '2026-01-11T09:00Z', '2026-01-18T09:00Z']],
    ['? ? ? ? ?', ['2026-01-01T00:01Z', '2026-01-01T00:02Z', '2026-01-01T00:03Z']],
    ['0 9 * * mon-fri', ['2026-01-01T09:00Z', '2026-01-02T09:00Z', '2026-01-05T09:00Z']],
    ['0 0 l * *', ['2026-01-31T00:00Z', '2026-02-28T00:00Z', '2026-03-31T00:00Z']],
    ['0 9 ? * SUN', ['2026-01-04T09:00Z', '2026-01-11T09:00Z', '2026-01-18T09:00Z']],
    ['0 0 1 * ?', ['2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-04-01T00:00Z']],
    ['@yearly', ['2027-01-01T00:00Z', '2028-01-01T00:00Z', '2029-01-01T00:00Z']],
    ['@annually', ['2027-01-01T00:00Z', '2028-01-01T00:00Z', '2029-01-01T00:00Z']],
    ['@monthly', ['2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-04-01T00:00Z']],
    ['@weekly', ['2026-01-04T00:00Z', '2026-01-11T00:00Z', '2026-01-18T00:00Z']],
    ['@daily', ['2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z']],
    ['@midnight', ['2026-01-02T00:00Z', '2026-01-03T00:00Z', '2026-01-04T00:00Z']],
    ['@hourly', ['2026-01-01T01:00Z', '2026-01-01T02:00Z', '2026-01-01T03:00Z']],
    ['@every 1h30m', ['2026-01-01T01:30Z', '2026-01-01T03:00Z', '2026-01-01T04:30Z']],
    ['@every 1500ms', ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z']],
    ['  0   12  *  *  *  ', ['2026-01-01T12:00Z', '2026-01-02T12:00Z', '2026-01-03T12:00Z']],
    // Beyond gocron: last day, n-th last day, nearest weekday, last weekday, n-th and last weekday.
    ['0 0 L * *', ['2026-01-31T00:00Z', '2026-02-28T00:00Z', '2026-03-31T00:00Z']],
    ['0 0 L-2 * *', ['2026-01-29T00:00Z', '2026-02-26T00:00Z', '2026-03-29T00:00Z']],
    ['0 0 L 2 *', ['2026-02-28T00:00Z', '2027-02-28T00:00Z', '2028-02-29T00:00Z']],
    ['0 0 15W * *', ['2026-01-15T00:00Z', '2026-02-16T00:00Z', '2026-03-16T00:00Z']],
    ['0 0 1W * *', ['2026-02-02T00:00Z', '2026-03-02T00:00Z', '2026-04-01T00:00Z']],
    ['0 0 31W * *', ['2026-01-30T00:00Z', '2026-03-31T00:00Z', '2026-05-29T00:00Z']],
    ['0 0 LW * *', ['2026-01-30T00:00Z', '2026-02-27T00:00Z', '2026-03-31T00:00Z']],
    ['0 0 * * 5L', ['2026-01-30T00:00Z', '2026-02-27T00:00Z', '2026-03-27T00:00Z']],
    ['0 0 * * FRIL', ['2026-01-30T00:00Z', '2026-02-27T00:00Z', '2026-03-27T00:00Z']],
    ['0 0 * * 5#L', ['2026-01-30T00:00Z', '2026-02-27T00:00Z', '2026-03-27T00:00Z']],
    ['0 0 * * 7L', ['2026-01-25T00:00Z', '2026-02-22T00:00Z', '2026-03-29T00:00Z']],
    ['0 0 * * MON#2', ['2026-01-12T00:00Z', '2026-02-09T00:00Z', '2026-03-09T00:00Z']],
    ['0 0 * * 4#1', ['2026-02-05T00:00Z', '2026-03-05T00:00Z', '2026-04-02T00:00Z']],
    ['0 0 * * 5#5', ['2026-01-30T00:00Z', '2026-05-29T00:00Z', '2026-07-31T00:00Z']],
    ['0 0 * * 1#1,5L', ['2026-01-05T00:00Z', '2026-01-30T00:00Z', '2026-02-02T00:00Z']],
    // Both day fields restricted: either matches (the 13th, or any Friday).
    ['0 0 13 * 5', ['2026-01-02T00:00Z', '2026-01-09T00:00Z', '2026-01-13T00:00Z']],
    ['0 0 L * 1', ['2026-01-05T00:00Z', '2026-01-12T00:00Z', '2026-01-19T00:00Z']],
    // A field starting with * or ? keeps AND: odd days that are Mondays.
    ['0 0 */2 * 1', ['2026-01-05T00:00Z', '2026-01-19T00:00Z', '2026-02-09T00:00Z']],
  ])('%s', (expression, expected) => {
    expect(runs(expression, expected.length)).toEqual(expected);
  });

  it('takes 6 fields with seconds first, and still 5', () => {
    expect(runs('*/20 * * * * *', 3, true)).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01Z',
    ]);
    expect(runs('30 0 9 * * 1L', 1, true)).toEqual(['2026-01-26T09:00:30.000Z']);
    expect(runs('0 9 * * *', 1, true)).toEqual(['2026-01-01T09:00Z']);
    expect(runs('@daily', 1, true)).toEqual(['2026-01-02T00:00Z']);
  });

  it('reads TZ= and CRON_TZ= prefixes as the zone, canonical', () => {
    const london = compileCron('TZ=Europe/London 0 9 * * *', false);
    expect(london.timeZone).toBe('Europe/London');
    const summer = Date.UTC(2026, 6, 1);
    expect(london.next(summer, UTC, 'shift', 0)).toBe(Date.UTC(2026, 6, 1, 8));
    const tokyo = compileCron('CRON_TZ=Asia/Tokyo @daily', false);
    expect(tokyo.timeZone).toBe('Asia/Tokyo');
    expect(tokyo.next(FROM, UTC, 'shift', 0)).toBe(Date.UTC(2026, 0, 1, 15));
    expect(compileCron('TZ=UTC 0 0 * * *', true).timeZone).toBe('UTC');
    expect(compileCron('0 0 * * *', false).timeZone).toBeUndefined();
  });

  it('flags Vixie wildcard jobs: minute or hour field starting with *', () => {
    expect(compileCron('*/15 * * * *', false).wildcard).toBe(true);
    expect(compileCron('0 * * * *', false).wildcard).toBe(true);
    expect(compileCron('* 2 * * *', false).wildcard).toBe(true);
    expect(compileCron('@hourly', false).wildcard).toBe(true);
    expect(compileCron('0 2 * * *', false).wildcard).toBe(false);
    expect(compileCron('0-59 0-23 * * *', false).wildcard).toBe(false);
    expect(compileCron('* 0 2 * * *', true).wildcard).toBe(false);
    expect(compileCron('@daily', false).wildcard).toBe(false);
  });

  it('caches compiled expressions by text and seconds mode', () => {
    clearCronCache();
    const a = compileCron('0 9 * * *', false);
    expect(compileCron('0 9 * * *', false)).toBe(a);
    // Five fields read the same whether a second field is allowed or not.
    expect(compileCron('0 9 * * *', true)).toBe(a);
    expect(compileCronUncached('0 9 * * *', false)).not.toBe(a);
    // Six fields compiled with seconds must not be handed out without them.
    const b = compileCron('30 0 9 * * *', true);
    expect(compileCron('30 0 9 * * *', true)).toBe(b);
    expect(errorOf('30 0 9 * * *').code).toBe('ERR_CRON_JOB_PARSE');
    expect(() => compileCron('30 0 9 * * *', false)).toThrow(/expected 5 fields/);
    expect(compileCron('30 0 9 * * *', true)).toBe(b);
    // 20,000 other expressions leave no entry of a 1,024-entry cache untouched.
    for (let i = 0; i < 20_000; i++) compileCron(`${i % 60} ${Math.floor(i / 60) % 24} * * ${i % 7}`, false);
    expect(compileCron('0 9 * * *', false)).not.toBe(a);
  });

  it('returns undefined past about 30 years, and for Feb 29 on a weekday only once a generation', () => {
    // Feb 29 that is a Sunday (AND, since day-of-week starts with *): 2032, 2060, 2088, then 2128.
    expect(runs('0 0 29 2 */7', 1)).toEqual(['2032-02-29T00:00Z']);
    expect(runs('0 0 29 2 */7', 1, false, Date.UTC(2089, 0, 1))).toEqual([]);
    expect(runs('0 0 29 2 1-1', 2)).toEqual(['2026-02-02T00:00Z', '2026-02-09T00:00Z']);
  });
});

describe('cron errors', () => {
  it.each([
    ['61 * * * *', 'CronJob: minute field: 61 is out of range 0-59 in "61 * * * *"'],
    ['* 24 * * *', 'CronJob: hour field: 24 is out of range 0-23 in "* 24 * * *"'],
    ['* * 0 * *', 'CronJob: day-of-month field: 0 is out of range 1-31 in "* * 0 * *"'],
    ['* * 32 * *', 'CronJob: day-of-month field: 32 is out of range 1-31 in "* * 32 * *"'],
    ['* * * 13 *', 'CronJob: month field: 13 is out of range 1-12 in "* * * 13 *"'],
    ['* * * * 8', 'CronJob: day-of-week field: 8 is out of range 0-7 in "* * * * 8"'],
    ['* * * * FOO', 'CronJob: day-of-week field: "FOO" is not a number or name in "* * * * FOO"'],
    ['* * * JAM *', 'CronJob: month field: "JAM" is not a number or name in "* * * JAM *"'],
    ['x * * * *', 'CronJob: minute field: "x" is not a number in "x * * * *"'],
    ['* MON * * *', 'CronJob: hour field: "MON" is not a number in "* MON * * *"'],
    ['*/0 * * * *', 'CronJob: minute field: step 0 in "*/0" is out of range 1-60 in "*/0 * * * *"'],
    ['*/x * * * *', 'CronJob: minute field: step "x" in "*/x" is not a number in "*/x * * * *"'],
    ['1/2/3 * * * *', 'CronJob: minute field: "1/2/3" has more than one / in "1/2/3 * * * *"'],
    ['5-1 * * * *', 'CronJob: minute field: range 5-1 starts after it ends in "5-1 * * * *"'],
    ['1,,2 * * * *', 'CronJob: minute field: "1,,2" has an empty list item in "1,,2 * * * *"'],
    ['1- * * * *', 'CronJob: minute field: "1-" has an empty value in "1- * * * *"'],
    [
      '* * * *',
      'CronJob: expected 5 fields (minute hour day-of-month month day-of-week), got 4 in "* * * *"',
    ],
    [
      '* * * * * *',
      'CronJob: expected 5 fields (minute hour day-of-month month day-of-week), got 6 in "* * * * * *"',
    ],
    ['', 'CronJob: the expression is empty in ""'],
    ['   ', 'CronJob: the expression is empty in "   "'],
    ['* * L-31 * *', 'CronJob: day-of-month field: L-31 is out of range L-0 to L-30 in "* * L-31 * *"'],
    ['* * 32W * *', 'CronJob: day-of-month field: 32W is out of range 1W-31W in "* * 32W * *"'],
    ['* * 1L * *', 'CronJob: day-of-month field: 1L is not valid (use L, L-n, nW or LW) in "* * 1L * *"'],
    [
      '* * * * L',
      'CronJob: day-of-week field: L needs a weekday (e.g. 5L or FRIL for the last Friday) in "* * * * L"',
    ],
    ['* * * * 1#6', 'CronJob: day-of-week field: 1#6: #6 is out of range #1-#5 (or #L) in "* * * * 1#6"'],
    ['* * * * 8#1', 'CronJob: day-of-week field: 8 is out of range 0-7 in "* * * * 8#1"'],
    ['* * * * #', 'CronJob: day-of-week field: # is not valid (use weekday#n, e.g. MON#2) in "* * * * #"'],
    [
      '@often',
      'CronJob: descriptor: "@often" is not one of @yearly @annually @monthly @weekly @daily @midnight @hourly @every in "@often"',
    ],
    ['@daily *', 'CronJob: descriptor: "*" follows @daily, which takes no fields in "@daily *"'],
    ['@every', 'CronJob: @every: a duration is required (e.g. "@every 1h30m") in "@every"'],
    ['@every 5x', 'CronJob: @every: "5x" is not a duration (e.g. "1h30m", "90s") in "@every 5x"'],
    ['@every -5s', 'CronJob: @every: -5s is not a positive duration in "@every -5s"'],
    ['TZ= * * * * *', 'CronJob: time zone prefix: "TZ=" names no zone in "TZ= * * * * *"'],
    ['TZ=UTC', 'CronJob: the expression is empty in "TZ=UTC"'],
  ])('%s', (expression, message) => {
    expect(errorOf(expression)).toEqual({ code: 'ERR_CRON_JOB_PARSE', message });
  });

  it('rejects a seventh field and a sixth without seconds mode', () => {
    expect(errorOf('0 0 0 * * * 2030', true).message).toBe(
      'CronJob: expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading second field, got 7 in "0 0 0 * * * 2030"',
    );
    expect(errorOf('60 * * * * *', true).message).toBe(
      'CronJob: second field: 60 is out of range 0-59 in "60 * * * * *"',
    );
  });

  it.each(['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 31 2 ?', '0 0 30W 2 *', '0 0 L-29 2 *'])(
    '%s can never fire: ERR_CRON_JOB_INVALID',
    (expression) => {
      const error = errorOf(expression);
      expect(error.code).toBe('ERR_CRON_JOB_INVALID');
      expect(error.message).toBe(
        `CronJob: "${expression}" never matches a date (e.g. a day that its months lack)`,
      );
    },
  );

  it('accepts days some months lack when another month has them', () => {
    expect(runs('0 0 31 2,3 *', 1)).toEqual(['2026-03-31T00:00Z']);
    expect(runs('0 0 29 2 *', 2)).toEqual(['2028-02-29T00:00Z', '2032-02-29T00:00Z']);
    expect(runs('0 0 L-30 * *', 1)).toEqual(['2026-03-01T00:00Z']);
  });

  it('throws ERR_INVALID_TIME_ZONE for an unknown TZ= zone', () => {
    expect(errorOf('TZ=Mars/Olympus 0 0 * * *').code).toBe('ERR_INVALID_TIME_ZONE');
    expect(errorOf('CRON_TZ=Nowhere 0 0 * * *').message).toContain('Nowhere');
  });

  it('throws a TscronError for a non-string', () => {
    expect(errorOf(42 as unknown as string).code).toBe('ERR_CRON_JOB_PARSE');
  });
});

describe('compiled expressions', () => {
  it.each([
    ['*/10 1-5 * * * *', true],
    ['0 9 L * *', false],
    ['0 9 L-3,15W * *', false],
    ['0 9 LW * *', false],
    ['0 9 ? * 5L', false],
    ['0 9 * * MON#2,FRI#5,SUN#L', false],
    ['@every 90m', false],
    ['TZ=Asia/Tokyo @daily', false],
    ['CRON_TZ=Europe/London 30 0 9 * JAN-MAR 1-5', true],
  ])('%j reads as the parser wrote it', (expression, withSeconds) => {
    // The compiled form packs booleans and keeps rare fields apart; it must read back unchanged.
    const parsed = parseCron(expression, withSeconds);
    const compiled = compileCronUncached(expression, withSeconds) as unknown as CronFields;
    const names = Object.keys(parsed) as (keyof CronFields)[];
    expect(names).toHaveLength(19);
    for (const name of names) expect([name, compiled[name]]).toEqual([name, parsed[name]]);
  });
});
