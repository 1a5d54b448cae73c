import { describe, expect, it } from 'vitest';
import { createScheduler, durationJob } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

describe('README examples', () => {
  it('testing your jobs with FakeClock', async () => {
    const clock = new FakeClock(new Date('2027-01-01T00:00:00Z'));
    const scheduler = createScheduler({ clock, timeZone: 'UTC' });
    let runs = 0;
    scheduler.newJob(durationJob('1m'), () => void runs++);
    scheduler.start();
    await clock.advance('10m');
    expect(runs).toBe(10);
    await scheduler.shutdown();
    expect(clock.pendingTimers()).toBe(0);
  });
});
