/**
 * Bitset helpers for cron fields. Every set fits in small integers so that the engine works on
 * V8 small integers only: seconds and minutes are split into two 30-bit words (0-29 and 30-59),
 * hours use 24 bits, days of the month bit `day - 1`, months bit `month - 1`, weekdays 7 bits.
 */

/** Lowest set bit of `mask` at index >= `from` (0-31), or -1 when there is none. */
export function nextBit(mask: number, from: number): number {
  if (from > 31) return -1;
  const rest = mask & (-1 << from);
  if (rest === 0) return -1;
  return 31 - Math.clz32(rest & -rest);
}

/** Lowest value >= `from` in a 0-59 set stored as two 30-bit words, or -1. */
export function next60(low: number, high: number, from: number): number {
  if (from < 30) {
    const found = nextBit(low, from);
    if (found >= 0) return found;
    const upper = nextBit(high, 0);
    return upper < 0 ? -1 : upper + 30;
  }
  const upper = nextBit(high, from - 30);
  return upper < 0 ? -1 : upper + 30;
}

/** Whether `value` (0-59) is in a set stored as two 30-bit words. */
export function has60(low: number, high: number, value: number): boolean {
  return value < 30 ? ((low >>> value) & 1) === 1 : ((high >>> (value - 30)) & 1) === 1;
}

/** What a field is called in messages, and the values it accepts. */
export interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Upper-case three-letter names, index + `min` is the value. */
  readonly names: readonly string[] | undefined;
}

/** The optional leading field of a 6-field expression. */
export const SECOND: FieldSpec = { name: 'second', min: 0, max: 59, names: undefined };
/** Minutes of the hour. */
export const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59, names: undefined };
/** Hours of the day. */
export const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23, names: undefined };
/** Days of the month; `L`, `W` and `LW` are handled by the parser. */
export const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, names: undefined };
/** Months, by number or three-letter name. */
export const MONTH: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
/** 7 is Sunday too, as in Vixie cron; the parser folds it onto 0. */
export const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
};
