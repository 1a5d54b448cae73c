/**
 * What `CronJob#nextDate()` returns: a `Date` that also answers the luxon `DateTime` methods code
 * written for the `cron` package calls most, so that `job.nextDate().toJSDate()` keeps working
 * without luxon. Other luxon methods are not there; `DateTime.fromJSDate(date)` converts.
 *
 * @example
 * ```ts
 * const next = registry.getCronJob('report').nextDate();
 * console.log(next.toISO(), next.toMillis() - Date.now());
 * ```
 */
export class CronDate extends Date {
  /** A plain `Date` of the same instant (luxon `toJSDate`). */
  toJSDate(): Date {
    return new Date(this.getTime());
  }

  /** Epoch milliseconds (luxon `toMillis`). */
  toMillis(): number {
    return this.getTime();
  }

  /** Epoch seconds with a fraction (luxon `toSeconds`). */
  toSeconds(): number {
    return this.getTime() / 1000;
  }

  /** Whole epoch seconds (luxon `toUnixInteger`). */
  toUnixInteger(): number {
    return Math.floor(this.getTime() / 1000);
  }

  /** ISO 8601 in UTC, as `toISOString` (luxon writes the job zone's offset instead of `Z`). */
  toISO(): string {
    return this.toISOString();
  }
}
