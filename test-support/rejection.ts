// The error a promise rejects with, for tests that expect a rejection and inspect it.
import type { TscronError } from 'tscron';

/** The rejection of `promise`, which must reject; throws when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<TscronError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`resolved with ${String(outcome.value)}`);
  return outcome.error as TscronError;
}
