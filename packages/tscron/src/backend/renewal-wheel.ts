// The renewal timers of many held locks, shared: the locks due for renewal within one slice of
// their interval share one timer, so that the 10,000 locks of a burst cost a few timers, not 10,000.

/** What the wheel renews. */
export interface Renewable {
  /** Called once, when the lock's renewal is due. */
  renewNow(): void;
}

/** Slices per renewal interval: a renewal comes at most 1/SLICES of the interval early. */
const SLICES = 8;

/** The locks whose renewal one timer fires. */
interface Slot {
  readonly locks: Set<Renewable>;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Slots by the time (ms, `performance.now()`) their timer fires. */
const due = new Map<number, Slot>();

function fire(at: number): void {
  const slot = due.get(at);
  due.delete(at);
  if (slot !== undefined) for (const lock of slot.locks) lock.renewNow();
}

/**
 * Schedules `lock`'s next renewal within `interval` ms (never later; up to 1/8 of it earlier, so
 * that locks made around the same time share a timer). Returns the handle {@link cancelRenewal}
 * takes. The timers are unref'd: renewing never keeps a process alive.
 */
export function scheduleRenewal(lock: Renewable, interval: number): number {
  const slice = Math.max(1, Math.floor(interval / SLICES));
  const now = performance.now();
  const at = Math.max(Math.ceil(now), Math.floor((now + interval) / slice) * slice);
  let slot = due.get(at);
  if (slot === undefined) {
    const timer = setTimeout(fire, at - now, at);
    timer.unref?.();
    slot = { locks: new Set(), timer };
    due.set(at, slot);
  }
  slot.locks.add(lock);
  return at;
}

/** Cancels a renewal {@link scheduleRenewal} scheduled; the last lock of a slot clears its timer. */
export function cancelRenewal(lock: Renewable, handle: number): void {
  const slot = due.get(handle);
  if (slot === undefined) return;
  slot.locks.delete(lock);
  if (slot.locks.size > 0) return;
  clearTimeout(slot.timer);
  due.delete(handle);
}
