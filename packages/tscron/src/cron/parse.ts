import { toMilliseconds } from '../duration.js';
import { TscronError } from '../errors.js';
import { getTimeZone, type TimeZone } from '../zone/time-zone.js';
import { DAY_OF_MONTH, DAY_OF_WEEK, type FieldSpec, HOUR, MINUTE, MONTH, SECOND } from './fields.js';
import { parsePlainCron } from './parse-plain.js';

/** A cron expression reduced to bitsets (see fields.ts for the layout of each set). */
export interface CronFields {
  secondsLow: number;
  secondsHigh: number;
  minutesLow: number;
  minutesHigh: number;
  hours: number;
  /** Plain days of the month, bit `day - 1`. */
  days: number;
  months: number;
  weekdays: number;
  /** `L-n` offsets from the month's last day, bit n (`L` is n = 0). */
  lastDays: number;
  /** `nW` days, bit `n - 1`. */
  nearestWeekdays: number;
  /** `LW`: the month's last weekday (Monday to Friday). */
  lastWeekday: boolean;
  /** `nL` weekdays: the last such weekday of the month, bit n. */
  lastWeekdays: number;
  /** `n#k` for k 1-4: bit `(k - 1) * 7 + n`. */
  nthWeekdays: number;
  /** `n#5`: bit n. */
  fifthWeekdays: number;
  /** The day-of-month field has an item starting with `*` or `?`: the OR rule is off. */
  daysStar: boolean;
  /** The day-of-week field has an item starting with `*` or `?`: the OR rule is off. */
  weekdaysStar: boolean;
  /** Vixie's wildcard job: the minute or hour field starts with `*`. */
  wildcard: boolean;
  /** `@every`: milliseconds between runs, else 0. */
  every: number;
  /** From a `TZ=` or `CRON_TZ=` prefix. */
  zone: TimeZone | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD_NAMES_5 = 'minute hour day-of-month month day-of-week';

// collect() ORs each value into these two words rather than returning an array: a scheduler adding
// many distinct expressions would otherwise allocate an array per field. Values 0-29 are bit
// `value` of bitsLow, 30-59 bit `value - 30` of bitsHigh. Read them right after collect() returns.
let bitsLow = 0;
let bitsHigh = 0;

function fail(expression: string, message: string, cause?: unknown): never {
  throw new TscronError(
    'ERR_CRON_JOB_PARSE',
    `CronJob: ${message} in "${expression}"`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Sets every field of `target` to its blank value (second 0, nothing else), in one fixed order so
 * that objects initialised by it share a shape. Returns `target`.
 */
export function clearFields<T extends CronFields>(target: T): T {
  target.secondsLow = 1;
  target.secondsHigh = 0;
  target.minutesLow = 0;
  target.minutesHigh = 0;
  target.hours = 0;
  target.days = 0;
  target.months = 0;
  target.weekdays = 0;
  target.lastDays = 0;
  target.nearestWeekdays = 0;
  target.lastWeekday = false;
  target.lastWeekdays = 0;
  target.nthWeekdays = 0;
  target.fifthWeekdays = 0;
  target.daysStar = false;
  target.weekdaysStar = false;
  target.wildcard = false;
  target.every = 0;
  target.zone = undefined;
  return target;
}

/**
 * Parses a cron expression into bitsets, written into `into` (blank fields, see {@link clearFields}).
 * Throws `ERR_CRON_JOB_PARSE` naming the field and the bad text, `ERR_INVALID_TIME_ZONE` for an
 * unknown `TZ=` zone. Whether it can ever fire is checked by the compiler, not here.
 */
export function parseCron(
  expression: string,
  withSeconds: boolean,
  into: CronFields = clearFields({} as CronFields),
): CronFields {
  if (typeof expression !== 'string') {
    throw new TscronError(
      'ERR_CRON_JOB_PARSE',
      `CronJob: the expression must be a string, got ${typeof expression}`,
    );
  }
  const fields = into;
  if (parsePlainCron(expression, withSeconds, fields)) return fields;
  const tokens = splitFields(expression);
  let first = tokens[0] ?? '';
  const prefix = mayBeZonePrefix(first) ? /^(?:CRON_)?TZ=/i.exec(first) : null;
  if (prefix !== null) {
    const name = first.slice(prefix[0].length);
    if (name === '') fail(expression, `time zone prefix: "${first}" names no zone`);
    fields.zone = getTimeZone(name);
    tokens.shift();
    first = tokens[0] ?? '';
  }
  if (first === '') fail(expression, 'the expression is empty');
  if (first.startsWith('@')) return parseDescriptor(expression, tokens, fields);
  const count = tokens.length;
  if (!(count === 5 || (withSeconds && count === 6))) {
    const expected = withSeconds
      ? `5 fields (${FIELD_NAMES_5}) or 6 with a leading second field`
      : `5 fields (${FIELD_NAMES_5})`;
    fail(expression, `expected ${expected}, got ${count}`);
  }
  const offset = count === 6 ? 1 : 0;
  if (offset === 1) {
    collect(expression, tokens[0] as string, SECOND, undefined, fields);
    fields.secondsLow = bitsLow;
    fields.secondsHigh = bitsHigh;
  }
  const minuteText = tokens[offset] as string;
  const hourText = tokens[offset + 1] as string;
  collect(expression, minuteText, MINUTE, undefined, fields);
  fields.minutesLow = bitsLow;
  fields.minutesHigh = bitsHigh;
  // Hours (0-23) and months (1-12) fit in bitsLow; months are stored from bit 0 = January.
  collect(expression, hourText, HOUR, undefined, fields);
  fields.hours = bitsLow;
  parseDaysOfMonth(expression, tokens[offset + 2] as string, fields);
  collect(expression, tokens[offset + 3] as string, MONTH, undefined, fields);
  fields.months = bitsLow >>> 1;
  parseDaysOfWeek(expression, tokens[offset + 4] as string, fields);
  fields.wildcard = minuteText.startsWith('*') || hourText.startsWith('*');
  return fields;
}

function parseDescriptor(expression: string, tokens: string[], fields: CronFields): CronFields {
  const name = (tokens[0] as string).toLowerCase();
  if (name === '@every') {
    const text = tokens.slice(1).join('');
    if (text === '') fail(expression, '@every: a duration is required (e.g. "@every 1h30m")');
    let ms: number;
    try {
      ms = toMilliseconds(text, '@every');
    } catch (error) {
      fail(expression, `@every: "${text}" is not a duration (e.g. "1h30m", "90s")`, error);
    }
    if (!(ms > 0)) fail(expression, `@every: ${text} is not a positive duration`);
    // As robfig/cron (gocron's parser): whole seconds, at least one.
    fields.every = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return fields;
  }
  const replacement = DESCRIPTORS[name];
  if (replacement === undefined) {
    fail(
      expression,
      `descriptor: "${tokens[0]}" is not one of @yearly @annually @monthly @weekly @daily @midnight @hourly @every`,
    );
  }
  if (tokens.length > 1)
    fail(expression, `descriptor: "${tokens[1]}" follows ${tokens[0]}, which takes no fields`);
  // The replacement has no zone prefix: a zone already read stays.
  return parseCron(replacement, false, fields);
}

function parseDaysOfMonth(expression: string, text: string, fields: CronFields): void {
  fields.daysStar = hasStar(text);
  collect(expression, text, DAY_OF_MONTH, specialDayOfMonth, fields);
  // Day d is bit d - 1: values 1-29 come from bitsLow, 30 and 31 from bitsHigh.
  fields.days = (bitsLow >>> 1) | (bitsHigh << 29);
}

/** Claims `L`, `LW`, `L-n` and `nW` day-of-month items. */
function specialDayOfMonth(expression: string, item: string, fields: CronFields): boolean {
  // Every claimed (or rejected) item has an L or a W; plain ASCII items without one skip the
  // regular expressions. Other text goes the long way: toUpperCase may turn it into an L.
  if (!hasCharOrNonAscii(item, 'L', 'W')) return false;
  const upper = item.toUpperCase();
  if (upper === 'L') {
    fields.lastDays |= 1;
    return true;
  }
  if (upper === 'LW') {
    fields.lastWeekday = true;
    return true;
  }
  const last = /^L-(\d+)$/.exec(upper);
  if (last !== null) {
    const n = boundedNumber(last[1] as string);
    if (n > 30) fail(expression, `day-of-month field: ${item} is out of range L-0 to L-30`);
    fields.lastDays |= 1 << n;
    return true;
  }
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest !== null) {
    const n = boundedNumber(nearest[1] as string);
    if (n < 1 || n > 31) fail(expression, `day-of-month field: ${item} is out of range 1W-31W`);
    fields.nearestWeekdays |= 1 << (n - 1);
    return true;
  }
  if (/[LW]/.test(upper)) {
    fail(expression, `day-of-month field: ${item} is not valid (use L, L-n, nW or LW)`);
  }
  return false;
}

function parseDaysOfWeek(expression: string, text: string, fields: CronFields): void {
  fields.weekdaysStar = hasStar(text);
  collect(expression, text, DAY_OF_WEEK, specialDayOfWeek, fields);
  // 7 is Sunday too: fold bit 7 onto bit 0.
  const weekdays = bitsLow;
  fields.weekdays = (weekdays & 0x80) === 0 ? weekdays : (weekdays & 0x7f) | 1;
}

/** Claims `n#k`, `n#L` and `nL` day-of-week items. */
function specialDayOfWeek(expression: string, item: string, fields: CronFields): boolean {
  // Every claimed (or rejected) item has a # or ends with L; plain ASCII items with neither skip
  // the regular expressions. Other text goes the long way, as toUpperCase may turn it into an L.
  if (!hasCharOrNonAscii(item, '#', '#') && !endsWithL(item)) return false;
  const upper = item.toUpperCase();
  const nth = /^([A-Z0-9]+)#([A-Z0-9]+)$/.exec(upper);
  if (nth !== null) {
    const weekday = weekdayValue(expression, item, nth[1] as string);
    const which = nth[2] as string;
    if (which === 'L') {
      fields.lastWeekdays |= 1 << weekday;
      return true;
    }
    const k = isDigits(which) ? boundedNumber(which) : -1;
    if (k < 1 || k > 5)
      fail(expression, `day-of-week field: ${item}: #${which} is out of range #1-#5 (or #L)`);
    if (k === 5) fields.fifthWeekdays |= 1 << weekday;
    else fields.nthWeekdays |= 1 << ((k - 1) * 7 + weekday);
    return true;
  }
  if (upper.length > 1 && upper.endsWith('L') && !upper.includes('-') && !upper.includes('/')) {
    fields.lastWeekdays |= 1 << weekdayValue(expression, item, upper.slice(0, -1));
    return true;
  }
  if (upper === 'L')
    fail(expression, `day-of-week field: L needs a weekday (e.g. 5L or FRIL for the last Friday)`);
  if (upper.includes('#'))
    fail(expression, `day-of-week field: ${item} is not valid (use weekday#n, e.g. MON#2)`);
  return false;
}

function weekdayValue(expression: string, item: string, text: string): number {
  const value = fieldValue(expression, text, DAY_OF_WEEK, item);
  return value === 7 ? 0 : value;
}

/** Whether an item of the comma list `text` starts with `*` or `?`. */
function hasStar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === 0x2a || code === 0x3f) && (i === 0 || text.charCodeAt(i - 1) === 0x2c)) return true;
  }
  return false;
}

