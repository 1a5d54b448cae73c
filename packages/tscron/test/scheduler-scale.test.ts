import { expect, test } from 'vitest';
import { cronJob, durationJob } from '../src/index.js';
import { setup, T0 } from './scheduler-helpers.js';

test('100,000 jobs in one scheduler all fire at their instants', async () => {
  const { clock, scheduler } = setup();
  const jobs = 100_000;
  const counts = new Uint32Array(jobs);
  let late = 0;
  let runs = 0;
  for (let i = 0; i < jobs; i++) {
    // Spread over the second (100 jobs per millisecond), periods of 1 s or 2 s.
    const every = i % 2 === 0 ? 1000 : 2000;
    scheduler.newJob(
      durationJob(every),
      ({ scheduledAt }) => {
        runs++;
        counts[i] = (counts[i] as number) + 1;
        if (clock.now() !== scheduledAt.getTime()) late++;
      },
      { startAt: T0 + 1 + (i % 1000), name: `job${i}` },
    );
  }
  expect(clock.pendingTimers()).toBe(0);
  scheduler.start();
  expect(clock.pendingTimers()).toBe(1);
  await clock.advance(4000);
  expect(late).toBe(0);
  // startAt + k * every <= 4000 ms: 1 s jobs run 4 times, 2 s jobs twice.
  let wrong = 0;
  for (let i = 0; i < jobs; i++) if (counts[i] !== (i % 2 === 0 ? 4 : 2)) wrong++;
  expect(wrong).toBe(0);
  expect(runs).toBe(300_000);
  await scheduler.shutdown();
  expect(clock.pendingTimers()).toBe(0);
}, 60_000);

test('10,000 cron jobs at once fire on the second', async () => {
  const { clock, scheduler } = setup();
  let runs = 0;
  let late = 0;
  for (let i = 0; i < 10_000; i++) {
    scheduler.newJob(
      cronJob(`${i % 60} * * * * *`, { withSeconds: true }),
      ({ scheduledAt }) => {
        runs++;
        if (clock.now() !== scheduledAt.getTime() || scheduledAt.getUTCMilliseconds() !== 0) late++;
      },
      { name: `cron${i}` },
    );
  }
  scheduler.start();
  await clock.advance('2m');
  expect(late).toBe(0);
  expect(runs).toBe(20_000);
  expect(T0 % 60_000).toBe(0);
  await scheduler.shutdown();
});
