import { describe, expect, test } from 'vitest';
import { durationJob, type EventListeners, type Monitor, oneTimeJob } from '../src/index.js';
import { deferred, flush, recordingLogger, rel, setup, T0 } from './scheduler-helpers.js';

function recordingListeners(log: string[]): EventListeners {
  return {
    beforeJobRuns: (_id, name) => log.push(`before:${name}`),
    beforeJobRunsSkipIfBeforeFuncErrors: (_id, name) => log.push(`beforeSkip:${name}`),
    afterJobRuns: (_id, name) => log.push(`after:${name}`),
    afterJobRunsWithError: (_id, name, error) => log.push(`afterError:${name}:${String(error)}`),
    afterLockError: (_id, name, error) => log.push(`lockError:${name}:${String(error)}`),
  };
}

describe('event listeners', () => {
  test("run in gocron's order around the task", async () => {
    const { clock, scheduler } = setup();
    const log: string[] = [];
    let fail = false;
    scheduler.newJob(
      durationJob('1s'),
      () => {
        log.push('task');
        if (fail) throw new Error('boom');
      },
      { name: 'j', eventListeners: recordingListeners(log) },
    );
    scheduler.start();
    await clock.advance('1s');
    fail = true;
    await clock.advance('1s');
    expect(log).toEqual([
      'before:j',
      'beforeSkip:j',
      'task',
      'after:j',
      'before:j',
      'beforeSkip:j',
      'task',
      'afterError:j:Error: boom',
    ]);
    await scheduler.shutdown();
  });

  test('beforeJobRunsSkipIfBeforeFuncErrors: a throw or a rejection skips the run', async () => {
    const { clock, scheduler } = setup();
    const log: string[] = [];
    let mode: 'throw' | 'reject' | 'ok' = 'throw';
    const job = scheduler.newJob(
      durationJob('1s'),
      () => {
        log.push('task');
      },
      {
        name: 'j',
        eventListeners: {
          ...recordingListeners(log),
          beforeJobRunsSkipIfBeforeFuncErrors: async () => {
            log.push(`check:${mode}`);
            if (mode === 'throw') throw new Error('no');
            if (mode === 'reject') await Promise.reject(new Error('no'));
          },
        },
      },
    );
    scheduler.start();
    await clock.advance('1s');
    mode = 'reject';
    await clock.advance('1s');
    mode = 'ok';
    await clock.advance('1s');
    expect(log).toEqual([
      'before:j',
      'check:throw',
      'before:j',
      'check:reject',
      'before:j',
      'check:ok',
      'task',
      'after:j',
    ]);
    // As in gocron, a skipped run still counts as dispatched.
    expect(rel(job.lastRun())).toBe(3000);
    await scheduler.shutdown();
  });

  test('async before-listeners are awaited before the task', async () => {
    const { clock, scheduler } = setup();
    const log: string[] = [];
    const gate = deferred();
    scheduler.newJob(
      oneTimeJob('immediately'),
      () => {
        log.push('task');
      },
      {
        eventListeners: {
          beforeJobRuns: async () => {
            await gate.promise;
            log.push('before done');
          },
        },
      },
    );
    scheduler.start();
    await clock.advance(0);
    expect(log).toEqual([]);
    gate.resolve();
    await flush();
    expect(log).toEqual(['before done', 'task']);
    await scheduler.shutdown();
  });

  test('listeners that throw or reject are logged and ignored', async () => {
    const logger = recordingLogger();
    const { clock, scheduler } = setup({ logger });
    let runs = 0;
    scheduler.newJob(
      durationJob('1s'),
      () => {
        runs++;
      },
      {
        name: 'j',
        eventListeners: {
          beforeJobRuns: () => {
            throw new Error('before');
          },
          afterJobRuns: () => Promise.reject(new Error('after')),
        },
      },
    );
    scheduler.start();
    await clock.advance('2s');
    await flush();
    expect(runs).toBe(2);
    expect(logger.lines.filter(([level]) => level === 'error').map(([, message]) => message)).toEqual([
      'tscron: beforeJobRuns threw',
      'tscron: afterJobRuns rejected',
      'tscron: beforeJobRuns threw',
      'tscron: afterJobRuns rejected',
    ]);
    await scheduler.shutdown();
  });

  test('globalJobOptions: listeners merge listener by listener, other options field by field', async () => {
    const log: string[] = [];
    const { clock, scheduler } = setup({
      globalJobOptions: {
        tags: ['global'],
        singletonMode: 'reschedule',
        eventListeners: {
          beforeJobRuns: (_id, name) => log.push(`global-before:${name}`),
          afterJobRuns: (_id, name) => log.push(`global-after:${name}`),
        },
      },
    });
    const own = scheduler.newJob(oneTimeJob('immediately'), () => {}, {
      name: 'own',
      tags: ['mine'],
      eventListeners: { afterJobRuns: (_id, name) => log.push(`own-after:${name}`) },
    });
    const plain = scheduler.newJob(oneTimeJob('immediately'), () => {}, { name: 'plain' });
    expect(own.tags).toEqual(['mine']);
    expect(plain.tags).toEqual(['global']);
    scheduler.start();
    await clock.advance(0);
    expect(log.sort()).toEqual([
      'global-after:plain',
      'global-before:own',
      'global-before:plain',
      'own-after:own',
    ]);
    await scheduler.shutdown();
  });
});

