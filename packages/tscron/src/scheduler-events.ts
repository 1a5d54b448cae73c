import type { Job } from './job.js';
import type { Logger } from './logger.js';
import type { RunHistory, RunRecord } from './run-history.js';

/**
 * What {@link Scheduler.subscribe} listeners hear: a run started (`status: 'running'`), ended, was
 * dropped or missed; a job was added, updated, removed, paused or resumed; the scheduler started,
 * stopped or shut down.
 */
export type SchedulerEvent =
  | { type: 'run'; run: RunRecord }
  | { type: 'job'; change: JobChange; job: Job }
  | { type: 'scheduler'; change: 'started' | 'stopped' | 'shutdown' };

/** How a job changed, in a {@link SchedulerEvent}. */
export type JobChange = 'added' | 'updated' | 'removed' | 'paused' | 'resumed';

/** A {@link Scheduler.subscribe} listener. */
export type SchedulerListener = (event: SchedulerEvent) => void;

/**
 * The scheduler's record keeping, off the path of its runs: run records and changes queue up and
 * are handed to the history and the listeners together on the next turn of the event loop. While
 * there is neither a history nor a listener, {@link SchedulerEvents.recording} is false and the
 * executor builds no record at all.
 */
export class SchedulerEvents {
  readonly #history: RunHistory | undefined;
  readonly #logger: Logger;
  /** No logger was given: a failing history is reported with `console.error`, not silently dropped. */
  readonly #printUnobserved: boolean;
  readonly #listeners = new Set<SchedulerListener>();
  #pending: SchedulerEvent[] = [];
  #flushing: ReturnType<typeof setImmediate> | undefined;
  /** Whether the history's last write failed (it is logged once until one succeeds again). */
  #historyFailing = false;
  /** History writes not yet settled: shutdown waits for them, so that the last runs' records land. */
  readonly #writes = new Set<Promise<void>>();
  /** Whether runs are recorded: a history or a listener wants them. */
  recording: boolean;

  constructor(history: RunHistory | undefined, logger: Logger, printUnobserved: boolean) {
    this.#history = history;
    this.#logger = logger;
    this.#printUnobserved = printUnobserved;
    this.recording = history !== undefined;
  }

  subscribe(listener: SchedulerListener): () => void {
    // A listener added twice is called once per event, and the first unsubscribe removes it.
    this.#listeners.add(listener);
    this.recording = true;
    return () => {
      this.#listeners.delete(listener);
      this.recording = this.#history !== undefined || this.#listeners.size > 0;
    };
  }

  run(record: RunRecord): void {
    this.#push({ type: 'run', run: record });
  }

  job(change: JobChange, job: Job): void {
    if (this.#listeners.size > 0) this.#push({ type: 'job', change, job });
  }

  scheduler(change: 'started' | 'stopped' | 'shutdown'): void {
    if (this.#listeners.size > 0) this.#push({ type: 'scheduler', change });
  }

  /**
   * Hands the queued events over now and resolves when every history write made so far has settled
   * (written or failed; failures are reported as usual). Never rejects.
   */
  async settle(): Promise<void> {
    // Nothing above the first await is deferred: once this is called, `writing` counts every write.
    if (this.#flushing !== undefined) {
      clearImmediate(this.#flushing);
      this.#flush();
    }
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
  }

  /** How many history writes have not settled yet. */
  get writing(): number {
    return this.#writes.size;
  }

  #push(event: SchedulerEvent): void {
    this.#pending.push(event);
    this.#flushing ??= setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#flushing = undefined;
    const events = this.#pending;
    this.#pending = [];
    const history = this.#history;
    for (const event of events) {
      if (history !== undefined && event.type === 'run') this.#write(history, event.run);
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (error) {
          if (this.#printUnobserved) console.error('tscron: a scheduler listener threw', error);
          else this.#logger.error('tscron: a scheduler listener threw', error);
        }
      }
    }
  };

  #write(history: RunHistory, record: RunRecord): void {
    let written: Promise<void>;
    try {
      written = history.record(record);
    } catch (error) {
      this.#historyFailed(error);
      return;
    }
    const settled = Promise.resolve(written).then(
      () => {
        this.#historyFailing = false;
      },
      (error: unknown) => this.#historyFailed(error),
    );
    this.#writes.add(settled);
    void settled.finally(() => this.#writes.delete(settled));
  }

  #historyFailed(error: unknown): void {
    if (this.#historyFailing) return;
    this.#historyFailing = true;
    const message =
      'tscron: the run history failed to record a run; records are dropped until it works again';
    if (this.#printUnobserved) console.error(message, error);
    else this.#logger.warn(message, error);
  }
}
