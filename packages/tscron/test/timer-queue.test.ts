import { describe, expect, test } from 'vitest';
import { systemClock } from '../src/clock.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { Alarm, TimerQueue } from '../src/timer-queue.js';

/** A tiny deterministic generator, so that failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('TimerQueue', () => {
  test('pops slots in time order', () => {
    const queue = new TimerQueue(2);
    queue.set(3, 30);
    queue.set(1, 10);
    queue.set(7, 5);
    queue.set(2, 20);
    expect(queue.size).toBe(4);
    expect(queue.peekTime()).toBe(5);
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop(), queue.pop()]).toEqual([7, 1, 2, 3, -1]);
    expect(queue.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(queue.peekSlot()).toBe(-1);
  });

  test('moves and deletes queued slots', () => {
    const queue = new TimerQueue();
    for (let slot = 0; slot < 10; slot++) queue.set(slot, 100 - slot);
    queue.set(0, 1); // earlier
    queue.set(9, 1000); // later
    queue.delete(5);
    queue.delete(5); // twice is fine
    queue.delete(99); // never queued
    expect(queue.has(5)).toBe(false);
    expect(queue.timeOf(9)).toBe(1000);
    expect(queue.timeOf(5)).toBeUndefined();
    const order: number[] = [];
    while (queue.size > 0) order.push(queue.pop());
    expect(order).toEqual([0, 8, 7, 6, 4, 3, 2, 1, 9]);
  });

  test('slots due at the same instant leave in the order they came, across removals', () => {
    const queue = new TimerQueue(4);
    for (let slot = 0; slot < 100; slot++) queue.set(slot, 1000);
    for (let slot = 0; slot < 100; slot += 3) queue.delete(slot); // from the middle of the heap
    queue.set(50, 1000); // already there: stays in place
    queue.set(1, 2000);
    queue.set(1, 1000); // moved away and back: now last
    const order: number[] = [];
    while (queue.size > 0) order.push(queue.pop());
    const expected = [];
    for (let slot = 2; slot < 100; slot++) if (slot % 3 !== 0) expected.push(slot);
    expected.push(1);
    expect(order).toEqual(expected);
  });

  test('agrees with a sorted list under random operations', () => {
    const next = random(42);
    const queue = new TimerQueue(1);
    const reference = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const slot = Math.floor(next() * 500);
      const op = next();
      if (op < 0.5) {
        const time = Math.floor(next() * 10_000);
        queue.set(slot, time);
        reference.set(slot, time);
      } else if (op < 0.75) {
        queue.delete(slot);
        reference.delete(slot);
      } else if (reference.size > 0) {
        const min = Math.min(...reference.values());
        expect(queue.peekTime()).toBe(min);
        const popped = queue.pop();
        expect(reference.get(popped)).toBe(min);
        reference.delete(popped);
      }
      expect(queue.size).toBe(reference.size);
    }
    queue.clear();
    expect(queue.size).toBe(0);
    for (const slot of reference.keys()) expect(queue.has(slot)).toBe(false);
  });
});

describe('Alarm', () => {
  test('fires once at the earliest time asked for', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const alarm = new Alarm(clock, () => fired.push(clock.now()));
    alarm.arm(500, 0);
    alarm.arm(900, 0); // later: keeps the 500 ms timer
    expect(clock.pendingTimers()).toBe(1);
    alarm.arm(200, 0); // earlier: re-armed
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1000);
    expect(fired).toEqual([200]);
    expect(alarm.armed).toBe(false);
  });

  test('caps the delay so that long waits wake up regularly', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const alarm = new Alarm(clock, () => fired.push(clock.now()), 30_000);
    alarm.arm(2 ** 40, 0); // beyond setTimeout's 2^31-1 ms
    await clock.advance(30_000);
    expect(fired).toEqual([30_000]);
  });

  test('disarms, and arming nothing leaves no timer', async () => {
    const clock = new FakeClock(0);
    const alarm = new Alarm(clock, () => {
      throw new Error('must not fire');
    });
    alarm.arm(100, 0);
    alarm.disarm();
    alarm.arm(Number.POSITIVE_INFINITY, 0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(1000);
  });

  test('on the system clock, a long wait wakes early and polls: it never fires before its time', async () => {
    const at = Date.now() + 250;
    const fired = await new Promise<number>((resolve) => {
      const alarm = new Alarm(systemClock, () => resolve(Date.now()));
      alarm.arm(at, Date.now());
    });
    expect(fired).toBeGreaterThanOrEqual(at);
    expect(fired - at).toBeLessThan(100);
    // Disarmed while polling (the last 3 ms): nothing fires, nothing stays pending. A loaded machine
    // may let the time pass before the disarm gets its turn: that attempt proves nothing, try again.
    for (let attempt = 0; ; attempt++) {
      let late = false;
      const alarm = new Alarm(systemClock, () => {
        late = true;
      });
      const due = Date.now() + 210;
      alarm.arm(due, Date.now());
      await new Promise<void>((resolve) => {
        const poll = () => (Date.now() >= due - 2 ? resolve() : setImmediate(poll));
        setTimeout(poll, 200);
      });
      if (Date.now() >= due) {
        alarm.disarm();
        expect(attempt, 'the disarm never got its turn before the due time').toBeLessThan(5);
        continue;
      }
      alarm.disarm();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(late).toBe(false);
      expect(alarm.armed).toBe(false);
      break;
    }
  });
});
