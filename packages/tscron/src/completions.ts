// Telling the fleet which occurrences completed, off the runs' path.
import type { Fleet } from './fleet.js';
import type { Logger } from './logger.js';

/**
 * Coalesces `fleet.recordCompleted` calls: runs that end note their occurrence here, and on the
 * next turn of the event loop the fleet is told the latest occurrence per job, one call per job.
 * A failing fleet is logged once until a call succeeds again; what it missed is dropped (the next
 * completion of the job records a later occurrence anyway).
 */
export class Completions {
  readonly #fleet: Fleet;
  readonly #logger: Logger;
  #pending = new Map<string, number>();
  #queued: ReturnType<typeof setImmediate> | undefined;
  /** Calls in flight, so that a stop can wait for them. */
  readonly #inFlight = new Set<Promise<void>>();
  #failing = false;

  constructor(fleet: Fleet, logger: Logger) {
    this.#fleet = fleet;
    this.#logger = logger;
  }

  /** The occurrence `at` of job `name` completed (successfully or not). */
  note(name: string, at: number): void {
    const known = this.#pending.get(name);
    if (known === undefined || at > known) this.#pending.set(name, at);
    this.#queued ??= setImmediate(this.#flush);
  }

  /** Sends what is pending now and resolves once every call in flight settled. */
  async drain(): Promise<void> {
    if (this.#queued !== undefined) {
      clearImmediate(this.#queued);
      this.#flush();
    }
    await Promise.all(this.#inFlight);
  }

  readonly #flush = (): void => {
    this.#queued = undefined;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [name, at] of pending) {
      const call = this.#record(name, at);
      this.#inFlight.add(call);
      void call.finally(() => this.#inFlight.delete(call));
    }
  };

  async #record(name: string, at: number): Promise<void> {
    try {
      await this.#fleet.recordCompleted(name, new Date(at));
      this.#failing = false;
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      this.#logger.warn(
        `tscron: the fleet failed to record that job "${name}" completed its occurrence ${new Date(at).toISOString()}; catch-up after downtime may replay it`,
        error,
      );
    }
  }
}
