import { daysFromCivil, daysInMonth, weekdayOfDays } from '../zone/civil.js';
import type { CronFields } from './parse.js';

/**
 * The days of one month a cron expression runs on, as a 31-bit set (bit `day - 1`). Computing the
 * whole month at once turns `L`, `W`, `#` and the day-of-month/day-of-week OR rule into one bit scan
 * per month instead of a test per day.
 */
export function monthDays(fields: CronFields, year: number, month: number): number {
  const length = daysInMonth(year, month);
  const all = length === 31 ? 0x7fffffff : (1 << length) - 1;
  const first = firstWeekday(year, month);
  const byDay = daySet(fields, length, first);
  const byWeekday = weekdaySetOf(fields, length, first);
  // Vixie cron and robfig: when either field is unrestricted (`*` or `?`) both must match, else either may.
  const days = fields.daysStar || fields.weekdaysStar ? byDay & byWeekday : byDay | byWeekday;
  return days & all;
}

function firstWeekday(year: number, month: number): number {
  return weekdayOfDays(daysFromCivil(year, month, 1));
}

/** Days 1-31 falling on the weekdays of `weekdays` (7 bits) when day 1 is weekday `first`. */
function weekdaySet(weekdays: number, first: number): number {
  let days = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    if (((weekdays >>> weekday) & 1) === 0) continue;
    days |= WEEKLY[(weekday - first + 7) % 7] as number;
  }
  return days;
}

/** WEEKLY[k]: days k+1, k+8, k+15, ... up to 31, as bits. */
const WEEKLY: readonly number[] = Array.from({ length: 7 }, (_, k) => {
  let bits = 0;
  for (let day = k + 1; day <= 31; day += 7) bits |= 1 << (day - 1);
  return bits;
});

function daySet(fields: CronFields, length: number, first: number): number {
  let days = fields.days;
  for (let rest = fields.lastDays; rest !== 0; rest &= rest - 1) {
    const n = 31 - Math.clz32(rest & -rest);
    if (length - n >= 1) days |= 1 << (length - n - 1);
  }
  for (let rest = fields.nearestWeekdays; rest !== 0; rest &= rest - 1) {
    const day = 32 - Math.clz32(rest & -rest);
    // A day the month lacks has no nearest weekday: skipped, as a plain day would be.
    if (day <= length) days |= 1 << (nearestWeekday(day, length, first) - 1);
  }
  if (fields.lastWeekday) days |= 1 << (nearestWeekday(length, length, first) - 1);
  return days;
}

/** The weekday (Monday-Friday) nearest to `day`, never leaving the month. */
function nearestWeekday(day: number, length: number, first: number): number {
  const weekday = (first + day - 1) % 7;
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === length ? day - 2 : day + 1;
  return day;
}

function weekdaySetOf(fields: CronFields, length: number, first: number): number {
  let days = weekdaySet(fields.weekdays, first);
  if (fields.lastWeekdays !== 0) {
    const lastWeekday = (first + length - 1) % 7;
    for (let weekday = 0; weekday < 7; weekday++) {
      if (((fields.lastWeekdays >>> weekday) & 1) === 1)
        days |= 1 << (length - ((lastWeekday - weekday + 7) % 7) - 1);
    }
  }
  if (fields.nthWeekdays !== 0 || fields.fifthWeekdays !== 0) {
    for (let weekday = 0; weekday < 7; weekday++) {
      const firstDay = 1 + ((weekday - first + 7) % 7);
      for (let k = 1; k <= 5; k++) {
        const on =
          k === 5
            ? (fields.fifthWeekdays >>> weekday) & 1
            : (fields.nthWeekdays >>> ((k - 1) * 7 + weekday)) & 1;
        const day = firstDay + 7 * (k - 1);
        if (on === 1 && day <= length) days |= 1 << (day - 1);
      }
    }
  }
  return days;
}
