// Writes gathered while the previous batch is on its way, sent as the next batch: one batch in flight,
// and a bound on what may wait, so that a slow or absent server never makes the writer grow.

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Queues items for a store and sends them in batches: the items of one turn of the event loop go
 * together (sent on `setImmediate`), and while a batch is in flight the items added meanwhile wait
 * and go together as the next one. At most `maxWaiting` items wait; an item added beyond that is
 * rejected at once with `overflow()`, so memory stays bounded however long the server takes.
 */
export class WriteQueue<T> {
  readonly #send: (items: readonly T[]) => Promise<unknown[]>;
  readonly #maxWaiting: number;
  readonly #overflow: () => unknown;
  #waiting: Array<Waiting<T>> = [];
  #busy = false;

  /**
   * @param send - writes a batch and resolves one entry per item, in order: `undefined` when the
   *   item was written, else the error it failed with. A rejection fails the whole batch.
   */
  constructor(
    send: (items: readonly T[]) => Promise<unknown[]>,
    maxWaiting: number,
    overflow: () => unknown,
  ) {
    this.#send = send;
    this.#maxWaiting = maxWaiting;
    this.#overflow = overflow;
  }

  /** Queues `item`; resolves once it is written, rejects with the error of its write. */
  add(item: T): Promise<void> {
    if (this.#waiting.length >= this.#maxWaiting) return Promise.reject(this.#overflow());
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#busy) return;
      this.#busy = true;
      setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    const batch = this.#waiting;
    this.#waiting = [];
    new Promise<unknown[]>((resolve) => resolve(this.#send(batch.map((waiting) => waiting.item))))
      .then(
        (failures) => {
          for (const [i, waiting] of batch.entries()) {
            const failure = failures[i];
            if (failure === undefined) waiting.resolve();
            else waiting.reject(failure);
          }
        },
        (error: unknown) => {
          for (const waiting of batch) waiting.reject(error);
        },
      )
      .finally(() => {
        // What came while this batch was on its way goes next, together.
        if (this.#waiting.length > 0) setImmediate(this.#flush);
        else this.#busy = false;
      });
  };
}
