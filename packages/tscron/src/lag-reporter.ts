import type { Logger } from './logger.js';
import type { Monitor } from './monitor.js';

/** A run that gets its lock later than this after its time is behind. */
export const BEHIND_MS = 1000;
/** Reports come at most this often, so that a long burst does not flood the log. */
const REPORT_EVERY_MS = 10_000;

/**
 * Notices runs that got their lock late, and says so: a log line and `monitor.runsBehind`, at most
 * every 10 seconds. A replica whose locker cannot keep up with the runs coming due would otherwise
 * fall behind in silence.
 */
export class LagReporter {
  readonly #logger: Logger;
  readonly #monitor: Monitor | undefined;
  readonly #printUnobserved: boolean;
  #behind = 0;
  #worst = 0;
  #lastReport = Number.NEGATIVE_INFINITY;

  /** `printUnobserved`: no logger was given, so a report no monitor hears of goes to the console. */
  constructor(logger: Logger, monitor: Monitor | undefined, printUnobserved: boolean) {
    this.#logger = logger;
    this.#monitor = monitor;
    this.#printUnobserved = printUnobserved;
  }

  /** A run of occurrence `at` got its lock `now`. */
  note(at: number, now: number): void {
    const late = now - at;
    if (late <= BEHIND_MS) return;
    this.#behind++;
    if (late > this.#worst) this.#worst = late;
    if (now - this.#lastReport < REPORT_EVERY_MS) return;
    this.#report(now);
  }

  #report(now: number): void {
    const runs = this.#behind;
    const worst = this.#worst;
    this.#behind = 0;
    this.#worst = 0;
    this.#lastReport = now;
    const message = `tscron: falling behind: ${runs} run(s) got their lock more than ${BEHIND_MS} ms after their time (the latest ${Math.round(worst)} ms); the locker answers slower than runs come due`;
    if (!this.#printUnobserved) this.#logger.warn(message);
    else if (this.#monitor?.runsBehind === undefined) console.warn(message);
    try {
      this.#monitor?.runsBehind?.(runs, worst);
    } catch (error) {
      this.#logger.error('tscron: monitor.runsBehind threw', error);
    }
  }
}
