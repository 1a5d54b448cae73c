import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTscronError } from '../src/errors.js';
import { civilFromDays, daysFromCivil, wallFromFields } from '../src/zone/civil.js';
import { getTimeZone, localTimeZone, localTimeZoneName } from '../src/zone/time-zone.js';
import { TEST_ZONES } from './zones.js';

const HOUR = 3_600_000;
const ZONES = TEST_ZONES;

/** The offset Intl reports, the slow way, as the reference. */
function intlOffset(zone: string, instant: number): number {
  const text = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((part) => part.type === 'timeZoneName')?.value as string;
  const match = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?/.exec(text);
  if (match?.[1] === undefined) return 0;
  const magnitude = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
  return match[1] === '-' ? -magnitude : magnitude;
}

const utc = (iso: string) => Date.parse(`${iso}Z`);

describe('civil calendar arithmetic', () => {
  it('round-trips day numbers across four centuries', () => {
    const date = { year: 0, month: 0, day: 0 };
    for (let day = daysFromCivil(1800, 1, 1); day < daysFromCivil(2200, 1, 1); day += 17) {
      civilFromDays(day, date);
      expect(daysFromCivil(date.year, date.month, date.day)).toBe(day);
    }
  });

  it('agrees with Date.UTC', () => {
    expect(wallFromFields(2024, 2, 29, 13, 5, 7, 9)).toBe(Date.UTC(2024, 1, 29, 13, 5, 7, 9));
    expect(wallFromFields(1969, 12, 31, 23, 59, 59)).toBe(Date.UTC(1969, 11, 31, 23, 59, 59));
  });
});

describe('getTimeZone', () => {
  it('rejects unknown zones with ERR_INVALID_TIME_ZONE naming the zone', () => {
    expect(() => getTimeZone('Mars/Olympus_Mons')).toThrow(/Mars\/Olympus_Mons/);
    try {
      getTimeZone('Not/AZone');
    } catch (error) {
      expect(isTscronError(error, 'ERR_INVALID_TIME_ZONE')).toBe(true);
    }
    expect(() => getTimeZone('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TIME_ZONE' }));
  });

  it('caches zones and resolves aliases to canonical names', () => {
    expect(getTimeZone('America/New_York')).toBe(getTimeZone('America/New_York'));
    expect(getTimeZone('Etc/UTC').name).toBe('UTC');
    expect(typeof localTimeZoneName()).toBe('string');
  });

  it.each(ZONES)('matches Intl offsets at random instants 1950-2080 in %s', (zone) => {
    const table = getTimeZone(zone);
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(2080, 0, 1) / 1000 }),
        (seconds) => {
          const instant = seconds * 1000;
          expect(table.offsetAt(instant)).toBe(intlOffset(zone, instant));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects instants no Date can hold instead of looping', () => {
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' });
    for (const instant of [Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => getTimeZone('UTC').offsetAt(instant)).toThrow(invalid);
    }
    for (const instant of [Number.POSITIVE_INFINITY, Number.NaN, -9e15, 1e300]) {
      expect(() => getTimeZone('Europe/London').offsetAt(instant)).toThrow(invalid);
    }
  });

  it('finds transitions to the exact second', () => {
    const newYork = getTimeZone('America/New_York');
    const springForward = utc('2026-03-08T07:00:00');
    expect(newYork.offsetAt(springForward - 1000)).toBe(-5 * HOUR);
    expect(newYork.offsetAt(springForward)).toBe(-4 * HOUR);
    expect(newYork.constantUntil(springForward - 5 * HOUR)).toBe(springForward);
  });
});

describe('localTimeZone', () => {
  it('reads offsets from Date, as the named zone does from Intl, and follows TZ', () => {
    const saved = process.env.TZ;
    try {
      for (const name of ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
        process.env.TZ = name;
        const local = localTimeZone();
        const named = getTimeZone(name);
        expect(local.name).toBe(named.name);
        // Every 6 hours over two years, across each DST change of both hemispheres.
        for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2028, 0, 1); at += 6 * HOUR) {
          expect(local.offsetAt(at)).toBe(named.offsetAt(at));
        }
        const spring = Date.UTC(2026, 2, 8, 2, 30);
        expect(local.isInGap(spring)).toBe(named.isInGap(spring));
        expect(local.toInstant(spring)).toBe(named.toInstant(spring));
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(localTimeZone().name).toBe(localTimeZoneName());
  });
});

describe('wall time to instant', () => {
  it('reads a spring-gap wall time with the offset before the gap (02:30 -> 03:30)', () => {
    const newYork = getTimeZone('America/New_York');
    const wall = utc('2026-03-08T02:30:00');
    expect(newYork.isInGap(wall)).toBe(true);
    expect(new Date(newYork.toInstant(wall)).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(newYork.wallAt(newYork.toInstant(wall))).toBe(utc('2026-03-08T03:30:00'));
  });

  it('takes the first occurrence of an overlap wall time, or the later on request', () => {
    const newYork = getTimeZone('America/New_York');
    const wall = utc('2026-11-01T01:30:00');
    expect(newYork.isInGap(wall)).toBe(false);
    expect(new Date(newYork.toInstant(wall)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(new Date(newYork.toLaterInstant(wall)).toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });

  it('handles the 30-minute shift of Lord Howe', () => {
    const lordHowe = getTimeZone('Australia/Lord_Howe');
    // Clocks go from 02:00 to 02:30 on the first Sunday of October.
    const gap = utc('2026-10-04T02:15:00');
    expect(lordHowe.isInGap(gap)).toBe(true);
    expect(lordHowe.wallAt(lordHowe.toInstant(gap))).toBe(utc('2026-10-04T02:45:00'));
    // And from 02:00 back to 01:30 on the first Sunday of April: 01:45 happens twice, 30 minutes apart.
    const overlap = utc('2026-04-05T01:45:00');
    expect(lordHowe.toLaterInstant(overlap) - lordHowe.toInstant(overlap)).toBe(HOUR / 2);
  });

  it('handles midnight transitions in Santiago (the day starts at 01:00)', () => {
    const santiago = getTimeZone('America/Santiago');
    const midnight = utc('2026-09-06T00:00:00');
    expect(santiago.isInGap(midnight)).toBe(true);
    expect(santiago.wallAt(santiago.toInstant(midnight))).toBe(utc('2026-09-06T01:00:00'));
  });

  it('round-trips every instant that is not in an overlap, on all zones', () => {
    for (const zone of ZONES) {
      const table = getTimeZone(zone);
      fc.assert(
        fc.property(
          fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 }),
          (seconds) => {
            const instant = seconds * 1000;
            const wall = table.wallAt(instant);
            const first = table.toInstant(wall);
            const later = table.toLaterInstant(wall);
            expect(instant === first || instant === later).toBe(true);
            expect(table.isInGap(wall)).toBe(false);
          },
        ),
        { numRuns: 500 },
      );
    }
  });

  it('extends its table backwards as well as forwards', () => {
    const london = getTimeZone('Europe/London');
    expect(london.offsetAt(utc('2030-07-01T00:00:00'))).toBe(HOUR);
    expect(london.offsetAt(utc('1975-07-01T00:00:00'))).toBe(HOUR);
    expect(london.offsetAt(utc('1975-01-01T00:00:00'))).toBe(0);
    expect(london.offsetAt(utc('2030-01-01T00:00:00'))).toBe(0);
  });
});
