// A CronJob of the cron package, as @nestjs/schedule users build them (`new CronJob(...)` from
// 'cron'), handed to addCronJob: it runs on tscron, and its start/stop/setTime/isActive drive it.
import { CronJob as CronPackageJob, CronTime as CronPackageTime } from 'cron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CronJob } from '../src/index.js';
import { type Started, startApp } from './support.js';

describe('a cron package CronJob in the registry', () => {
  let started: Started;
  beforeEach(async () => {
    // The cron package arms its timers with the global functions: counted here, they must stay 0.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    started = await startApp([]);
  });
  afterEach(async () => {
    await started.app.close();
    vi.useRealTimers();
  });

  it('runs on tscron once added and started, as the @nestjs/schedule documentation adds one', async () => {
    let calls = 0;
    const job = new CronPackageJob('* * * * * *', () => {
      calls++;
    });
    started.registry.addCronJob('dynamic', job);
    expect(job.isActive).toBe(false);
    job.start();
    expect(job.isActive).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await started.clock.advance(3000);
    expect(calls).toBe(3);
    expect(job.lastDate()).toEqual(new Date('2020-01-01T00:00:03.000Z'));
    const tscronSide = started.registry.getCronJob('dynamic');
    expect(tscronSide).toBeInstanceOf(CronJob);
    expect(tscronSide.isActive).toBe(true);
    expect(started.registry.scheduler.jobs().map((each) => each.name)).toEqual(['dynamic']);
  });

  it('stops through its own stop(), calling onComplete once', async () => {
    let calls = 0;
    const completed = vi.fn();
    const job = CronPackageJob.from({
      cronTime: '* * * * * *',
      onTick: () => void calls++,
      onComplete: completed,
    });
    started.registry.addCronJob('stoppable', job);
    job.start();
    await started.clock.advance(2000);
    job.stop();
    await started.clock.advance(5000);
    expect(calls).toBe(2);
    expect(job.isActive).toBe(false);
    expect(started.registry.getCronJob('stoppable').isActive).toBe(false);
    expect(completed).toHaveBeenCalledTimes(1);
  });

  it('moves a job started before it was added off its own timer, without calling onComplete', async () => {
    let calls = 0;
    const completed = vi.fn();
    const job = CronPackageJob.from({
      cronTime: '*/2 * * * * *',
      onTick: () => void calls++,
      onComplete: completed,
      start: true,
    });
    expect(vi.getTimerCount()).toBe(1);
    started.registry.addCronJob('running', job);
    expect(vi.getTimerCount()).toBe(0);
    expect(job.isActive).toBe(true);
    await started.clock.advance(4000);
    expect(calls).toBe(2);
    expect(completed).not.toHaveBeenCalled();
  });

  it('keeps its zone, its errorHandler and waitForCompletion, and takes setTime', async () => {
    const errors: unknown[] = [];
    const job = new CronPackageJob(
      '0 0 9 * * *',
      () => {
        throw new Error('tick failed');
      },
      null,
      false,
      'America/New_York',
      null,
      false,
      null,
      false,
      true,
      (error) => errors.push(error),
    );
    started.registry.addCronJob('zoned', job);
    const tscronSide = started.registry.getCronJob('zoned');
    expect(tscronSide.waitForCompletion).toBe(true);
    expect(tscronSide.job?.name).toBe('zoned');
    expect(tscronSide.nextDate().toISOString()).toBe('2020-01-01T14:00:00.000Z');
    job.start();
    await started.clock.advance(14 * 3_600_000);
    expect(errors).toEqual([new Error('tick failed')]);
    expect(started.log.errors).toEqual([]);
    job.setTime(new CronPackageTime('0 30 16 * * *', 'UTC'));
    expect(tscronSide.nextDate().toISOString()).toBe('2020-01-01T16:30:00.000Z');
    expect(job.isActive).toBe(true);
  });

  it('refuses what is neither kind of CronJob', () => {
    expect(() => started.registry.addCronJob('odd', { start() {} } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"odd"') }),
    );
    expect(started.registry.doesExist('cron', 'odd')).toBe(false);
  });
});