/** Whether `text` holds `a` or `b` in either case (ASCII letters), or any non-ASCII character. */
function hasCharOrNonAscii(text: string, a: string, b: string): boolean {
  const upperA = a.charCodeAt(0);
  const upperB = b.charCodeAt(0);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return true;
    // `& ~0x20` folds a-z onto A-Z; for '#' (0x23) it gives 0x03, so compare the code as is too.
    const folded = code & ~0x20;
    if (code === upperA || code === upperB || folded === upperA || folded === upperB) return true;
  }
  return false;
}

function endsWithL(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 0x4c || last === 0x6c;
}

/** Whether `text` is one or more ASCII digits (as /^\d+$/). */
function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** Numbers of up to 4 digits; longer ones come back as a value past every range. */
function boundedNumber(digits: string): number {
  if (digits.length > 4) return 99_999;
  let value = 0;
  for (let i = 0; i < digits.length; i++) value = value * 10 + (digits.charCodeAt(i) - 0x30);
  return value;
}

/** Whitespace as `String.prototype.trim` and `\s` see it. */
function isSpace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * The whitespace-separated fields of `expression`, as `expression.trim().split(/\s+/)` but without
 * the regular expression; blank text gives no fields (the caller reads a missing first one as '').
 */
function splitFields(expression: string): string[] {
  const tokens: string[] = [];
  const length = expression.length;
  let i = 0;
  while (i < length) {
    while (i < length && isSpace(expression.charCodeAt(i))) i++;
    if (i === length) break;
    const start = i;
    while (i < length && !isSpace(expression.charCodeAt(i))) i++;
    tokens.push(expression.slice(start, i));
  }
  return tokens;
}

