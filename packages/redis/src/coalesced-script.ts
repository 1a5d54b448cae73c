// Per-lock calls (renew, release) made in the same turn of the event loop, sent as one script call
// per slot group.
import type { RedisClient } from './client.js';
import { slotGroups } from './key-slot.js';
import { runScript, type Script } from './scripts.js';

interface Pending {
  readonly key: string;
  readonly token: string;
  readonly resolve: (reply: number) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Queues `(key, token)` calls of one script and sends them on the next `setImmediate` (after every
 * timer and I/O callback of this turn, so that locks renewed by timers that fire together, or
 * released by runs that end together, share a call) as one call per slot group:
 * `KEYS = [key...]`, `ARGV = [argument, token...]`. Each call settles with its key's reply, or
 * with the group's error.
 */
export class CoalescedScript {
  readonly #client: RedisClient;
  readonly #script: Script;
  readonly #argument: number;
  readonly #cluster: boolean;
  #pending: Pending[] = [];
  #queued = false;

  /** `argument` is the script's `ARGV[1]`, the same for every key (a ttl, a minimum hold). */
  constructor(client: RedisClient, script: Script, argument: number, cluster: boolean) {
    this.#client = client;
    this.#script = script;
    this.#argument = argument;
    this.#cluster = cluster;
  }

  /** Queues the script for `key`; resolves with the script's reply for it. */
  call(key: string, token: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ key, token, resolve, reject });
      if (this.#queued) return;
      this.#queued = true;
      setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    const pending = this.#pending;
    this.#pending = [];
    this.#queued = false;
    for (const group of slotGroups(pending, (item) => item.key, this.#cluster)) this.#send(group);
  };

  #send(group: Pending[]): void {
    const keys = group.map((item) => item.key);
    const args = [this.#argument, ...group.map((item) => item.token)];
    runScript(this.#client, this.#script, keys, args).then(
      (replies) => {
        for (const [i, item] of group.entries()) item.resolve(Number((replies as unknown[])[i]));
      },
      (error: unknown) => {
        for (const item of group) item.reject(error);
      },
    );
  }
}
