import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCronUncached } from '../src/cron/compile.js';
import { has60 } from '../src/cron/fields.js';
import { type CronFields, parseCron } from '../src/cron/parse.js';
import { isTscronError } from '../src/errors.js';
import { getTimeZone, type TimeZone } from '../src/zone/time-zone.js';
import { TEST_ZONES } from './zones.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ZONES = TEST_ZONES.map((name) => getTimeZone(name));

/** Each zone's transitions in 2025-2027, to start searches near them. */
function transitionsOf(zone: TimeZone): number[] {
  const found: number[] = [];
  let at = Date.UTC(2025, 0, 1);
  while (at < Date.UTC(2028, 0, 1)) {
    const until = zone.constantUntil(at);
    if (until >= Date.UTC(2028, 0, 1)) break;
    if (zone.offsetAt(until) !== zone.offsetAt(at)) found.push(until);
    at = until;
  }
  return found;
}

/**
 * A reference matcher, written independently of the engine's month day sets: it tests one wall
 * time against the parsed fields with plain `Date` arithmetic.
 */
function matches(fields: CronFields, wall: number): boolean {
  const date = new Date(wall);
  if (!has60(fields.secondsLow, fields.secondsHigh, date.getUTCSeconds())) return false;
  if (!has60(fields.minutesLow, fields.minutesHigh, date.getUTCMinutes())) return false;
  if (((fields.hours >>> date.getUTCHours()) & 1) === 0) return false;
  if (((fields.months >>> date.getUTCMonth()) & 1) === 0) return false;
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const weekday = date.getUTCDay();
  const length = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const weekdayOf = (d: number) => new Date(Date.UTC(year, month, d)).getUTCDay();
  const nearest = (d: number) => {
    const w = weekdayOf(d);
    if (w === 6) return d === 1 ? 3 : d - 1;
    if (w === 0) return d === length ? d - 2 : d + 1;
    return d;
  };
  let byDay = ((fields.days >>> (day - 1)) & 1) === 1;
  for (let n = 0; n <= 30; n++) if (((fields.lastDays >>> n) & 1) === 1 && day === length - n) byDay = true;
  for (let n = 1; n <= 31; n++) {
    if (((fields.nearestWeekdays >>> (n - 1)) & 1) === 1 && n <= length && nearest(n) === day) byDay = true;
  }
  if (fields.lastWeekday && nearest(length) === day) byDay = true;
  let byWeekday = ((fields.weekdays >>> weekday) & 1) === 1;
  if (((fields.lastWeekdays >>> weekday) & 1) === 1 && day + 7 > length) byWeekday = true;
  const nth = Math.ceil(day / 7);
  if (nth <= 4 && ((fields.nthWeekdays >>> ((nth - 1) * 7 + weekday)) & 1) === 1) byWeekday = true;
  if (nth === 5 && ((fields.fifthWeekdays >>> weekday) & 1) === 1) byWeekday = true;
  return fields.daysStar || fields.weekdaysStar ? byDay && byWeekday : byDay || byWeekday;
}

const small = (low: number, high: number) => fc.integer({ min: low, max: high });
const listOf = (item: fc.Arbitrary<string>) =>
  fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
