// MemoryLocker and MemoryElector on an injected clock: expiry, renewal and leases follow FakeClock.
import { describe, expect, it } from 'vitest';
import { createScheduler, durationJob, MemoryElector, MemoryLocker } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

const signal = new AbortController().signal;

describe('MemoryLocker on a FakeClock', () => {
  it('expires an abandoned claim after the TTL and renews a held one', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const a = new MemoryLocker({ clock, ttl: '10s', minHold: 0 });
    const b = new MemoryLocker({ clock, ttl: '10s', minHold: 0, shareWith: a });
    const at = new Date(clock.now());
    const held = await a.lock('renewed', { signal, scheduledAt: at });
    const dead = await a.lock('abandoned', { signal, scheduledAt: at });
    expect(held && dead).toBeTruthy();
    await clock.advance('25s');
    expect(await b.lock('renewed', { signal, scheduledAt: at })).toBeNull();
    expect(held?.lost?.aborted).toBe(false);
    a.abandon(); // both stop renewing now; the last renewal was at 23.3 s, so the claim ends at 33.3 s
    await clock.advance('8s');
    expect(await b.lock('renewed', { signal, scheduledAt: at })).toBeNull();
    await clock.advance('1s');
    const taken = await b.lock('renewed', { signal, scheduledAt: at });
    expect(taken?.fence).toBe(2n);
    await taken?.unlock();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps two schedulers in one process to one run per occurrence', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const first = new MemoryLocker({ clock, minHold: '5s' });
    const runs: number[] = [];
    const schedulers = [first, new MemoryLocker({ clock, minHold: '5s', shareWith: first })].map((locker) => {
      const scheduler = createScheduler({ clock, locker });
      scheduler.newJob(durationJob('1s'), function tick({ scheduledAt }) {
        runs.push(scheduledAt.getTime());
      });
      scheduler.start();
      return scheduler;
    });
    await clock.advance('10s');
    for (const scheduler of schedulers) await scheduler.shutdown();
    expect(runs.length).toBe(10);
    expect(new Set(runs).size).toBe(10);
  });
});

describe('MemoryElector on a FakeClock', () => {
  it('hands the lease over after lease + retry period once the leader stops renewing', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const a = new MemoryElector({ clock, lease: '10s', retryPeriod: '2s' });
    const b = new MemoryElector({ clock, lease: '10s', retryPeriod: '2s', shareWith: a });
    expect(await a.isLeader({ signal })).toBe(true);
    expect(await b.isLeader({ signal })).toBe(false);
    await clock.advance('30s');
    expect(await a.isLeader({ signal })).toBe(true);
    a.abandon();
    await clock.advance('9s');
    expect(await a.isLeader({ signal })).toBe(true);
    expect(await b.isLeader({ signal })).toBe(false);
    await clock.advance('3s');
    expect(await a.isLeader({ signal })).toBe(false);
    expect(await b.isLeader({ signal })).toBe(true);
    await b.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
