import { TscronError } from 'tscron';
import { describeValue } from './describe-value.js';

/** The offsets the IANA `Etc/GMT` zones cover, in minutes east of UTC: -12 h to +14 h. */
const LOWEST = -12 * 60;
const HIGHEST = 14 * 60;

/** `330` as `+05:30`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The IANA zone with the fixed offset `minutes` east of UTC, as the `cron` package reads `utcOffset`.
 * tscron reads wall times in IANA zones only, and the only fixed-offset ones are `UTC` and the whole
 * hours of `Etc/GMT±N` (whose sign is inverted: `Etc/GMT-2` is two hours east). An offset with
 * minutes has no such zone: the error names the zones at that offset today, to pick from.
 */
export function zoneOfUtcOffset(minutes: unknown, where: string): string {
  if (typeof minutes !== 'number' || !Number.isInteger(minutes)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: utcOffset must be a whole number of minutes east of UTC, got ${describeValue(minutes)}`,
    );
  }
  if (minutes === 0) return 'UTC';
  if (minutes % 60 !== 0 || minutes < LOWEST || minutes > HIGHEST) {
    const zones = zonesAtOffset(minutes);
    const hint = zones.length > 0 ? ` such as ${zones.map((zone) => `"${zone}"`).join(', ')}` : '';
    throw new TscronError(
      'ERR_INVALID_TIME_ZONE',
      `${where}: utcOffset ${minutes} (UTC${formatOffset(minutes)}) has no fixed-offset IANA zone (tscron has` +
        ` them for whole hours from -720 to +840 only); give timeZone an IANA zone instead${hint}`,
    );
  }
  const hours = minutes / 60;
  return `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

/** Up to three IANA zones whose offset is `minutes` now; only an error message asks. */
function zonesAtOffset(minutes: number): string[] {
  const wanted = minutes === 0 ? 'GMT' : `GMT${formatOffset(minutes)}`;
  const found: string[] = [];
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(Date.now())
      .find((part) => part.type === 'timeZoneName')?.value;
    if (name === wanted) found.push(zone);
    if (found.length === 3) break;
  }
  return found;
}
