import type { AtTime, DailyJobDefinition, MonthlyJobDefinition, WeeklyJobDefinition } from './definitions.js';
import type { DstPolicy, Schedule } from './schedule.js';
import {
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
} from './zone/civil.js';
import type { TimeZone } from './zone/time-zone.js';

/**
 * Daily, weekly and monthly jobs share one shape: a period (a day, a Sunday-started week, a month)
 * holds a few wall times; the job runs in the period of its first match after the anchor and then in
 * every `interval`-th period after it.
 */
interface PeriodCalendar {
  /** The period holding a day number. */
  periodOfDay(day: number): number;
  /** Appends the wall values of the period's runs to `into`, ascending. */
  wallsOf(period: number, into: number[]): void;
}

/** Gives up looking after this many periods: a definition that never matches has no next run. */
const MAX_PERIODS = 5000;

function atTimeOffsets(atTimes: readonly AtTime[]): number[] {
  return atTimes.map(
    (at) => at.hours * MS_PER_HOUR + at.minutes * MS_PER_MINUTE + at.seconds * MS_PER_SECOND,
  );
}

function dailyCalendar(definition: DailyJobDefinition): PeriodCalendar {
  const offsets = atTimeOffsets(definition.atTimes);
  return {
    periodOfDay: (day) => day,
    wallsOf(day, into) {
      for (const offset of offsets) into.push(day * MS_PER_DAY + offset);
    },
  };
}

// 1969-12-28, day -4, was a Sunday: week k starts on day 7k - 4.
const FIRST_SUNDAY = -4;

function weeklyCalendar(definition: WeeklyJobDefinition): PeriodCalendar {
  const offsets = atTimeOffsets(definition.atTimes);
  return {
    periodOfDay: (day) => Math.floor((day - FIRST_SUNDAY) / 7),
    wallsOf(week, into) {
      const sunday = week * 7 + FIRST_SUNDAY;
      for (const weekday of definition.weekdays) {
        for (const offset of offsets) into.push((sunday + weekday) * MS_PER_DAY + offset);
      }
    },
  };
}

function monthlyCalendar(definition: MonthlyJobDefinition): PeriodCalendar {
  const offsets = atTimeOffsets(definition.atTimes);
  const civil: CivilDate = { year: 0, month: 0, day: 0 };
  const days: number[] = [];
  return {
    periodOfDay(day) {
      civilFromDays(day, civil);
      return civil.year * 12 + civil.month - 1;
    },
    wallsOf(monthIndex, into) {
      const year = Math.floor(monthIndex / 12);
      const month = monthIndex - year * 12 + 1;
      const length = daysInMonth(year, month);
      const first = daysFromCivil(year, month, 1);
      days.length = 0;
      for (const day of definition.days) {
        // A negative day counts from the month's end; a day the month lacks is skipped.
        const dayOfMonth = day > 0 ? day : length + day + 1;
        if (dayOfMonth >= 1 && dayOfMonth <= length && !days.includes(dayOfMonth)) days.push(dayOfMonth);
      }
      days.sort((a, b) => a - b);
      for (const dayOfMonth of days) {
        for (const offset of offsets) into.push((first + dayOfMonth - 1) * MS_PER_DAY + offset);
      }
    },
  };
}

class PeriodSchedule implements Schedule {
  readonly deterministic = true;
  readonly #calendar: PeriodCalendar;
  readonly #interval: number;
  readonly #zone: TimeZone;
  readonly #dstPolicy: DstPolicy;
  readonly #walls: number[] = [];
  /** The period of the first run after the anchor; runs happen in firstPeriod + k * interval. */
  readonly #firstPeriod: number | undefined;

  constructor(
    calendar: PeriodCalendar,
    interval: number,
    zone: TimeZone,
    dstPolicy: DstPolicy,
    anchor: number,
  ) {
    this.#calendar = calendar;
    this.#interval = interval;
    this.#zone = zone;
    this.#dstPolicy = dstPolicy;
    this.#firstPeriod = this.#findPeriod(anchor, 1, undefined)?.period;
  }

  nextAfter(after: number): number | undefined {
    if (this.#firstPeriod === undefined) return undefined;
    return this.#findPeriod(after, this.#interval, this.#firstPeriod)?.instant;
  }

  /** The first run after `after` in periods aligned on `origin` (any period when undefined). */
  #findPeriod(after: number, step: number, origin: number | undefined) {
    // Start a day early: a run shifted over a spring-forward gap can fall into the next day.
    let period = this.#calendar.periodOfDay(Math.floor(this.#zone.wallAt(after) / MS_PER_DAY) - 1);
    if (origin !== undefined) {
      period = period <= origin ? origin : origin + Math.ceil((period - origin) / step) * step;
    }
    for (let tries = 0; tries < MAX_PERIODS; tries++, period += step) {
      const instant = this.#firstInstantAfter(period, after);
      if (instant !== undefined) return { period, instant };
    }
    return undefined;
  }

  #firstInstantAfter(period: number, after: number): number | undefined {
    const walls = this.#walls;
    walls.length = 0;
    this.#calendar.wallsOf(period, walls);
    let best: number | undefined;
    // Not simply the first wall after `after`: a wall time shifted over a gap can land after a later one.
    for (const wall of walls) {
      if (this.#dstPolicy === 'skip' && this.#zone.isInGap(wall)) continue;
      const instant = this.#zone.toInstant(wall);
      if (instant > after && (best === undefined || instant < best)) best = instant;
    }
    return best;
  }
}

/** The schedule of a daily, weekly or monthly job. */
export function compileCalendarSchedule(
  definition: DailyJobDefinition | WeeklyJobDefinition | MonthlyJobDefinition,
  zone: TimeZone,
  dstPolicy: DstPolicy,
  anchor: number,
): Schedule {
  const calendar =
    definition.kind === 'daily'
      ? dailyCalendar(definition)
      : definition.kind === 'weekly'
        ? weeklyCalendar(definition)
        : monthlyCalendar(definition);
  return new PeriodSchedule(calendar, definition.interval, zone, dstPolicy, anchor);
}
