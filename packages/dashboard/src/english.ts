// Small English helpers shared by the schedule descriptions.

/** `['a']` → `a`, `['a', 'b']` → `a and b`, `['a', 'b', 'c']` → `a, b and c`. */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `1, 'minute'` → `1 minute`; `5, 'minute'` → `5 minutes`. */
export function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** `'every'` + `1, 'day'` → `every day`; with 3 → `every 3 days`. */
export function every(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${count(n, unit)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A wall-clock time as `09:05`, or `09:05:30` when the seconds are not zero. */
export function clockTime(hours: number, minutes: number, seconds = 0): string {
  return `${pad(hours)}:${pad(minutes)}${seconds === 0 ? '' : `:${pad(seconds)}`}`;
}

/** `1` → `1st`, `2` → `2nd`, `11` → `11th`, `23` → `23rd`. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
  [1, 'millisecond'],
];

/** Milliseconds in words: `5400000` → `1 hour 30 minutes`, `500` → `500 milliseconds`. */
export function durationWords(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of UNITS) {
    const n = Math.floor(rest / size);
    if (n === 0) continue;
    parts.push(count(n, unit));
    rest -= n * size;
  }
  return parts.length === 0 ? '0 milliseconds' : parts.join(' ');
}

/** `every` for an interval in milliseconds: `60000` → `every minute`, `90000` → `every 1 minute 30 seconds`. */
export function everyDuration(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms === size) return `every ${unit}`;
  }
  return `every ${durationWords(ms)}`;
}
