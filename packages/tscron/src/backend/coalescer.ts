// Calls made in one turn of the event loop, gathered and sent to the server as one request (a backend's
// statement or script call).

interface Waiter<O> {
  resolve(value: O): void;
  reject(reason: unknown): void;
}

/**
 * Gathers the items added during one turn of the event loop (or within `window` ms) and hands them
 * to `flush` together, then settles each caller's promise with its own result. A burst of 10,000
 * runs ending together thus costs one statement instead of 10,000.
 *
 * A turn ends on `setImmediate` rather than a microtask: callbacks of timers that are due together
 * run in one timers phase, but Node drains the microtask queue between them, so a microtask flush
 * would send one statement per timer. The check phase comes after the whole timers phase.
 */
export class Coalescer<I, O> {
  readonly #flush: (items: readonly I[]) => Promise<readonly O[]>;
  readonly #window: number;
  #items: I[] = [];
  #waiters: Array<Waiter<O>> = [];
  #armed = false;

  /**
   * @param flush - sends the items and resolves one result per item, in order; a rejection
   *   rejects every caller of that flush with the same error.
   * @param window - milliseconds to keep gathering after the first item; 0 flushes at the end of
   *   the turn. Renewal timers armed a few milliseconds apart (Node stamps each timer with the time
   *   it was armed) fall due in different turns, and a short window lets them share one statement.
   */
  constructor(flush: (items: readonly I[]) => Promise<readonly O[]>, window = 0) {
    this.#flush = flush;
    this.#window = window;
  }

  /** Queues `item` for the next flush; resolves with its result. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#armed) return;
      this.#armed = true;
      if (this.#window > 0) setTimeout(this.#run, this.#window).unref();
      else setImmediate(this.#run);
    });
  }

  readonly #run = (): void => {
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    this.#armed = false;
    new Promise<readonly O[]>((resolve) => resolve(this.#flush(items))).then(
      (results) => {
        for (const [i, waiter] of waiters.entries()) waiter.resolve(results[i] as O);
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  };
}
