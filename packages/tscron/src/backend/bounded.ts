// A backend call that cannot hang: bounded by a timeout and an AbortSignal.
import { backendFailure, lockTimeout } from './lock-errors.js';

/** The reason an aborted signal carries, or a plain `AbortError` when it carries none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Settles with `work` unless `signal` aborts or `timeout` ms pass first. Rejects with the signal's
 * reason on abort, with `ERR_LOCK_TIMEOUT` on timeout, and with {@link backendFailure} of the error
 * when `work` rejects (a driver error becomes `ERR_LOCK_BACKEND_FAILED` with it as `cause`). A value
 * `work` produces after the caller gave up goes to `late`, so that a lock acquired too late is
 * released. The timer is unref'd and cleared once settled.
 *
 * @param what - the operation, for the error messages, e.g. `'RedisLocker lock'`.
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
    const timer = setTimeout(() => giveUp(lockTimeout(what, timeout)), timeout);
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
        reject(backendFailure(what, error));
      },
    );
  });
}