describe('monitor', () => {
  test('sees every event of a run, with statuses success and fail', async () => {
    const events: string[] = [];
    const timings: Array<[number | undefined, number | undefined, string]> = [];
    const monitor: Monitor = {
      schedulerStarted: () => events.push('schedulerStarted'),
      schedulerStopped: () => events.push('schedulerStopped'),
      schedulerShutdown: () => events.push('schedulerShutdown'),
      jobRegistered: (job) => events.push(`jobRegistered:${job.name}`),
      jobUnregistered: (job) => events.push(`jobUnregistered:${job.name}`),
      jobStarted: (job) => events.push(`jobStarted:${job.name}`),
      jobRunning: (job) => events.push(`jobRunning:${job.name}`),
      jobCompleted: (job) => events.push(`jobCompleted:${job.name}`),
      jobFailed: (job, error) => events.push(`jobFailed:${job.name}:${String(error)}`),
      jobExecutionTime: (job, ms) => events.push(`jobExecutionTime:${job.name}:${ms}`),
      jobSchedulingDelay: (job, scheduledAt, startedAt) =>
        events.push(`jobSchedulingDelay:${job.name}:${startedAt.getTime() - scheduledAt.getTime()}`),
      incrementJob: (_id, name, tags, status) =>
        events.push(`incrementJob:${name}:${tags.join(',')}:${status}`),
      recordJobTiming: (start, end, _id, name) => timings.push([rel(start), rel(end), name]),
      recordJobTimingWithStatus: (start, end, _id, name, _tags, status, error) =>
        events.push(`recordJobTimingWithStatus:${name}:${rel(start)}-${rel(end)}:${status}:${String(error)}`),
    };
    const { clock, scheduler } = setup({ monitor });
    let fail = false;
    const job = scheduler.newJob(
      durationJob('1s'),
      async () => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 200));
        if (fail) throw new Error('x');
      },
      { name: 'm', tags: ['t'] },
    );
    scheduler.start();
    await clock.advance('1s');
    await clock.advance(200);
    fail = true;
    await clock.advance(1000);
    scheduler.removeJob(job.id);
    await clock.advance(200);
    await scheduler.shutdown();
    expect(events).toEqual([
      'jobRegistered:m',
      'schedulerStarted',
      'jobStarted:m',
      'jobRunning:m',
      'jobSchedulingDelay:m:0',
      'jobExecutionTime:m:200',
      'incrementJob:m:t:success',
      'recordJobTimingWithStatus:m:1000-1200:success:undefined',
      'jobCompleted:m',
      'jobStarted:m',
      'jobRunning:m',
      'jobSchedulingDelay:m:0',
      'jobExecutionTime:m:200',
      'incrementJob:m:t:fail',
      'recordJobTimingWithStatus:m:2000-2200:fail:Error: x',
      'jobFailed:m:Error: x',
      'jobUnregistered:m',
      'schedulerStopped',
      'schedulerShutdown',
    ]);
    expect(timings).toEqual([
      [1000, 1200, 'm'],
      [2000, 2200, 'm'],
    ]);
  });

  test('a monitor that throws is logged and ignored', async () => {
    const logger = recordingLogger();
    const boom = () => {
      throw new Error('monitor down');
    };
    const monitor: Monitor = {
      schedulerStarted: boom,
      jobRegistered: boom,
      jobStarted: boom,
      jobRunning: boom,
      incrementJob: boom,
      recordJobTiming: boom,
      recordJobTimingWithStatus: boom,
      jobCompleted: boom,
    };
    const { clock, scheduler } = setup({ monitor, logger });
    let runs = 0;
    scheduler.newJob(durationJob('1s'), () => {
      runs++;
    });
    scheduler.start();
    await clock.advance('3s');
    expect(runs).toBe(3);
    expect(
      logger.lines.some(
        ([level, message]) => level === 'error' && message === 'tscron: monitor.incrementJob threw',
      ),
    ).toBe(true);
    await scheduler.shutdown();
  });

  test('a logger that throws cannot break the scheduler', async () => {
    const thrower = () => {
      throw new Error('logger down');
    };
    const { clock, scheduler } = setup({
      logger: { debug: thrower, info: thrower, warn: thrower, error: thrower },
    });
    let runs = 0;
    scheduler.newJob(durationJob('1s'), () => {
      runs++;
      throw new Error('task');
    });
    scheduler.start();
    await clock.advance('2s');
    expect(runs).toBe(2);
    await scheduler.shutdown();
    expect(T0).toBeGreaterThan(0);
  });
});
