import {
  civilFromDays,
  daysFromCivil,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
} from '../zone/civil.js';
import type { TimeZone } from '../zone/time-zone.js';
import { monthDays } from './days.js';
import { next60, nextBit } from './fields.js';
import type { CronFields } from './parse.js';

/** Parsed fields plus the days of the month last asked for, since chained calls stay in one month. */
export interface CronProgram extends CronFields {
  monthKey: number;
  monthMask: number;
}

/** How far ahead a search goes before answering "never": about 30 years. */
export const SEARCH_SPAN_MS = 30 * 366 * MS_PER_DAY;

const LAST_SEARCHABLE = 8.64e15 - SEARCH_SPAN_MS - 2 * MS_PER_DAY;

const civil = { year: 0, month: 0, day: 0 };

function daysOf(program: CronProgram, year: number, month: number): number {
  const key = year * 16 + month;
  if (program.monthKey !== key) {
    program.monthKey = key;
    program.monthMask = monthDays(program, year, month);
  }
  return program.monthMask;
}

/**
 * The first wall time >= `from` (a whole-second wall value) that the fields match, or NaN when there
 * is none before `limit`. Jumps from the largest unit down: a month that does not match is skipped
 * whole, then a day, an hour, a minute; seconds are never stepped through.
 */
export function nextWall(program: CronProgram, from: number, limit: number): number {
  if (!(from < limit)) return Number.NaN;
  const fields: CronFields = program;
  const dayNumber = Math.floor(from / MS_PER_DAY);
  const secondOfDay = (from - dayNumber * MS_PER_DAY) / MS_PER_SECOND;
  let hour = Math.floor(secondOfDay / 3600);
  let minute = Math.floor((secondOfDay - hour * 3600) / 60);
  let second = secondOfDay - hour * 3600 - minute * 60;
  civilFromDays(dayNumber, civil);
  let year = civil.year;
  let month = civil.month;
  let day = civil.day;
  for (;;) {
    if (((fields.months >>> (month - 1)) & 1) === 0) {
      const found = nextBit(fields.months, month);
      if (found < 0) {
        year++;
        month = nextBit(fields.months, 0) + 1;
      } else {
        month = found + 1;
      }
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
      if (daysFromCivil(year, month, 1) * MS_PER_DAY >= limit) return Number.NaN;
    }
    const foundDay = nextBit(daysOf(program, year, month), day - 1);
    if (foundDay < 0) {
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      hour = 0;
      minute = 0;
      second = 0;
      if (daysFromCivil(year, month, 1) * MS_PER_DAY >= limit) return Number.NaN;
      continue;
    }
    if (foundDay + 1 !== day) {
      day = foundDay + 1;
      hour = 0;
      minute = 0;
      second = 0;
    }
    const foundHour = nextBit(fields.hours, hour);
    if (foundHour < 0) {
      day++;
      hour = 0;
      minute = 0;
      second = 0;
      continue;
    }
    if (foundHour !== hour) {
      hour = foundHour;
      minute = 0;
      second = 0;
    }
    const foundMinute = next60(fields.minutesLow, fields.minutesHigh, minute);
    if (foundMinute < 0) {
      hour++;
      minute = 0;
      second = 0;
      if (hour === 24) {
        hour = 0;
        day++;
      }
      continue;
    }
    if (foundMinute !== minute) {
      minute = foundMinute;
      second = 0;
    }
    const foundSecond = next60(fields.secondsLow, fields.secondsHigh, second);
    if (foundSecond < 0) {
      minute++;
      second = 0;
      if (minute === 60) {
        minute = 0;
        hour++;
        if (hour === 24) {
          hour = 0;
          day++;
        }
      }
      continue;
    }
    const wall =
      daysFromCivil(year, month, day) * MS_PER_DAY +
      hour * MS_PER_HOUR +
      minute * MS_PER_MINUTE +
      foundSecond * MS_PER_SECOND;
    return wall < limit ? wall : Number.NaN;
  }
}

/** The smallest whole second strictly after `ms`. */
function secondAfter(ms: number): number {
  return Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND + MS_PER_SECOND;
}

/** The smallest whole second at or after `ms`. */
function secondFrom(ms: number): number {
  return Math.ceil(ms / MS_PER_SECOND) * MS_PER_SECOND;
}

/**
 * The first instant strictly after `after` at which the expression runs in `zone`, by tscron's
 * daylight-saving rules, or undefined when there is none within {@link SEARCH_SPAN_MS}.
 *
 * Walks the zone's constant-offset segments: inside one, wall = instant + offset is monotone, so the
 * next matching wall time gives the segment's first run. At a transition:
 * - a spring-forward gap's wall times (non-wildcard, policy `shift`) run at the offset before the
 *   gap; they land after the segment's first instant, so the earlier of both candidates wins;
 * - after a fall-back, the repeated wall times already ran in the previous segment (non-wildcard);
 *   a wildcard expression runs them again, as they exist twice.
 * A non-wildcard search starts a day early so that a transition just before `after` is seen.
 */
export function nextInstant(
  program: CronProgram,
  after: number,
  zone: TimeZone,
  shiftGaps: boolean,
): number | undefined {
  // Past this, instants leave the range Date and Intl can represent (±8.64e15 ms).
  if (!(Math.abs(after) < LAST_SEARCHABLE)) return undefined;
  const wildcard = program.wildcard;
  const end = after + SEARCH_SPAN_MS;
  let start = wildcard ? after : after - MS_PER_DAY;
  let previousOffset = Number.NaN;
  let best = Number.POSITIVE_INFINITY;
  for (;;) {
    const offset = zone.offsetAt(start);
    const until = zone.constantUntil(start);
    const lowest = !wildcard && previousOffset > offset ? start + previousOffset : start + offset;
    const wall = nextWall(
      program,
      Math.max(secondFrom(lowest), secondAfter(after + offset)),
      Math.min(until, end) + offset,
    );
    if (!Number.isNaN(wall) && wall - offset < best) best = wall - offset;
    if (!wildcard && shiftGaps && previousOffset < offset) {
      const gapWall = nextWall(
        program,
        Math.max(secondFrom(start + previousOffset), secondAfter(after + previousOffset)),
        start + offset,
      );
      if (!Number.isNaN(gapWall) && gapWall - previousOffset < best) best = gapWall - previousOffset;
    }
    if (best < until || until >= end) break;
    previousOffset = offset;
    start = until;
  }
  return best === Number.POSITIVE_INFINITY ? undefined : best;
}
