// Backend-neutral parts of a tscron lock or leader lease: checks, bounded calls, renewal, campaigning.
// The same file lives in @tscron/redis and @tscron/postgres so that neither depends on the other.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, type Lock, TscronError, toMilliseconds } from 'tscron';

/** The longest lock key (job name) accepted, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 255;

/** Checks a lock request; returns the occurrence in epoch milliseconds. */
export function checkRequest(owner: string, key: unknown, scheduledAt: unknown): number {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `${owner}: lock key must be a non-empty string, got ${JSON.stringify(key)}`,
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new TscronError(
      'ERR_LOCK_KEY_INVALID',
      `${owner}: lock key is ${key.length} characters long, the limit is ${MAX_KEY_LENGTH}: "${key.slice(0, 40)}..."`,
    );
  }
  const at = scheduledAt instanceof Date ? scheduledAt.getTime() : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new TscronError(
      'ERR_INVALID_ARGUMENT',
      `${owner}: scheduledAt must be a valid Date, got ${String(scheduledAt)}`,
    );
  }
  return at;
}

/** Reads an optional duration option that must be at least `min` ms. */
export function duration(value: Duration | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  const ms = toMilliseconds(value, what);
  if (ms < min)
    throw new TscronError('ERR_INVALID_OPTION', `${what}: must be at least ${min}ms, got ${String(value)}`);
  return Math.round(ms);
}

/** Throws `ERR_INVALID_OPTION` unless `shorter` < `longer`. */
export function ordered(shorter: number, longer: number, what: string): void {
  if (shorter >= longer) throw new TscronError('ERR_INVALID_OPTION', `${what} (${shorter}ms vs ${longer}ms)`);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** An Error named `name`, optionally with a cause. */
export function named(name: string, message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = name;
  return error;
}

/**
 * Settles with `work` unless `signal` aborts or `timeout` ms pass first; then rejects, and hands a
 * value `work` produces later to `late` (so that a lock acquired after the caller gave up is released).
 */
export function bounded<T>(
  work: Promise<T>,
  timeout: number,
  what: string,
  signal?: AbortSignal,
  late?: (value: T) => void,
): Promise<T> {
  if (signal?.aborted) {
    work.then(late, () => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const giveUp = (reason: unknown) => {
      if (settled) return;
      finish();
      work.then(late, () => undefined);
      reject(reason);
    };
    const onAbort = () => giveUp(abortReason(signal as AbortSignal));
    const timer = setTimeout(
      () => giveUp(named('TimeoutError', `${what} timed out after ${timeout}ms`)),
      timeout,
    );
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      },
    );
  });
}

/** What a backend does for a held lock. */
export interface LockOps {
  /** Renews; resolves false when the claim is no longer this lock's. */
  extend(): Promise<boolean>;
  /** Releases (respecting the minimum hold); a no-op when the claim is no longer this lock's. */
  release(): Promise<void>;
}

/**
 * A held lock: renews every `renewInterval` while held and aborts `lost` at the first renewal that
 * fails, times out, or finds the claim gone. No timer is left once it is unlocked or lost.
 */
export class RenewedLock implements Lock {
  readonly #ops: LockOps;
  readonly #renewInterval: number;
  readonly #timeout: number;
  readonly #lost = new AbortController();
  readonly #onEnd: (lock: RenewedLock) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: 'held' | 'lost' | 'released' = 'held';

  constructor(
    readonly fence: bigint,
    ops: LockOps,
    renewInterval: number,
    timeout: number,
    onEnd: (lock: RenewedLock) => void,
  ) {
    this.#ops = ops;
    this.#renewInterval = renewInterval;
    this.#timeout = timeout;
    this.#onEnd = onEnd;
    this.#arm();
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  async unlock(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.#state === 'released') return;
    const wasHeld = this.#state === 'held';
    this.#stop('released');
    // A lock lost to a failed renewal may still be ours on the server: the token makes this safe.
    await bounded(this.#ops.release(), this.#timeout, 'unlock', options?.signal).catch((error: unknown) => {
      if (wasHeld) throw error;
    });
  }

