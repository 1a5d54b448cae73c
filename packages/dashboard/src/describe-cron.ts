// A cron expression in English: "at 09:30, on Monday through Friday". Built from the fields' text;
// a field it cannot put in words is quoted as written rather than guessed at.
import { toMilliseconds } from 'tscron';
import {
  DAY_OF_MONTH,
  DAY_OF_WEEK,
  describeItem,
  type FieldWords,
  HOUR,
  isAny,
  MINUTE,
  MONTH,
  SECOND,
  singles,
  specialDayOfMonth,
  specialDayOfWeek,
} from './cron-fields.js';
import { clockTime, everyDuration, listOf } from './english.js';

/** What the descriptors stand for, as the core parser expands them. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Fixed times of day are listed (`at 09:00 and 17:00`) up to this many, else described by field. */
const MAX_LISTED_TIMES = 6;

const ZONE_PREFIX = /^(?:CRON_)?TZ=(\S+)$/i;

/** The zone of a `TZ=` or `CRON_TZ=` prefix, if the expression has one. */
export function cronZone(expression: string): string | undefined {
  const first = expression.trim().split(/\s+/)[0] ?? '';
  return ZONE_PREFIX.exec(first)?.[1];
}

/**
 * Describes a cron expression (5 fields, 6 with seconds first, or a descriptor) in English.
 *
 * @example
 * ```ts
 * describeCron('30 9 * * 1-5'); // 'at 09:30, on Monday through Friday'
 * describeCron('*\/10 * * * * *', true); // 'every 10 seconds'
 * ```
 */
export function describeCron(expression: string, withSeconds = false): string {
  const tokens = expression.trim().split(/\s+/);
  if (ZONE_PREFIX.test(tokens[0] ?? '')) tokens.shift();
  const first = (tokens[0] ?? '').toLowerCase();
  if (first === '@every') {
    try {
      return everyDuration(toMilliseconds(tokens.slice(1).join(''), '@every'));
    } catch {
      return tokens.join(' ');
    }
  }
  const expanded = DESCRIPTORS[first];
  if (expanded !== undefined) return describeFields(expanded.split(' '));
  if (withSeconds ? tokens.length !== 6 : tokens.length !== 5) return tokens.join(' ');
  return describeFields(withSeconds ? tokens : ['0', ...tokens]);
}

/** Six fields, seconds first. */
function describeFields(fields: string[]): string {
  const [second = '0', minute = '*', hour = '*', dayOfMonth = '*', month = '*', dayOfWeek = '*'] =
    fields.length === 5 ? ['0', ...fields] : fields;
  const times = fixedTimes(second, minute, hour);
  const parts = times === undefined ? timeParts(second, minute, hour) : [times];
  const days = dayParts(dayOfMonth, dayOfWeek);
  if (days !== undefined) parts.push(days);
  else if (times !== undefined) parts.push('every day');
  if (!isAny(month)) parts.push(`in ${fieldWords(MONTH, month, 'or')}`);
  return parts.join(', ');
}

/** `at 09:00 and 17:00` when second, minute and hour are single values giving a few times. */
function fixedTimes(second: string, minute: string, hour: string): string | undefined {
  const seconds = singles(SECOND, second);
  const minutes = singles(MINUTE, minute);
  const hours = singles(HOUR, hour);
  if (!seconds || !minutes || !hours) return undefined;
  if (seconds.length * minutes.length * hours.length > MAX_LISTED_TIMES) return undefined;
  const listed = hours
    .flatMap((h) => minutes.flatMap((m) => seconds.map((s) => [h, m, s] as const)))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    .map(([h, m, s]) => clockTime(h, m, s));
  return `at ${listOf(listed)}`;
}

function timeParts(second: string, minute: string, hour: string): string[] {
  const parts: string[] = [];
  if (second === '*') parts.push('every second');
  else if (second !== '0') parts.push(atOrEvery(SECOND, second));
  if (minute === '*') {
    // "every 10 seconds" says it already; "at second 30" needs "every minute" after it.
    if (!parts[0]?.startsWith('every ')) parts.push('every minute');
  } else parts.push(atOrEvery(MINUTE, minute));
  const hours = singles(HOUR, hour);
  if (hour === '*') {
    if (singles(MINUTE, minute)) parts.push('every hour');
  } else if (hours?.length === 1) {
    parts.push(`between ${clockTime(hours[0] ?? 0, 0)} and ${clockTime(hours[0] ?? 0, 59)}`);
  } else if (/^\d+-\d+$/.test(hour)) {
    const [from = 0, to = 0] = hour.split('-').map(Number);
    parts.push(`between ${clockTime(from, 0)} and ${clockTime(to, 59)}`);
  } else parts.push(atOrEvery(HOUR, hour));
  return parts;
}

/** `at minute 5`, `at minutes 0 and 30`, `every 15 minutes`, `at minutes 0 through 10`. */
function atOrEvery(field: FieldWords, text: string): string {
  const values = singles(field, text);
  if (values) return `at ${field.unit}${values.length === 1 ? '' : 's'} ${listOf(values.map(String))}`;
  const words = fieldWords(field, text, 'and');
  return words.startsWith('every ') ? words : `at ${field.unit}s ${words}`;
}

function dayParts(dayOfMonth: string, dayOfWeek: string): string | undefined {
  const monthDays = isAny(dayOfMonth) ? undefined : describeDaysOfMonth(dayOfMonth);
  const weekDays = isAny(dayOfWeek) ? undefined : describeDaysOfWeek(dayOfWeek);
  // Both restricted: a day matching either runs (Vixie cron's rule, which tscron follows).
  if (monthDays !== undefined && weekDays !== undefined) return `${monthDays} or ${weekDays}`;
  return monthDays ?? weekDays;
}

function describeDaysOfMonth(text: string): string {
  const values = singles(DAY_OF_MONTH, text);
  if (values) return `on day${values.length === 1 ? '' : 's'} ${listOf(values.map(String))} of the month`;
  if (/^\*\/\d+$/.test(text)) return fieldWords(DAY_OF_MONTH, text, 'or');
  const items = text.split(',').map((item) => {
    const special = specialDayOfMonth(item);
    if (special !== undefined) return special;
    const words = describeItem(DAY_OF_MONTH, item);
    if (words === undefined) return `"${item}"`;
    return words.startsWith('every ') ? `${words} of the month` : `days ${words} of the month`;
  });
  return `on ${listOf(items)}`;
}

function describeDaysOfWeek(text: string): string {
  const items = text.split(',').map((item) => {
    const special = specialDayOfWeek(item);
    if (special !== undefined) return special;
    const words = describeItem(DAY_OF_WEEK, item);
    return words === undefined ? `"${item}"` : words;
  });
  return `on ${listOf(items)}`;
}

/** A whole field in words, its items joined with `and` or `or`; unknown items quoted. */
function fieldWords(field: FieldWords, text: string, join: 'and' | 'or'): string {
  const items = text.split(',').map((item) => describeItem(field, item) ?? `"${item}"`);
  if (items.length <= 1) return items[0] ?? '';
  return join === 'and' ? listOf(items) : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
