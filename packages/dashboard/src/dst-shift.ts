// Marks runs that fall just after a zone changes its UTC offset (daylight saving time), where a
// wall-clock schedule may run an hour early, late, twice or not at all.

const HOUR = 3_600_000;

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let format = formatters.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    } catch {
      format = null;
    }
    formatters.set(zone, format);
  }
  return format;
}

/** The zone's UTC offset at an instant, as Intl names it (`GMT+02:00`). */
function offsetName(format: Intl.DateTimeFormat, at: number): string | undefined {
  return format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value;
}

const DAY = 24 * HOUR;
/** Days (per zone) known to hold no offset change; bounded, as a long-lived server sees new days. */
const steadyDays = new Map<string, boolean>();
const MAX_STEADY_DAYS = 10_000;

/**
 * Whether the offset is the same an hour before a UTC day starts as when it ends. Zones change it at
 * most a few times a year, so equal ends mean no change inside, and the five next runs of a thousand
 * jobs cost a few Intl calls rather than ten thousand.
 */
function steadyDay(format: Intl.DateTimeFormat, zone: string, day: number): boolean {
  const key = `${zone} ${day}`;
  let steady = steadyDays.get(key);
  if (steady === undefined) {
    steady = offsetName(format, day * DAY - HOUR) === offsetName(format, (day + 1) * DAY);
    if (steadyDays.size >= MAX_STEADY_DAYS) steadyDays.clear();
    steadyDays.set(key, steady);
  }
  return steady;
}

/** Whether `zone`'s UTC offset changed during the hour before `at`. False for a zone Intl does not know. */
export function afterOffsetChange(at: Date, zone: string): boolean {
  const format = formatter(zone);
  if (format === null) return false;
  const ms = at.getTime();
  if (steadyDay(format, zone, Math.floor(ms / DAY))) return false;
  return offsetName(format, ms) !== offsetName(format, ms - HOUR);
}
