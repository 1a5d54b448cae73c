// Records gathered while the previous batch is on its way, sent as the next batch: one in flight.
import { TscronError } from 'tscron';

interface Entry<I> {
  readonly item: I;
  resolve(): void;
  reject(reason: unknown): void;
}

/** Limits of a {@link SerialBatcher}. */
export interface SerialBatcherLimits {
  /** The most items one `send` gets. */
  readonly maxBatch: number;
  /** The most items waiting; beyond it `add` rejects at once, so that a dead server costs bounded memory. */
  readonly maxPending: number;
  /** Names the owner in the error of a full queue, e.g. `'PostgresRunHistory'`. */
  readonly owner: string;
}

/**
 * Gathers items added during one turn of the event loop and sends them together, with at most one
 * batch in flight: what arrives meanwhile waits and goes as the next batch. Unlike a `Coalescer`
 * (a statement per turn, as many in flight as turns), a slow server thus gets fewer, larger batches
 * rather than a growing queue of statements; batches from one writer commit in the order they were
 * made; and the items waiting are capped.
 */
export class SerialBatcher<I> {
  readonly #send: (items: readonly I[]) => Promise<unknown>;
  readonly #limits: SerialBatcherLimits;
  #waiting: Array<Entry<I>> = [];
  #busy = false;
  #armed = false;

  constructor(send: (items: readonly I[]) => Promise<unknown>, limits: SerialBatcherLimits) {
    this.#send = send;
    this.#limits = limits;
  }

  /** Queues `item`; resolves once the batch holding it is written, rejects with that batch's error. */
  add(item: I): Promise<void> {
    if (this.#waiting.length >= this.#limits.maxPending) {
      return Promise.reject(
        new TscronError(
          'ERR_LOCK_BACKEND_FAILED',
          `${this.#limits.owner}: ${this.#waiting.length} records are waiting for the server already; this one is dropped`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#arm();
    });
  }

  #arm(): void {
    if (this.#busy || this.#armed) return;
    this.#armed = true;
    // setImmediate, not a microtask: records of runs ending in one timers phase arrive between
    // microtask drains, and the check phase comes after all of them.
    setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#armed = false;
    const batch = this.#waiting.splice(0, this.#limits.maxBatch);
    if (batch.length === 0) return;
    this.#busy = true;
    new Promise((resolve) => resolve(this.#send(batch.map((entry) => entry.item))))
      .then(
        () => {
          for (const entry of batch) entry.resolve();
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        this.#busy = false;
        if (this.#waiting.length > 0) this.#arm();
      });
  };
}
