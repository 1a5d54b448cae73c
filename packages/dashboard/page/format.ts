/** Formatting of times and durations for the page; one Intl formatter per zone, built once. */

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** A date in the given zone, as the job's own wall clock shows it. */
export function formatTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return formatter(timeZone).format(date);
  } catch {
    return formatter('UTC').format(date);
  }
}

/** The zone's UTC offset at that instant, as "GMT+01:00" ("GMT" for zero). */
export function utcOffset(iso: string, timeZone: string): string {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, format);
  }
  try {
    return format.formatToParts(new Date(iso)).find((part) => part.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** Milliseconds in the largest two units that matter: "850 ms", "12.3 s", "4 min 05 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(abs / 1000);
  if (seconds < 3600)
    return `${sign}${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  return `${sign}${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** How long a run took, or took so far for a running one. */
export function runDuration(run: { startedAt: string; endedAt?: string }, now = Date.now()): number {
  const start = Date.parse(run.startedAt);
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return end - start;
}

/** How late a run started against its scheduled time (never negative: an early start counts as 0). */
export function runLateness(run: { scheduledAt: string; startedAt: string }): number {
  return Math.max(0, Date.parse(run.startedAt) - Date.parse(run.scheduledAt));
}

/** The browser's own zone, for times that belong to no job (a replica's start, its last heartbeat). */
export const localZone = new Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A clock offset with its sign: "+12 ms", "-1.20 s", "0 ms". */
export function formatOffset(ms: number): string {
  const rounded = Math.round(ms);
  return `${rounded > 0 ? '+' : ''}${formatDuration(rounded)}`;
}

/** How long ago an instant was: "just now" under a second (or ahead of `now`), else "4.20 s ago". */
export function formatAge(iso: string, now = Date.now()): string {
  const age = now - Date.parse(iso);
  if (!Number.isFinite(age)) return '';
  return age < 1000 ? 'just now' : `${formatDuration(age)} ago`;
}
