import { TscronError } from './errors.js';

/**
 * A length of time: milliseconds as a number, or a Go-style duration string such as
 * `"1h30m"`, `"250ms"`, `"1.5s"` or `"-2m"` (units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`).
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Converts a {@link Duration} to milliseconds. Throws `ERR_INVALID_DURATION` naming the value when it
 * is not a finite number or not a well-formed Go duration string. `what` names the option in messages.
 */
export function toMilliseconds(duration: Duration, what = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration)) {
      throw new TscronError(
        'ERR_INVALID_DURATION',
        `${what}: ${duration} is not a finite number of milliseconds`,
      );
    }
    return duration;
  }
  if (typeof duration !== 'string') {
    throw new TscronError(
      'ERR_INVALID_DURATION',
      `${what}: ${String(duration)} is neither a number nor a string`,
    );
  }
  const text = duration.trim();
  let position = 0;
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    sign = text[0] === '-' ? -1 : 1;
    position = 1;
  }
  if (text.slice(position) === '0') return 0;
  let total = 0;
  let segments = 0;
  while (position < text.length) {
    SEGMENT.lastIndex = position;
    const match = SEGMENT.exec(text);
    if (match === null) break;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    position = SEGMENT.lastIndex;
    segments++;
  }
  if (segments === 0 || position !== text.length) {
    throw new TscronError(
      'ERR_INVALID_DURATION',
      `${what}: "${duration}" is not a duration (use milliseconds or a string like "1h30m", "250ms", "1.5s")`,
    );
  }
  return sign * total;
}

/** Formats milliseconds the Go way (`90000` becomes `"1m30s"`), for messages and displays. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  return `${sign}${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}