const numeric = (low: number, high: number) =>
  fc.oneof(
    small(low, high).map(String),
    fc.tuple(small(low, high), small(low, high)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    small(1, Math.min(20, high)).map((step) => `*/${step}`),
    fc
      .tuple(small(low, high), small(low, high), small(1, Math.min(10, high - low + 1)))
      .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
  );
const minuteField = fc.oneof(fc.constant('*'), listOf(numeric(0, 59)));
const hourField = fc.oneof(
  { arbitrary: fc.constant('*'), weight: 1 },
  // The hours that DST transitions skip or repeat in the zones under test.
  { arbitrary: fc.constantFrom('0', '1', '2', '3', '1-3', '2,3', '0,23', '*/2', '23'), weight: 3 },
  { arbitrary: listOf(numeric(0, 23)), weight: 1 },
);
const dayField = fc.oneof(
  { arbitrary: fc.constantFrom('*', '?'), weight: 4 },
  { arbitrary: listOf(numeric(1, 31)), weight: 2 },
  { arbitrary: fc.constantFrom('L', 'LW', 'L-2', '1W', '15W', '31W', '1,L', '30W'), weight: 1 },
);
const monthField = fc.oneof(
  { arbitrary: fc.constant('*'), weight: 4 },
  { arbitrary: listOf(numeric(1, 12)), weight: 1 },
);
const weekdayField = fc.oneof(
  { arbitrary: fc.constantFrom('*', '?'), weight: 4 },
  { arbitrary: listOf(numeric(0, 7)), weight: 2 },
  { arbitrary: fc.constantFrom('MON-FRI', '5L', 'SUN#1', '1#2,5L', '3#5', 'FRI-SUN', '6#L'), weight: 1 },
);

/** Minute-level expressions (5 fields), or with a seconds field. */
const expressionArbitrary = (withSeconds: boolean) =>
  fc
    .tuple(
      withSeconds ? fc.oneof(fc.constant('0'), listOf(numeric(0, 59))) : fc.constant(''),
      minuteField,
      hourField,
      dayField,
      monthField,
      weekdayField,
    )
    .map((parts) => parts.filter((part) => part !== '').join(' '));

/** A zone and an instant: within hours of one of its transitions, within days, or anywhere. */
const zoneAndInstant: fc.Arbitrary<[TimeZone, number]> = fc.constantFrom(...ZONES).chain((zone) => {
  const transitions = transitionsOf(zone);
  const anywhere = small(Date.UTC(2025, 0, 1) / MINUTE, Date.UTC(2028, 0, 1) / MINUTE).map(
    (minutes) => minutes * MINUTE,
  );
  if (transitions.length === 0) return fc.tuple(fc.constant(zone), anywhere);
  const near = (minutes: number) =>
    fc
      .tuple(fc.constantFrom(...transitions), small(-minutes, minutes), small(0, 59_999))
      .map(([at, offset, ms]) => at + offset * MINUTE + ms);
  return fc.tuple(fc.constant(zone), fc.oneof(near(3 * 60), near(2 * 24 * 60), anywhere));
});

function compileOrSkip(expression: string, withSeconds: boolean) {
  try {
    return compileCronUncached(expression, withSeconds);
  } catch (error) {
    if (isTscronError(error, 'ERR_CRON_JOB_INVALID')) return undefined;
    throw error;
  }
}

/** Where a run at `instant` comes from: its own wall time, or a gap wall time shifted forward. */
function runsAt(fields: CronFields, zone: TimeZone, instant: number, shift: boolean): boolean {
  const wall = zone.wallAt(instant);
  if (matches(fields, wall) && (fields.wildcard || zone.toInstant(wall) === instant)) return true;
  if (fields.wildcard || !shift) return false;
  // Gaps are at most two hours: the offset three hours earlier is the one before the gap.
  const gapWall = instant + zone.offsetAt(instant - 3 * HOUR);
  return zone.isInGap(gapWall) && matches(fields, gapWall) && zone.toInstant(gapWall) === instant;
}

const policyArbitrary = fc.constantFrom<'shift' | 'skip'>('shift', 'skip');

/** next(t) > t, next(t) is a run, and brute force finds no run strictly between them. */
function checkNext(
  expression: string,
  withSeconds: boolean,
  zone: TimeZone,
  after: number,
  policy: 'shift' | 'skip',
) {
  const compiled = compileOrSkip(expression, withSeconds);
  if (compiled === undefined) return;
  const fields = parseCron(expression, withSeconds);
  const shift = policy === 'shift';
  const next = compiled.next(after, zone, policy, after);
  if (next === undefined) return;
  expect(next).toBeGreaterThan(after);
  expect(runsAt(fields, zone, next, shift)).toBe(true);
  // Every minute over two days; with a seconds field, every second over three hours.
  const step = withSeconds ? 1000 : MINUTE;
  const end = Math.min(next, after + (withSeconds ? 3 * HOUR : 2 * DAY));
  for (let at = Math.floor(after / step) * step + step; at < end; at += step) {
    if (runsAt(fields, zone, at, shift)) {
      throw new Error(`missed ${new Date(at).toISOString()} before ${new Date(next).toISOString()}`);
    }
  }
}

describe('cron properties', () => {
  for (const withSeconds of [false, true]) {
    it(`next(t) > t, it is a run, and no run lies between (${withSeconds ? 'seconds' : 'minutes'})`, () => {
      fc.assert(
        fc.property(
          expressionArbitrary(withSeconds),
          zoneAndInstant,
          policyArbitrary,
          (expression, [zone, after], policy) => checkNext(expression, withSeconds, zone, after, policy),
        ),
        { numRuns: withSeconds ? 300 : 1500, seed: 1_234_567 },
      );
    });
  }

  it('finds the next run around transitions: gaps, overlaps, wildcard or not', () => {
    const hours = fc.constantFrom('0', '1', '2', '3', '0-3', '2,3', '1-2', '*', '*/2', '23', '22-23');
    const nearTransition = fc
      .constantFrom(...ZONES.filter((zone) => transitionsOf(zone).length > 0))
      .chain((zone) =>
        fc.tuple(
          fc.constant(zone),
          fc
            .tuple(fc.constantFrom(...transitionsOf(zone)), small(-4 * 60, 3 * 60), small(0, 59_999))
            .map(([at, minutes, ms]) => at + minutes * MINUTE + ms),
        ),
      );
    fc.assert(
      fc.property(
        fc.boolean(),
        minuteField,
        hours,
        nearTransition,
        policyArbitrary,
        (withSeconds, minutes, hour, [zone, after], policy) =>
          checkNext(
            `${withSeconds ? '0,30 ' : ''}${minutes} ${hour} * * *`,
            withSeconds,
            zone,
            after,
            policy,
          ),
      ),
      { numRuns: 1500, seed: 99 },
    );
  });

  it('runs a chain of next() calls in order, each once', () => {
    fc.assert(
      fc.property(expressionArbitrary(false), zoneAndInstant, (expression, [zone, after]) => {
        const compiled = compileOrSkip(expression, false);
        if (compiled === undefined) return;
        let at = after;
        for (let i = 0; i < 50; i++) {
          const next = compiled.next(at, zone, 'shift', after);
          if (next === undefined) break;
          expect(next).toBeGreaterThan(at);
          at = next;
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  const mutate = (text: string, edits: Array<[number, number, string]>) => {
    let out = text;
    for (const [kind, position, character] of edits) {
      const at = out.length === 0 ? 0 : position % (out.length + 1);
      if (kind === 0) out = out.slice(0, at) + character + out.slice(at);
      else if (kind === 1) out = out.slice(0, at) + out.slice(at + 1);
      else out = out.slice(0, at) + character + out.slice(at + 1);
    }
    return out;
  };
  const alphabet = fc.constantFrom(...'0123456789*/,-?LW#@ JANMONFRISUNxyTZ=_eveyr.hms\t\u00a0é𝟘'.split(''));
  const anyInput = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(alphabet, { maxLength: 40 }).map((chars) => chars.join('')),
    fc
      .tuple(
        fc.oneof(
          expressionArbitrary(false),
          expressionArbitrary(true),
          fc.constantFrom('@daily', '@every 1h', 'TZ=UTC 0 0 * * *'),
        ),
        fc.array(fc.tuple(small(0, 2), small(0, 1000), alphabet), { minLength: 1, maxLength: 4 }),
      )
      .map(([text, edits]) => mutate(text, edits)),
  );

  it('compiles any string or throws a TscronError, quickly', () => {
    fc.assert(
      fc.property(anyInput, fc.boolean(), (input, withSeconds) => {
        const started = performance.now();
        try {
          const compiled = compileCronUncached(input, withSeconds);
          const next = compiled.next(Date.UTC(2026, 0, 1), getTimeZone('America/New_York'), 'shift', 0);
          if (next !== undefined) expect(next).toBeGreaterThan(Date.UTC(2026, 0, 1));
        } catch (error) {
          if (!isTscronError(error)) throw error;
          expect(['ERR_CRON_JOB_PARSE', 'ERR_CRON_JOB_INVALID', 'ERR_INVALID_TIME_ZONE']).toContain(
            error.code,
          );
        }
        expect(performance.now() - started).toBeLessThan(250);
      }),
      { numRuns: 5000, seed: 42 },
    );
  });
});
