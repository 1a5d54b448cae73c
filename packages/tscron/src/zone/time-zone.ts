import { TscronError } from '../errors.js';
import { daysFromCivil, MS_PER_DAY, MS_PER_SECOND, yearOfDays } from './civil.js';
import { createOffsetProbe, type OffsetProbe } from './intl-offset.js';

/**
 * A time zone answering instant <-> wall time conversions from a table of its offset transitions.
 * `Intl` is asked only to build the table, a year at a time on first need; every lookup after that
 * is a binary search (or a hit on the last segment used).
 *
 * A "wall" value is a wall-clock time as milliseconds since 1970-01-01T00:00 on that wall clock.
 */
export interface TimeZone {
  /** The canonical IANA name, as `Intl` resolves it. */
  readonly name: string;
  /** The offset (wall - instant) in milliseconds in force at `instant`. */
  offsetAt(instant: number): number;
  /** The wall value at `instant`. */
  wallAt(instant: number): number;
  /**
   * An instant after `instant` up to which the offset stays what it is at `instant`: the next
   * transition, or an earlier point (at most about a year on) where the table's coverage ends.
   */
  constantUntil(instant: number): number;
  /**
   * The instant of a wall value by tscron's rules: in a spring-forward gap, the wall time read with the
   * offset before the gap (02:30 becomes 03:30); in an autumn overlap, the first occurrence.
   */
  toInstant(wall: number): number;
  /** The later instant of a wall value that occurs twice; otherwise the same as {@link toInstant}. */
  toLaterInstant(wall: number): number;
  /** Whether the wall value does not exist (falls in a spring-forward gap). */
  isInGap(wall: number): boolean;
}

const SAMPLE_STEP = 4 * MS_PER_DAY;
/** The largest epoch milliseconds a `Date` holds. */
const MAX_INSTANT = 8.64e15;

class TableTimeZone implements TimeZone {
  #name: string | undefined;
  readonly #nameOf: (() => string) | undefined;
  readonly #probe: OffsetProbe | undefined;
  /** Transition instants, ascending; `#offsets[i]` holds from `#starts[i]` to `#starts[i + 1]`. */
  readonly #starts: number[] = [];
  readonly #offsets: number[] = [];
  /** Instants the table covers: [#low, #high). */
  #low = 0;
  #high = 0;
  // The last segment found, since consecutive lookups usually fall in the same one.
  #hitStart = 0;
  #hitEnd = 0;
  #hitOffset = 0;

  /** `name` may be a function that tells it, asked on first need (the local zone's asks `Intl`). */
  constructor(name: string | (() => string), probe: OffsetProbe | undefined) {
    if (typeof name === 'string') this.#name = name;
    else this.#nameOf = name;
    this.#probe = probe;
    if (probe === undefined) {
      this.#starts.push(-Infinity);
      this.#offsets.push(0);
      this.#low = -Infinity;
      this.#high = Infinity;
      this.#hitStart = -Infinity;
      this.#hitEnd = Infinity;
    }
  }

  get name(): string {
    this.#name ??= (this.#nameOf as () => string)();
    return this.#name;
  }

  offsetAt(instant: number): number {
    if (instant >= this.#hitStart && instant < this.#hitEnd) return this.#hitOffset;
    const index = this.#segmentIndex(instant);
    this.#hitStart = this.#starts[index] as number;
    this.#hitEnd = index + 1 < this.#starts.length ? (this.#starts[index + 1] as number) : this.#high;
    this.#hitOffset = this.#offsets[index] as number;
    return this.#hitOffset;
  }

  wallAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  constantUntil(instant: number): number {
    this.offsetAt(instant);
    return this.#hitEnd;
  }

  toInstant(wall: number): number {
    return this.#resolve(wall, false);
  }

  toLaterInstant(wall: number): number {
    return this.#resolve(wall, true);
  }

  isInGap(wall: number): boolean {
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    if (before === after && this.constantUntil(wall - MS_PER_DAY) > wall + MS_PER_DAY) return false;
    return this.#exists(wall) === 0;
  }

  /** How many instants have this wall value (0 in a gap, 2 in an overlap). */
  #exists(wall: number): number {
    let count = 0;
    let at = wall - MS_PER_DAY;
    const end = wall + MS_PER_DAY;
    while (at < end) {
      const offset = this.offsetAt(at);
      const segmentEnd = this.#hitEnd;
      const candidate = wall - offset;
      if (candidate >= this.#hitStart && candidate < segmentEnd) count++;
      at = segmentEnd;
    }
    return count;
  }

  #resolve(wall: number, later: boolean): number {
    // Offsets are under a day in magnitude, so every instant showing this wall time lies within a day of it.
    let at = wall - MS_PER_DAY;
    const end = wall + MS_PER_DAY;
    let first = Number.NaN;
    let last = Number.NaN;
    let previousOffset = Number.NaN;
    let gapInstant = Number.NaN;
    while (at < end) {
      const offset = this.offsetAt(at);
      const segmentStart = this.#hitStart;
      const segmentEnd = this.#hitEnd;
      const candidate = wall - offset;
      if (candidate >= segmentStart && candidate < segmentEnd) {
        if (Number.isNaN(first)) first = candidate;
        last = candidate;
      } else if (
        // A forward jump at segmentStart skipped this wall time: read it with the offset before the jump.
        !Number.isNaN(previousOffset) &&
        previousOffset < offset &&
        wall >= segmentStart + previousOffset &&
        wall < segmentStart + offset
      ) {
        gapInstant = wall - previousOffset;
      }
      previousOffset = offset;
      at = segmentEnd;
    }
    if (!Number.isNaN(first)) return later ? last : first;
    return gapInstant;
  }

