import { TscronError } from '../errors.js';
import { MS_PER_SECOND, wallFromFields } from './civil.js';

/**
 * Reads a zone's UTC offset at an instant from `Intl`. Slow (microseconds per call): only the
 * transition table builder calls it.
 */
export type OffsetProbe = (instant: number) => number;

/** Builds the probe for `zone`, or throws `ERR_INVALID_TIME_ZONE` when `Intl` does not know it. */
export function createOffsetProbe(zone: string): { canonicalName: string; probe: OffsetProbe } {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    throw new TscronError(
      'ERR_INVALID_TIME_ZONE',
      `unknown time zone "${zone}" (use an IANA name such as "Europe/Paris")`,
      {
        cause: error,
      },
    );
  }
  const probe: OffsetProbe = (instant) => {
    const seconds = Math.floor(instant / MS_PER_SECOND) * MS_PER_SECOND;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let beforeChrist = false;
    for (const part of format.formatToParts(seconds)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          beforeChrist = part.value.startsWith('B');
          break;
      }
    }
    if (beforeChrist) year = 1 - year;
    return wallFromFields(year, month, day, hour, minute, second) - seconds;
  };
  return { canonicalName: format.resolvedOptions().timeZone, probe };
}
