// How values cross between JavaScript and SQL text: instants as epoch milliseconds, read back as text
// so that a type parser the application set on its pg module (for timestamptz, int8, ...) cannot
// change what tscron reads.

/** SQL turning an epoch-milliseconds `float8` parameter into a `timestamptz`, exact to the millisecond. */
export function instant(parameter: string): string {
  return `to_timestamp(${parameter}::float8 / 1000)`;
}

/** SQL reading a `timestamptz` column as epoch milliseconds in text (NULL stays NULL). */
export function epochMs(column: string): string {
  return `round(extract(epoch FROM ${column}) * 1000)::bigint::text`;
}

/** A date from the text of {@link epochMs}. */
export function dateOf(text: unknown): Date {
  return new Date(Number(text));
}

/** A value as an error message shows it: strings quoted, so that `"5"`, `5` and `""` stay apart. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** PostgreSQL text cannot hold U+0000: it becomes U+FFFD, so that one such record cannot fail a batch. */
export function storable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