  #segmentIndex(instant: number): number {
    if (!(Math.abs(instant) <= MAX_INSTANT)) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `time zone ${this.name}: ${instant} is not an instant a Date can hold`,
      );
    }
    if (instant < this.#low || instant >= this.#high) this.#cover(instant);
    const starts = this.#starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= instant) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Extends the table, a UTC year at a time, until it covers `instant`. */
  #cover(instant: number): void {
    const probe = this.#probe as OffsetProbe;
    const year = yearOfDays(Math.floor(instant / MS_PER_DAY));
    if (this.#starts.length === 0) {
      const start = daysFromCivil(year, 1, 1) * MS_PER_DAY;
      this.#starts.push(start);
      this.#offsets.push(probe(start));
      this.#low = start;
      this.#high = start;
    }
    while (instant >= this.#high) {
      const from = this.#high;
      const to = daysFromCivil(yearOfDays(Math.floor(from / MS_PER_DAY)) + 1, 1, 1) * MS_PER_DAY;
      this.#scan(from, to, probe, this.#offsets[this.#offsets.length - 1] as number, (at, offset) => {
        this.#starts.push(at);
        this.#offsets.push(offset);
      });
      this.#high = to;
    }
    while (instant < this.#low) {
      const to = this.#low;
      const from = daysFromCivil(yearOfDays(Math.floor(to / MS_PER_DAY) - 1), 1, 1) * MS_PER_DAY;
      const starts = [from];
      const offsets = [probe(from)];
      this.#scan(from, to, probe, offsets[0] as number, (at, offset) => {
        starts.push(at);
        offsets.push(offset);
      });
      if (this.#offsets[0] === offsets[offsets.length - 1]) {
        // The old first segment continues the new last one.
        this.#starts.shift();
        this.#offsets.shift();
      }
      this.#starts.unshift(...starts);
      this.#offsets.unshift(...offsets);
      this.#low = from;
    }
    this.#hitStart = 0;
    this.#hitEnd = 0;
  }

  /** Samples [from, to) and bisects every change of offset to the exact second. */
  #scan(
    from: number,
    to: number,
    probe: OffsetProbe,
    startOffset: number,
    found: (at: number, offset: number) => void,
  ) {
    let previous = from;
    let previousOffset = startOffset;
    const atStart = probe(from);
    if (atStart !== previousOffset) {
      found(from, atStart);
      previousOffset = atStart;
    }
    while (previous < to) {
      const next = Math.min(previous + SAMPLE_STEP, to);
      const nextOffset = probe(next === to ? to - MS_PER_SECOND : next);
      if (nextOffset !== previousOffset) {
        let low = previous;
        let high = next === to ? to - MS_PER_SECOND : next;
        while (high - low > MS_PER_SECOND) {
          const middle = low + Math.floor((high - low) / 2 / MS_PER_SECOND) * MS_PER_SECOND;
          if (probe(middle) === previousOffset) low = middle;
          else high = middle;
        }
        const offset = probe(high);
        found(high, offset);
        previousOffset = offset;
        previous = high;
        continue;
      }
      previous = next;
    }
  }
}

const zones = new Map<string, TimeZone>();
const UTC = new TableTimeZone('UTC', undefined);
zones.set('UTC', UTC);

/**
 * The time zone named `name` (an IANA name such as `"America/New_York"`), built once and cached.
 * Throws `ERR_INVALID_TIME_ZONE` naming the zone when `Intl` does not know it.
 */
export function getTimeZone(name: string): TimeZone {
  const cached = zones.get(name);
  if (cached !== undefined) return cached;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TscronError(
      'ERR_INVALID_TIME_ZONE',
      `time zone must be a non-empty IANA name, got "${String(name)}"`,
    );
  }
  const { canonicalName, probe } = createOffsetProbe(name);
  let zone = zones.get(canonicalName);
  if (zone === undefined) {
    zone =
      canonicalName === 'UTC' || canonicalName === 'Etc/UTC' ? UTC : new TableTimeZone(canonicalName, probe);
    zones.set(canonicalName, zone);
  }
  zones.set(name, zone);
  return zone;
}

/** The process's local IANA zone name (honours `TZ`). */
export function localTimeZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The local zone, by the `TZ` it was made under (a process may change `TZ`). */
const localZones = new Map<string | undefined, TimeZone>();

/**
 * The process's local time zone (honours `TZ`). Its offsets come from `Date`, whose local time is
 * this zone, rather than from `Intl`: a scheduler that never names a zone never loads `Intl`'s date
 * formatting, which costs a process about 10 ms and 8 MB at start-up. Its `name` is asked of `Intl`
 * on first need.
 */
export function localTimeZone(): TimeZone {
  const tz = process.env.TZ;
  let zone = localZones.get(tz);
  if (zone === undefined) {
    zone = new TableTimeZone(
      () => localTimeZoneName(),
      (instant) =>
        -new Date(Math.floor(instant / MS_PER_SECOND) * MS_PER_SECOND).getTimezoneOffset() * 60_000,
    );
    localZones.set(tz, zone);
  }
  return zone;
}
