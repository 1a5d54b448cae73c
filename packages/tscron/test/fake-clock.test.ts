import { expect, test } from 'vitest';
import { FakeClock } from '../src/testing/fake-clock.js';

test('starts at the given instant, or now', () => {
  expect(new FakeClock(new Date('2026-01-01T00:00:00Z')).now()).toBe(Date.UTC(2026, 0, 1));
  expect(new FakeClock(1234).now()).toBe(1234);
  const before = Date.now();
  const now = new FakeClock().now();
  expect(now).toBeGreaterThanOrEqual(before);
  expect(() => new FakeClock(Number.NaN)).toThrow(/not a valid instant/);
});

test('advance fires due timers in time order, at their instants', async () => {
  const clock = new FakeClock(0);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 200);
  clock.setTimeout(() => seen.push('late'), 301);
  expect(clock.pendingTimers()).toBe(4);
  await clock.advance('300ms');
  expect(seen).toEqual(['a@100', 'b@200', 'c@200']);
  expect(clock.now()).toBe(300);
  expect(clock.pendingTimers()).toBe(1);
});

test('promises settle between timers, and timers set meanwhile fire in the same advance', async () => {
  const clock = new FakeClock(0);
  const seen: string[] = [];
  clock.setTimeout(async () => {
    seen.push('first');
    await Promise.resolve();
    await null;
    seen.push('first settled');
    clock.setTimeout(() => seen.push(`chained@${clock.now()}`), 50);
  }, 100);
  clock.setTimeout(() => seen.push('second'), 100);
  await clock.advance(1000);
  expect(seen).toEqual(['first', 'first settled', 'second', 'chained@150']);
});

test('clearTimeout cancels; unknown handles are ignored', async () => {
  const clock = new FakeClock(0);
  let fired = false;
  const handle = clock.setTimeout(() => {
    fired = true;
  }, 10);
  clock.clearTimeout(handle);
  clock.clearTimeout('nope');
  await clock.advance(100);
  expect(fired).toBe(false);
  expect(clock.pendingTimers()).toBe(0);
});

test('set moves the wall clock without firing or shifting timers', async () => {
  const clock = new FakeClock(1000);
  const seen: number[] = [];
  clock.setTimeout(() => seen.push(clock.now()), 100);
  await clock.set(new Date(1_000_000));
  expect(clock.now()).toBe(1_000_000);
  expect(seen).toEqual([]);
  await clock.advance(100);
  expect(seen).toEqual([1_000_100]);
  await clock.set(0);
  expect(clock.now()).toBe(0);
});

test('a throwing timer does not stop the others; advance rejects with its error', async () => {
  const clock = new FakeClock(0);
  let after = false;
  clock.setTimeout(() => {
    throw new Error('boom');
  }, 10);
  clock.setTimeout(() => {
    after = true;
  }, 20);
  await expect(clock.advance(30)).rejects.toThrow('boom');
  expect(after).toBe(true);
  expect(clock.now()).toBe(30);
  await expect(clock.advance(-1)).rejects.toThrow(/back in time/);
});
