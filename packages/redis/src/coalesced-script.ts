// Per-lock calls (renew, release) made in the same turn of the event loop, sent as one script call
// per slot group.
import { backendFailure, lockTimeout } from 'tscron/backend';
import type { RedisConnection } from './connection.js';
import { slotGroups } from './key-slot.js';
import type { Script } from './scripts.js';

interface Pending {
  readonly key: string;
  readonly token: string;
  readonly resolve: (reply: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Bounds each script call: names the operation in errors, and the milliseconds it may take. */
export interface CallBound {
  /** The operation, for the error messages, e.g. `'RedisLocker unlock'`. */
  readonly what: string;
  readonly timeout: number;
}

/**
 * Queues `(key, token)` calls of one script and sends them as one call per slot group,
 * `KEYS = [key...]`, `ARGV = [argument, token...]`: on the next `setImmediate` (after every timer and
 * I/O callback of this turn, so that the releases of runs that end together share a call), or `window`
 * ms after the first queued call (so that renewal timers armed a few milliseconds apart, as those of
 * 10,000 locks made in one loop are, share one too). Each call settles with its key's reply, or with
 * the group's error. With a {@link CallBound}, one timer bounds each script call: its calls reject
 * with `ERR_LOCK_TIMEOUT` when it takes longer, and a Redis error becomes `ERR_LOCK_BACKEND_FAILED`.
 */
export class CoalescedScript {
  readonly #connection: RedisConnection;
  readonly #script: Script;
  readonly #argument: number;
  readonly #window: number;
  readonly #bound: CallBound | undefined;
  #pending: Pending[] = [];
  #queued = false;

  /**
   * `argument` is the script's `ARGV[1]`, the same for every key (a ttl, a minimum hold); `window`
   * is 0 to send on the next `setImmediate`, else the milliseconds to collect calls for.
   */
  constructor(
    connection: RedisConnection,
    script: Script,
    argument: number,
    options: { window?: number; bound?: CallBound } = {},
  ) {
    this.#connection = connection;
    this.#script = script;
    this.#argument = argument;
    this.#window = options.window ?? 0;
    this.#bound = options.bound;
  }

  /** Queues the script for `key`; resolves with the script's reply for it. */
  call(key: string, token: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ key, token, resolve, reject });
      if (this.#queued) return;
      this.#queued = true;
      if (this.#window === 0) setImmediate(this.#flush);
      // Unref'd like the renewal timers that queue these calls: renewing never keeps a process alive.
      else setTimeout(this.#flush, this.#window).unref();
    });
  }

  readonly #flush = (): void => {
    const pending = this.#pending;
    this.#pending = [];
    this.#queued = false;
    for (const group of slotGroups(pending, (item) => item.key, this.#connection.cluster)) this.#send(group);
  };

  #send(group: Pending[]): void {
    const keys = group.map((item) => item.key);
    const args = [this.#argument, ...group.map((item) => item.token)];
    const bound = this.#bound;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (bound !== undefined) {
      timer = setTimeout(() => {
        settled = true;
        const error = lockTimeout(bound.what, bound.timeout);
        for (const item of group) item.reject(error);
      }, bound.timeout);
      timer.unref();
    }
    this.#connection.run(this.#script, keys, args).then(
      (replies) => {
        if (settled) return;
        clearTimeout(timer);
        for (const [i, item] of group.entries()) item.resolve(Number((replies as unknown[])[i]));
      },
      (error: unknown) => {
        if (settled) return;
        clearTimeout(timer);
        const failure = bound === undefined ? error : backendFailure(bound.what, error);
        for (const item of group) item.reject(failure);
      },
    );
  }
}
