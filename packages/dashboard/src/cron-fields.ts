// Reading one cron field's text into English phrases, item by item. Only what the describer needs:
// the scheduler has validated the expression, so anything unrecognised is shown as written.
import { MONTHS, ordinal, WEEKDAYS } from './english.js';

/** How the values of one field are named and counted. */
export interface FieldWords {
  /** `minute`, `hour`, `day`, `month`, ... as in "every 5 minutes". */
  readonly unit: string;
  /** The lowest value, where a `n/step` without end starts counting. */
  readonly names?: readonly string[];
  /** The first value `names` names (1 for months, 0 for weekdays). */
  readonly firstName?: number;
}

export const SECOND: FieldWords = { unit: 'second' };
export const MINUTE: FieldWords = { unit: 'minute' };
export const HOUR: FieldWords = { unit: 'hour' };
export const DAY_OF_MONTH: FieldWords = { unit: 'day' };
export const MONTH: FieldWords = { unit: 'month', names: MONTHS, firstName: 1 };
export const DAY_OF_WEEK: FieldWords = { unit: 'day', names: WEEKDAYS, firstName: 0 };

/** `*` and `?` leave a field unrestricted. */
export function isAny(text: string): boolean {
  return text === '*' || text === '?';
}

/** A value as a number: digits, or a three-letter month or weekday name (`JAN`, `mon`). */
export function fieldValue(field: FieldWords, token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  if (field.names === undefined) return undefined;
  const index = field.names.findIndex((name) => name.slice(0, 3).toUpperCase() === token.toUpperCase());
  return index < 0 ? undefined : index + (field.firstName ?? 0);
}

/** The name of a value: `5` for minutes, `March` for month 3, `Sunday` for weekday 0 or 7. */
export function nameOf(field: FieldWords, value: number): string {
  if (field.names === undefined) return String(value);
  const index = (value - (field.firstName ?? 0)) % field.names.length;
  return field.names[index] ?? String(value);
}

/** The plain values of a field made only of single values (`0,15,30`), else undefined. */
export function singles(field: FieldWords, text: string): number[] | undefined {
  const values = text.split(',').map((token) => fieldValue(field, token));
  return values.every((value) => value !== undefined) ? (values as number[]) : undefined;
}

/** One item of a list (`5`, `1-5`, `*\/15`, `10-40/5`) in words, or undefined if it is none of those. */
export function describeItem(field: FieldWords, item: string, name = nameOf): string | undefined {
  const stepped = /^(.+)\/(\d+)$/.exec(item);
  if (stepped) {
    const [, base = '', stepText = ''] = stepped;
    const step = `every ${stepText} ${field.unit}s`;
    if (isAny(base)) return step;
    const range = rangeOf(field, base);
    if (range) return `${step} from ${name(field, range[0])} through ${name(field, range[1])}`;
    const start = fieldValue(field, base);
    return start === undefined ? undefined : `${step} starting at ${name(field, start)}`;
  }
  const range = rangeOf(field, item);
  if (range) return `${name(field, range[0])} through ${name(field, range[1])}`;
  const value = fieldValue(field, item);
  return value === undefined ? undefined : name(field, value);
}

function rangeOf(field: FieldWords, text: string): [number, number] | undefined {
  const match = /^([^-]+)-([^-]+)$/.exec(text);
  if (!match) return undefined;
  const from = fieldValue(field, match[1] ?? '');
  const to = fieldValue(field, match[2] ?? '');
  return from === undefined || to === undefined ? undefined : [from, to];
}

/** Day-of-month items only Quartz-style crons have: `L`, `L-3`, `LW`, `15W`. */
export function specialDayOfMonth(item: string): string | undefined {
  const upper = item.toUpperCase();
  if (upper === 'L') return 'the last day of the month';
  if (upper === 'LW') return 'the last weekday of the month';
  const before = /^L-(\d+)$/.exec(upper);
  if (before) return `${before[1]} days before the last day of the month`;
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) return `the weekday nearest day ${nearest[1]} of the month`;
  return undefined;
}

/** Day-of-week items only Quartz-style crons have: `MON#2`, `5#L`, `5L`. */
export function specialDayOfWeek(item: string): string | undefined {
  const upper = item.toUpperCase();
  const nth = /^([A-Z0-9]+)#([1-5L])$/.exec(upper);
  const last = /^([A-Z0-9]+)L$/.exec(upper);
  const day = fieldValue(DAY_OF_WEEK, (nth ?? last)?.[1] ?? '');
  if (day === undefined) return undefined;
  const which = nth?.[2] ?? 'L';
  const position =
    which === 'L' ? 'last' : ['first', 'second', 'third', 'fourth', 'fifth'][Number(which) - 1];
  return `the ${position ?? ordinal(Number(which))} ${nameOf(DAY_OF_WEEK, day)} of the month`;
}
