import { type Clock, systemClock } from './clock.js';

/**
 * Waits for `done`, but at most `ms` on `clock` and no longer than `signal` lasts. Resolves true
 * when `done` settled in time, false otherwise; never rejects. The system clock's timers are
 * unref'd, so on it a real timer keeps the process alive for the wait.
 */
export function waitAtMost(
  done: Promise<unknown>,
  ms: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const own = clock === systemClock;
    const finish = (inTime: boolean): void => {
      if (own) clearTimeout(timer as ReturnType<typeof setTimeout>);
      else clock.clearTimeout(timer);
      signal?.removeEventListener('abort', expire);
      resolve(inTime);
    };
    const expire = (): void => finish(false);
    const timer: unknown = own ? setTimeout(expire, ms) : clock.setTimeout(expire, ms);
    signal?.addEventListener('abort', expire, { once: true });
    done.then(
      () => finish(true),
      () => finish(true),
    );
  });
}