/** A cheap first look before the `TZ=` / `CRON_TZ=` regular expression: the first letter. */
function mayBeZonePrefix(first: string): boolean {
  const code = first.charCodeAt(0) & ~0x20;
  return code === 0x54 || code === 0x43; // T or C, either case
}

function fieldValue(expression: string, text: string, spec: FieldSpec, item: string): number {
  let value: number;
  if (isDigits(text)) {
    value = boundedNumber(text);
  } else {
    const index = spec.names === undefined ? -1 : spec.names.indexOf(text.toUpperCase());
    if (index < 0) {
      const what =
        text === ''
          ? `"${item}" has an empty value`
          : `"${text}" is not a number${spec.names ? ' or name' : ''}`;
      fail(expression, `${spec.name} field: ${what}`);
    }
    value = index + spec.min;
  }
  if (value < spec.min || value > spec.max) {
    fail(expression, `${spec.name} field: ${text} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

/**
 * Expands a comma list of `*`, `?`, values, ranges and steps into bitsLow and bitsHigh (see
 * their comment); `special` claims items such as `L` or `5#2` first.
 */
function collect(
  expression: string,
  text: string,
  spec: FieldSpec,
  special: ((expression: string, item: string, fields: CronFields) => boolean) | undefined,
  fields: CronFields,
): void {
  let low32 = 0;
  let high32 = 0;
  let start = 0;
  for (;;) {
    const comma = text.indexOf(',', start);
    const end = comma < 0 ? text.length : comma;
    const item = text.slice(start, end);
    if (item === '') fail(expression, `${spec.name} field: "${text}" has an empty list item`);
    if (special === undefined || !special(expression, item, fields)) {
      const slash = item.indexOf('/');
      if (slash >= 0 && item.indexOf('/', slash + 1) >= 0)
        fail(expression, `${spec.name} field: "${item}" has more than one /`);
      const range = slash < 0 ? item : item.slice(0, slash);
      let step = 1;
      if (slash >= 0) {
        const stepText = item.slice(slash + 1);
        if (!isDigits(stepText))
          fail(expression, `${spec.name} field: step "${stepText}" in "${item}" is not a number`);
        step = boundedNumber(stepText);
        const span = spec.max - spec.min + 1;
        if (step < 1 || step > span) {
          fail(expression, `${spec.name} field: step ${stepText} in "${item}" is out of range 1-${span}`);
        }
      }
      let low: number;
      let high: number;
      if (range === '*' || range === '?') {
        low = spec.min;
        high = spec.max;
      } else {
        const dash = range.indexOf('-');
        if (dash >= 0) {
          low = fieldValue(expression, range.slice(0, dash), spec, item);
          high = fieldValue(expression, range.slice(dash + 1), spec, item);
          // A week range may end on Sunday written as 0 or SUN (`FRI-SUN`): Sunday is then its last day, 7.
          if (spec === DAY_OF_WEEK && high === 0 && low > 0) high = 7;
          if (low > high) fail(expression, `${spec.name} field: range ${item} starts after it ends`);
        } else {
          low = fieldValue(expression, range, spec, item);
          high = slash >= 0 ? spec.max : low;
        }
      }
      for (let value = low; value <= high; value += step) {
        if (value < 30) low32 |= 1 << value;
        else high32 |= 1 << (value - 30);
      }
    }
    if (comma < 0) break;
    start = comma + 1;
  }
  bitsLow = low32;
  bitsHigh = high32;
}