  /** Stops renewing without releasing (the process is going away, or the client is gone). */
  abandon(): void {
    this.#stop('released');
  }

  #stop(state: 'lost' | 'released'): void {
    if (this.#state === 'held') this.#onEnd(this);
    this.#state = state;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#renew();
    }, this.#renewInterval);
    this.#timer.unref?.();
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'held') return;
    let cause: unknown;
    let ok = false;
    try {
      ok = await bounded(this.#ops.extend(), this.#renewInterval, 'lock renewal');
    } catch (error) {
      cause = error;
    }
    if (this.#state !== 'held') return;
    if (ok) return this.#arm();
    this.#stop('lost');
    this.#lost.abort(
      named(
        'LockLostError',
        cause === undefined ? 'the lock expired or was taken over' : 'the lock could not be renewed',
        cause,
      ),
    );
  }
}

/**
 * The leader side of an elector: campaigns every `retryPeriod` (taking or renewing the lease) and
 * believes it leads until `lease` minus a safety margin after the start of its last successful
 * attempt, so it stops saying true before the lease can expire on the server.
 */
export class Campaign {
  readonly #campaign: () => Promise<boolean>;
  readonly #resign: () => Promise<void>;
  readonly #lease: number;
  readonly #retryPeriod: number;
  readonly #margin: number;
  #leaderUntil = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: 'idle' | 'running' | 'closed' = 'idle';
  #first: Promise<void> | undefined;
  /** The error of the last failed attempt, for diagnostics. */
  lastError: unknown;

  constructor(
    campaign: () => Promise<boolean>,
    resign: () => Promise<void>,
    lease: number,
    retryPeriod: number,
  ) {
    this.#campaign = campaign;
    this.#resign = resign;
    this.#lease = lease;
    this.#retryPeriod = retryPeriod;
    this.#margin = Math.min(Math.max(lease * 0.02, 5), 1000);
  }

  async isLeader(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.#state === 'idle') {
      this.#state = 'running';
      this.#first = this.#attempt();
    }
    if (this.#first !== undefined) {
      await bounded(this.#first, this.#retryPeriod, 'first campaign', signal).catch(() => undefined);
      this.#first = undefined;
    }
    return performance.now() < this.#leaderUntil;
  }

  async close(timeout: number): Promise<void> {
    const wasLeader = performance.now() < this.#leaderUntil;
    const started = this.#state !== 'idle';
    this.#state = 'closed';
    this.#leaderUntil = Number.NEGATIVE_INFINITY;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (started || wasLeader) await bounded(this.#resign(), timeout, 'resign').catch(() => undefined);
  }

  async #attempt(): Promise<void> {
    if (this.#state !== 'running') return;
    const start = performance.now();
    try {
      const leads = await bounded(this.#campaign(), this.#retryPeriod, 'campaign');
      if (this.#state !== 'running') return;
      this.#leaderUntil = leads ? start + this.#lease - this.#margin : Number.NEGATIVE_INFINITY;
    } catch (error) {
      this.lastError = error;
    }
    if (this.#state !== 'running') return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.#attempt();
      },
      Math.max(0, this.#retryPeriod - (performance.now() - start)),
    );
    this.#timer.unref?.();
  }
}

/**
 * The folder this module was loaded from, in both the ESM and the CommonJS build: `__dirname` where
 * the module system defines it, else the file name V8 records for this function.
 */
export function moduleDirectory(): string {
  if (typeof __dirname === 'string') return __dirname;
  const saved = Error.prepareStackTrace;
  let file: string | null | undefined;
  try {
    Error.prepareStackTrace = (_error, stack) => stack;
    const stack = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    file = stack?.[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = saved;
  }
  if (!file) throw new Error('cannot locate the package files (no file name in the stack)');
  return dirname(file.startsWith('file:') ? fileURLToPath(file) : file);
}

/** Reads a file shipped beside the compiled code (`lua/…`, `migrations/…`). */
export function readAsset(...path: string[]): string {
  return readFileSync(join(moduleDirectory(), ...path), 'utf8');
}
