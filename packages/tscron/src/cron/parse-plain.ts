import type { CronFields } from './parse.js';

const SPACE = 0x20;
const STAR = 0x2a;
const COMMA = 0x2c;
const DASH = 0x2d;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;

/** Start and end of each field found (a seventh means too many). */
const bounds = new Int32Array(14);

// scanField() and scanNumber() leave their results here rather than in a new object: see
// parsePlainCron's comment.
let scannedLow = 0;
let scannedHigh = 0;
let scannedStar = false;
let scannedEnd = 0;

/**
 * Parses the plain form of a cron expression into `fields`: fields separated by spaces, made only of
 * numbers, `*`, ranges, steps and lists (`0 0-45/15 9-17 * 1-5`). Returns false, leaving `fields`
 * untouched, on anything else: names, `?`, `L`, `W`, `#`, descriptors, a zone prefix, other
 * whitespace, and every error; the full parser then decides, and names the error.
 *
 * Most expressions are plain. The full parser cuts the text into pieces; this one reads it in place
 * and allocates nothing, which matters to a scheduler adding many distinct expressions.
 */
export function parsePlainCron(expression: string, withSeconds: boolean, fields: CronFields): boolean {
  const length = expression.length;
  let count = 0;
  let at = 0;
  for (;;) {
    while (at < length && expression.charCodeAt(at) === SPACE) at++;
    if (at === length) break;
    if (count === 6) return false;
    bounds[2 * count] = at;
    while (at < length && expression.charCodeAt(at) !== SPACE) at++;
    bounds[2 * count + 1] = at;
    count++;
  }
  let field = 0;
  let secondsLow = 1;
  let secondsHigh = 0;
  if (count === 6 && withSeconds) {
    if (!scanField(expression, 0, 0, 59)) return false;
    secondsLow = scannedLow;
    secondsHigh = scannedHigh;
    field = 1;
  } else if (count !== 5) return false;
  if (!scanField(expression, field, 0, 59)) return false;
  const minutesLow = scannedLow;
  const minutesHigh = scannedHigh;
  if (!scanField(expression, field + 1, 0, 23)) return false;
  const hours = scannedLow;
  if (!scanField(expression, field + 2, 1, 31)) return false;
  // Day d is bit d - 1: values 1-29 come from the low word, 30 and 31 from the high one.
  const days = (scannedLow >>> 1) | (scannedHigh << 29);
  const daysStar = scannedStar;
  if (!scanField(expression, field + 3, 1, 12)) return false;
  const months = scannedLow >>> 1;
  if (!scanField(expression, field + 4, 0, 7)) return false;
  // 7 is Sunday too: fold bit 7 onto bit 0.
  const weekdays = (scannedLow & 0x80) === 0 ? scannedLow : (scannedLow & 0x7f) | 1;
  fields.secondsLow = secondsLow;
  fields.secondsHigh = secondsHigh;
  fields.minutesLow = minutesLow;
  fields.minutesHigh = minutesHigh;
  fields.hours = hours;
  fields.days = days;
  fields.months = months;
  fields.weekdays = weekdays;
  fields.daysStar = daysStar;
  fields.weekdaysStar = scannedStar;
  fields.wildcard =
    expression.charCodeAt(bounds[2 * field] as number) === STAR ||
    expression.charCodeAt(bounds[2 * field + 2] as number) === STAR;
  return true;
}

/**
 * Reads field number `index` as a comma list of `*`, values, ranges and steps within `min`-`max`,
 * into `scannedLow` (values 0-29), `scannedHigh` (30-59) and `scannedStar` (an item starts with `*`).
 * False on anything the full parser should see.
 */
function scanField(text: string, index: number, min: number, max: number): boolean {
  let at = bounds[2 * index] as number;
  const end = bounds[2 * index + 1] as number;
  let low32 = 0;
  let high32 = 0;
  let star = false;
  for (;;) {
    let from: number;
    let to: number;
    let single = false;
    if (text.charCodeAt(at) === STAR) {
      from = min;
      to = max;
      star = true;
      at++;
    } else {
      from = scanNumber(text, at, end);
      if (from < 0) return false;
      at = scannedEnd;
      if (at < end && text.charCodeAt(at) === DASH) {
        to = scanNumber(text, at + 1, end);
        if (to < 0) return false;
        at = scannedEnd;
        // A week range may end on Sunday written as 0 (`5-0`): Sunday is then its last day, 7.
        if (max === 7 && to === 0 && from > 0) to = 7;
        if (from > to) return false;
      } else {
        to = from;
        single = true;
      }
      if (from < min || to > max) return false;
    }
    let step = 1;
    if (at < end && text.charCodeAt(at) === SLASH) {
      step = scanNumber(text, at + 1, end);
      if (step < 1 || step > max - min + 1) return false;
      at = scannedEnd;
      // `5/15`: from 5 to the end of the range.
      if (single) to = max;
    }
    for (let value = from; value <= to; value += step) {
      if (value < 30) low32 |= 1 << value;
      else high32 |= 1 << (value - 30);
    }
    if (at === end) break;
    // Anything but a comma here (a letter, `?`, a second `/`...) is for the full parser; so is a
    // list ending with a comma.
    if (text.charCodeAt(at) !== COMMA || at + 1 === end) return false;
    at++;
  }
  scannedLow = low32;
  scannedHigh = high32;
  scannedStar = star;
  return true;
}

/**
 * Reads the digits at `at` (at most four, as the full parser): their value, or -1 when there are
 * none or more than four. The position after them is left in `scannedEnd`.
 */
function scanNumber(text: string, at: number, end: number): number {
  let value = 0;
  let digits = 0;
  while (at < end) {
    const code = text.charCodeAt(at);
    if (code < ZERO || code > NINE) break;
    if (++digits > 4) return -1;
    value = value * 10 + (code - ZERO);
    at++;
  }
  scannedEnd = at;
  return digits === 0 ? -1 : value;
}
