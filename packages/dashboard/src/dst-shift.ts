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

/** Whether `zone`'s UTC offset changed during the hour before `at`. False for a zone Intl does not know. */
export function afterOffsetChange(at: Date, zone: string): boolean {
  const format = formatter(zone);
  if (format === null) return false;
  return offsetName(format, at.getTime()) !== offsetName(format, at.getTime() - HOUR);
}
