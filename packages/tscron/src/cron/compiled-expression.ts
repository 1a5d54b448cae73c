import type { DstPolicy, Schedule } from '../schedule.js';
import type { TimeZone } from '../zone/time-zone.js';
import type { CompiledCron } from './compile.js';
import { type CronProgram, nextInstant } from './next.js';
import { clearFields } from './parse.js';

// Bits of `flags`: the boolean fields, packed, as each field costs 8 bytes per expression.
const LAST_WEEKDAY = 1;
const DAYS_STAR = 2;
const WEEKDAYS_STAR = 4;
const WILDCARD = 8;
/** The bound schedule skips spring-forward gap days (dstPolicy 'skip'). */
const BOUND_SKIP = 16;

/** The fields few expressions use (`L`, `W`, `#`, `@every`, a zone prefix), kept apart. */
class RareFields {
  lastDays = 0;
  nearestWeekdays = 0;
  lastWeekdays = 0;
  nthWeekdays = 0;
  fifthWeekdays = 0;
  every = 0;
  zone: TimeZone | undefined = undefined;
}

const NONE = new RareFields();

/**
 * A compiled expression. Its fields are inline (one object per expression, not three), booleans
 * packed into `flags` and rare fields in a side object made only when one is set: a scheduler adding
 * 100,000 distinct expressions pays for every byte. It also remembers the zone and policy of the
 * first schedule asked of it, so that it serves as that schedule itself (see {@link CompiledCron.bind}).
 *
 * A new one reads as blank fields (second 0, nothing else), as `clearFields` leaves them.
 */
export class CompiledExpression implements CompiledCron, CronProgram, Schedule {
  declare readonly expression: string;
  declare flags: number;
  declare secondsLow: number;
  declare secondsHigh: number;
  declare minutesLow: number;
  declare minutesHigh: number;
  declare hours: number;
  declare days: number;
  declare months: number;
  declare weekdays: number;
  declare rare: RareFields;
  declare monthKey: number;
  declare monthMask: number;
  declare boundZone: TimeZone | undefined;

  constructor(expression: string) {
    this.expression = expression;
    // The packed and side fields first: clearFields writes through their accessors.
    this.flags = 0;
    this.rare = NONE;
    clearFields(this);
    this.monthKey = -1;
    this.monthMask = 0;
    this.boundZone = undefined;
  }

  get timeZone(): string | undefined {
    return this.rare.zone?.name;
  }

  get deterministic(): boolean {
    return true;
  }

  // ---- the booleans, in `flags` ----

  get lastWeekday(): boolean {
    return (this.flags & LAST_WEEKDAY) !== 0;
  }

  set lastWeekday(on: boolean) {
    this.#flag(LAST_WEEKDAY, on);
  }

  get daysStar(): boolean {
    return (this.flags & DAYS_STAR) !== 0;
  }

  set daysStar(on: boolean) {
    this.#flag(DAYS_STAR, on);
  }

  get weekdaysStar(): boolean {
    return (this.flags & WEEKDAYS_STAR) !== 0;
  }

  set weekdaysStar(on: boolean) {
    this.#flag(WEEKDAYS_STAR, on);
  }

  get wildcard(): boolean {
    return (this.flags & WILDCARD) !== 0;
  }

  set wildcard(on: boolean) {
    this.#flag(WILDCARD, on);
  }

  #flag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  // ---- the rare fields ----

  get lastDays(): number {
    return this.rare.lastDays;
  }

  set lastDays(bits: number) {
    if (bits !== this.rare.lastDays) this.#ownRare().lastDays = bits;
  }

  get nearestWeekdays(): number {
    return this.rare.nearestWeekdays;
  }

  set nearestWeekdays(bits: number) {
    if (bits !== this.rare.nearestWeekdays) this.#ownRare().nearestWeekdays = bits;
  }

  get lastWeekdays(): number {
    return this.rare.lastWeekdays;
  }

  set lastWeekdays(bits: number) {
    if (bits !== this.rare.lastWeekdays) this.#ownRare().lastWeekdays = bits;
  }

  get nthWeekdays(): number {
    return this.rare.nthWeekdays;
  }

  set nthWeekdays(bits: number) {
    if (bits !== this.rare.nthWeekdays) this.#ownRare().nthWeekdays = bits;
  }

  get fifthWeekdays(): number {
    return this.rare.fifthWeekdays;
  }

  set fifthWeekdays(bits: number) {
    if (bits !== this.rare.fifthWeekdays) this.#ownRare().fifthWeekdays = bits;
  }

  get every(): number {
    return this.rare.every;
  }

  set every(ms: number) {
    if (ms !== this.rare.every) this.#ownRare().every = ms;
  }

  get zone(): TimeZone | undefined {
    return this.rare.zone;
  }

  set zone(zone: TimeZone | undefined) {
    if (zone !== this.rare.zone) this.#ownRare().zone = zone;
  }

  /** This expression's own rare fields, made on the first write that needs them. */
  #ownRare(): RareFields {
    if (this.rare === NONE) this.rare = new RareFields();
    return this.rare;
  }

  // ---- schedules ----

  next(after: number, zone: TimeZone, dstPolicy: DstPolicy, anchor: number): number | undefined {
    const every = this.rare.every;
    if (every > 0) {
      const k = Math.max(1, Math.floor((after - anchor) / every) + 1);
      return anchor + k * every;
    }
    return nextInstant(this, after, this.rare.zone ?? zone, dstPolicy === 'shift');
  }

  bind(zone: TimeZone, dstPolicy: DstPolicy): Schedule | undefined {
    if (this.rare.every > 0) return undefined;
    const skip = dstPolicy === 'skip';
    if (this.boundZone === undefined) {
      this.boundZone = zone;
      this.#flag(BOUND_SKIP, skip);
      return this;
    }
    return this.boundZone === zone && ((this.flags & BOUND_SKIP) !== 0) === skip ? this : undefined;
  }

  nextAfter(after: number): number | undefined {
    return nextInstant(
      this,
      after,
      this.rare.zone ?? (this.boundZone as TimeZone),
      (this.flags & BOUND_SKIP) === 0,
    );
  }
}
