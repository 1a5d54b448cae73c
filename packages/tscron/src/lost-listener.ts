// How the scheduler hears that a lock it holds was lost without making the lock's `lost` signal.
import type { Lock } from './distributed.js';

/**
 * The method a lock may offer, under this registered symbol, to report its loss through one callback
 * rather than through {@link Lock.lost}: an `AbortSignal` per lock is the largest cost of a claim
 * in a burst, and the scheduler needs none when a callback will do. A registered symbol, so that two
 * copies of the package (ESM and CommonJS) still understand each other's locks.
 */
export const ON_LOST: unique symbol = Symbol.for('tscron.lock.onLost') as never;

/** A lock that reports its loss to one listener; `undefined` removes it. */
export interface LostListenerLock extends Lock {
  [ON_LOST](listener: ((reason: unknown) => void) | undefined): void;
}

/** Whether `lock` offers {@link ON_LOST}. */
export function hasLostListener(lock: Lock): lock is LostListenerLock {
  return typeof (lock as Partial<LostListenerLock>)[ON_LOST] === 'function';
}
