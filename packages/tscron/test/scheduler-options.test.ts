import { describe, expect, test } from 'vitest';
import { createScheduler, durationJob, type JobOptions, type SchedulerOptions } from '../src/index.js';
import { setup, T0 } from './scheduler-helpers.js';

describe('SchedulerOptions validation', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['unknown time zone', { timeZone: 'Mars/Olympus' }, 'ERR_INVALID_TIME_ZONE', /Mars\/Olympus/],
    ['non-string time zone', { timeZone: 5 }, 'ERR_INVALID_TIME_ZONE', /5/],
    ['zero stop timeout', { stopTimeout: 0 }, 'ERR_WITH_STOP_TIMEOUT_ZERO_OR_NEGATIVE', /0s/],
    ['negative stop timeout', { stopTimeout: '-1s' }, 'ERR_WITH_STOP_TIMEOUT_ZERO_OR_NEGATIVE', /-1s/],
    ['bad stop timeout', { stopTimeout: 'soon' }, 'ERR_INVALID_DURATION', /"soon"/],
    [
      'zero limit',
      { limitConcurrentJobs: { limit: 0, mode: 'wait' } },
      'ERR_WITH_LIMIT_CONCURRENT_JOBS_ZERO',
      /got 0/,
    ],
    ['bad limit mode', { limitConcurrentJobs: { limit: 1, mode: 'queue' } }, 'ERR_INVALID_OPTION', /queue/],
    ['bad clock', { clock: { now: () => 0 } }, 'ERR_INVALID_OPTION', /clock/],
    ['bad logger', { logger: { info() {} } }, 'ERR_INVALID_OPTION', /logger/],
    ['bad elector', { elector: {} }, 'ERR_INVALID_OPTION', /isLeader/],
    ['bad locker', { locker: { lock: 1 } }, 'ERR_INVALID_OPTION', /lock\(\)/],
    ['bad monitor', { monitor: 'prometheus' }, 'ERR_INVALID_OPTION', /monitor/],
    ['unknown option', { timezone: 'UTC' }, 'ERR_INVALID_OPTION', /"timezone"/],
    [
      'bad global job option',
      { globalJobOptions: { limitedRuns: 0 } },
      'ERR_WITH_LIMITED_RUNS_ZERO',
      /globalJobOptions/,
    ],
    ['not an object', 'UTC', 'ERR_INVALID_OPTION', /UTC/],
  ];
  for (const [name, options, code, message] of cases) {
    test(name, () => {
      expect(() => createScheduler(options as SchedulerOptions)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) }),
      );
    });
  }

  test('valid options are accepted; console is a logger', async () => {
    const scheduler = createScheduler({
      timeZone: 'America/New_York',
      logger: console,
      stopTimeout: '1s',
      limitConcurrentJobs: { limit: 3, mode: 'reschedule' },
      monitor: {},
      globalJobOptions: { tags: ['x'] },
    });
    await scheduler.shutdown();
  });
});

describe('JobOptions validation', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['empty name', { name: '' }, 'ERR_WITH_NAME_EMPTY', /name/],
    ['non-string name', { name: 3 }, 'ERR_INVALID_OPTION', /name: must be a string, got 3/],
    ['empty id', { id: '' }, 'ERR_WITH_IDENTIFIER_NIL', /id/],
    ['bad tags', { tags: 'a' }, 'ERR_INVALID_OPTION', /tags/],
    [
      'bad singleton mode',
      { singletonMode: 'skip' },
      'ERR_INVALID_OPTION',
      /'reschedule' or 'wait', got "skip"/,
    ],
    ['zero limited runs', { limitedRuns: 0 }, 'ERR_WITH_LIMITED_RUNS_ZERO', /got 0/],
    ['fractional limited runs', { limitedRuns: 1.5 }, 'ERR_INVALID_OPTION', /1\.5/],
    ['bad startAt', { startAt: 'tomorrow' }, 'ERR_INVALID_OPTION', /"tomorrow"/],
    ['bad stopAt', { stopAt: Number.NaN }, 'ERR_INVALID_OPTION', /NaN/],
    ['bad listener', { eventListeners: { afterJobRuns: 'x' } }, 'ERR_INVALID_OPTION', /afterJobRuns/],
    ['unknown listener', { eventListeners: { onRun() {} } }, 'ERR_INVALID_OPTION', /"onRun"/],
    ['bad signal', { signal: {} }, 'ERR_INVALID_OPTION', /signal/],
    ['bad locker', { locker: true }, 'ERR_INVALID_OPTION', /locker/],
    ['bad intervalFromCompletion', { intervalFromCompletion: 'yes' }, 'ERR_INVALID_OPTION', /"yes"/],
    ['bad dstPolicy', { dstPolicy: 'later' }, 'ERR_INVALID_OPTION', /"later"/],
    ['zero timeout', { timeout: 0 }, 'ERR_INVALID_OPTION', /timeout: must be > 0/],
    ['bad timeout', { timeout: '5 minutes' }, 'ERR_INVALID_DURATION', /"5 minutes"/],
    ['bad retry', { retry: { attempts: -1 } }, 'ERR_INVALID_OPTION', /attempts.*-1/],
    ['bad retry delay', { retry: { attempts: 1, delay: -5 } }, 'ERR_INVALID_OPTION', /delay/],
    ['bad backoff', { retry: { attempts: 1, backoff: 0.5 } }, 'ERR_INVALID_OPTION', /backoff.*0\.5/],
    [
      'bad missedRuns',
      { missedRuns: 'every' },
      'ERR_INVALID_OPTION',
      /'skip' or 'once' or 'all', got "every"/,
    ],
    ['negative jitter', { jitter: -1 }, 'ERR_INVALID_OPTION', /jitter/],
    ['unknown option', { singleton: 'wait' }, 'ERR_INVALID_OPTION', /"singleton"/],
    ['past startAt', { startAt: T0 - 1000 }, 'ERR_WITH_START_DATE_TIME_PAST', /2025-12-31T23:59:59\.000Z/],
  ];
  for (const [name, options, code, message] of cases) {
    test(name, async () => {
      const { scheduler } = setup();
      expect(() => scheduler.newJob(durationJob('1s'), () => {}, options as JobOptions)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) }),
      );
      expect(scheduler.jobs()).toEqual([]);
      await scheduler.shutdown();
    });
  }
});
