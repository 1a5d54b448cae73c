// @Cron on a real Nest application, on a fake clock: the behaviour tests of @nestjs/schedule's cron
// suite (rewritten for tscron), then what tscron adds or does differently.
import { Injectable, Logger, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { isTscronError, type JobContext } from 'tscron';
import type { FakeClock } from 'tscron/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Cron,
  CronDate,
  CronExpression,
  CronJob,
  CronTime,
  SchedulerRegistry,
  TscronModule,
} from '../src/index.js';
import { notingLocker, START, type Started, startApp } from './support.js';

/** The fake clock of the running test, for tasks that wait on it. */
let clock: FakeClock;
const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

@Injectable()
class CronService {
  calls = 0;
  finished = 0;
  dynamicCalls = 0;
  delayedCalls = 0;

  constructor(readonly registry: SchedulerRegistry) {}

  @Cron(CronExpression.EVERY_SECOND, { name: 'EVERY_SECOND', utcOffset: 0 })
  everySecond() {
    if (++this.calls > 2) this.registry.getCronJob('EVERY_SECOND').stop();
  }

  @Cron(CronExpression.EVERY_30_SECONDS, { name: 'EVERY_30_SECONDS', utcOffset: 0 })
  every30Seconds() {
    if (++this.calls === 1) this.registry.getCronJob('EVERY_30_SECONDS').stop();
  }

  @Cron(CronExpression.EVERY_MINUTE, { name: 'EVERY_MINUTE', utcOffset: 0 })
  everyMinute() {
    if (++this.calls > 2) this.registry.getCronJob('EVERY_MINUTE').stop();
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'EVERY_HOUR', utcOffset: 0 })
  everyHour() {
    if (++this.calls > 2) this.registry.getCronJob('EVERY_HOUR').stop();
  }

  @Cron(CronExpression.EVERY_30_SECONDS, { name: 'DISABLED', disabled: true, utcOffset: 0 })
  disabled() {
    this.calls++;
  }

  @Cron(CronExpression.EVERY_SECOND, { name: 'INITIAL_DELAY', initialDelay: 5000, utcOffset: 0 })
  delayed() {
    this.delayedCalls++;
  }

  @Cron(CronExpression.EVERY_SECOND, { name: 'DISABLED_WITH_DELAY', disabled: true, initialDelay: 1000 })
  disabledDelayed() {
    this.delayedCalls++;
  }

  @Cron(CronExpression.EVERY_MINUTE, { name: 'WAIT_FOR_COMPLETION', waitForCompletion: true, utcOffset: 0 })
  async longRunning() {
    this.calls++;
    await sleep(61_000);
    this.finished++;
    if (this.calls > 2) this.registry.getCronJob('WAIT_FOR_COMPLETION').stop();
  }

  addCronJob(): CronJob {
    const job = new CronJob(CronExpression.EVERY_SECOND, () => {
      if (++this.dynamicCalls > 2) this.registry.getCronJob('dynamic').stop();
    });
    this.registry.addCronJob('dynamic', job);
    return job;
  }
}

/** Deletes every cron job but `name`, as the upstream suite does to watch one at a time. */
function keepOnly(registry: SchedulerRegistry, name: string): void {
  for (const key of [...registry.getCronJobs().keys()]) if (key !== name) registry.deleteCronJob(key);
}

describe('@Cron, as @nestjs/schedule runs it', () => {
  let started: Started;
  let service: CronService;

  async function start(): Promise<void> {
    started = await startApp([CronService]);
    clock = started.clock;
    service = started.app.get(CronService);
  }

  afterEach(async () => {
    await started.app.close();
  });

  it('schedules the decorated methods when the application bootstraps', async () => {
    started = await startApp([CronService], { init: false });
    clock = started.clock;
    service = started.app.get(CronService);
    expect(started.registry.getCronJobs().size).toBe(0);
    await started.app.init();
    await clock.advance(3000);
    expect(service.calls).toBe(3);
  });

  it('runs a job every 30 seconds until it stops itself; lastDate is its last run', async () => {
    await start();
    const job = started.registry.getCronJob('EVERY_30_SECONDS');
    keepOnly(started.registry, 'EVERY_30_SECONDS');
    expect(job.isActive).toBe(true);
    await clock.advance(30_000);
    expect(service.calls).toBe(1);
    expect(job.lastDate()).toEqual(new Date('2020-01-01T00:00:30.000Z'));
    await clock.advance(31_000);
    expect(job.isActive).toBe(false);
    expect(service.calls).toBe(1);
  });

  it('skips the runs that fall due while one runs with waitForCompletion', async () => {
    await start();
    const job = started.registry.getCronJob('WAIT_FOR_COMPLETION');
    keepOnly(started.registry, 'WAIT_FOR_COMPLETION');
    const at = async (ms: number, calls: number, finished: number) => {
      await clock.advance(ms);
      expect([service.calls, service.finished]).toEqual([calls, finished]);
    };
    await at(60_000, 1, 0); // 00:01:00 starts, runs 61 s
    expect(job.lastDate()).toEqual(new Date('2020-01-01T00:01:00.000Z'));
    await at(60_000, 1, 0); // 00:02:00 skipped
    await at(1_000, 1, 1); // 00:02:01 the first run ends
    await at(59_000, 2, 1); // 00:03:00
    await at(61_000, 2, 2); // 00:04:01, 00:04:00 skipped
    await at(59_000, 3, 2); // 00:05:00
    expect(job.isCallbackRunning).toBe(true);
    await at(61_000, 3, 3); // 00:06:01, the job stopped itself
    expect(job.isActive).toBe(false);
    expect(job.isCallbackRunning).toBe(false);
  });

  it('runs every minute and every hour three times each, then stopped', async () => {
    await start();
    const minute = started.registry.getCronJob('EVERY_MINUTE');
    keepOnly(started.registry, 'EVERY_MINUTE');
    await clock.advance(180_000);
    expect(service.calls).toBe(3);
    expect(minute.lastDate()).toEqual(new Date('2020-01-01T00:03:00.000Z'));
    expect(minute.isActive).toBe(false);
    await started.app.close();

    await start();
    const hour = started.registry.getCronJob('EVERY_HOUR');
    keepOnly(started.registry, 'EVERY_HOUR');
    await clock.advance(3 * 3_600_000 + 1000);
    expect(service.calls).toBe(3);
    expect(hour.lastDate()).toEqual(new Date('2020-01-01T03:00:00.000Z'));
    expect(hour.isActive).toBe(false);
  });

  it('registers a disabled job stopped; start() starts it', async () => {
    await start();
    const job = started.registry.getCronJob('DISABLED');
    keepOnly(started.registry, 'DISABLED');
    expect(job.isActive).toBe(false);
    await clock.advance(60_000);
    expect(service.calls).toBe(0);
    job.start();
    expect(job.isActive).toBe(true);
    await clock.advance(60_000);
    expect(service.calls).toBe(2);
  });

  it('finds jobs by name, says which exist, and throws ERR_JOB_NOT_FOUND for others', async () => {
    await start();
    expect(started.registry.getCronJob('EVERY_SECOND')).toBeInstanceOf(CronJob);
    expect(started.registry.doesExist('cron', 'EVERY_SECOND')).toBe(true);
    expect(started.registry.doesExist('cron', 'dynamic')).toBe(false);
    expect(started.registry.doesExist('interval', 'EVERY_SECOND')).toBe(false);
    expect(() => started.registry.getCronJob('dynamic')).toThrow(
      expect.objectContaining({ code: 'ERR_JOB_NOT_FOUND', message: expect.stringContaining('"dynamic"') }),
    );
  });

  it('adds, starts, stops and deletes a job made with new CronJob()', async () => {
    await start();
    keepOnly(started.registry, 'none');
    const added = service.addCronJob();
    expect(started.registry.getCronJobs().get('dynamic')).toBe(added);
    expect(started.registry.doesExist('cron', 'dynamic')).toBe(true);
    expect(added.isActive).toBe(false);
    added.start();
    expect(added.isActive).toBe(true);
    await clock.advance(5000);
    expect(service.dynamicCalls).toBe(3);
    started.registry.deleteCronJob('dynamic');
    expect(started.registry.doesExist('cron', 'dynamic')).toBe(false);
    expect(() => started.registry.getCronJob('dynamic')).toThrow(
      expect.objectContaining({ code: 'ERR_JOB_NOT_FOUND' }),
    );
    expect(started.registry.scheduler.jobs()).toEqual([]);
  });

  it('starts a job with initialDelay that long after bootstrap, at its next occurrence', async () => {
    await start();
    keepOnly(started.registry, 'INITIAL_DELAY');
    await clock.advance(4999);
    expect(service.delayedCalls).toBe(0);
    expect(started.registry.getCronJob('INITIAL_DELAY').isActive).toBe(false);
    await clock.advance(1001); // started at 5 s, first run at 6 s
    expect(service.delayedCalls).toBe(1);
    await clock.advance(3000);
    expect(service.delayedCalls).toBe(4);
  });

  it('never starts a disabled job with initialDelay, nor one whose delay is pending at shutdown', async () => {
    await start();
    await clock.advance(5000);
    expect(started.registry.getCronJob('DISABLED_WITH_DELAY').isActive).toBe(false);
    expect(service.delayedCalls).toBe(0);
    await started.app.close();

    await start();
    await clock.advance(2000);
    await started.app.close();
    await clock.advance(10_000);
    expect(service.delayedCalls).toBe(0);
  });

  it('empties the registry and leaves no timer at shutdown', async () => {
    await start();
    service.addCronJob().start();
    await clock.advance(1000);
    const registry = started.registry;
    await started.app.close();
    expect(registry.getCronJobs().size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('initialises beside a provider with a null prototype', async () => {
    started = await startApp([CronService, { provide: 'NULL_PROTOTYPE', useValue: Object.create(null) }]);
    expect(started.registry.getCronJobs().size).toBeGreaterThan(0);
  });

  it('refuses two jobs of the same name when the application initialises', async () => {
    @Injectable()
    class First {
      @Cron(CronExpression.EVERY_SECOND, { name: 'shared' })
      handle() {}
    }
    @Injectable()
    class Second {
      @Cron(CronExpression.EVERY_SECOND, { name: 'shared' })
      handle() {}
    }
    started = await startApp([First, Second], { init: false });
    await expect(started.app.init()).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringContaining('"shared" is taken'),
      }),
    );
  });

  it('logs no warning for static providers', async () => {
    started = await startApp([CronService], { init: false });
    const warn = vi.fn();
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn });
    try {
      await started.app.init();
    } finally {
      Logger.overrideLogger(new Logger());
    }
    expect(warn).not.toHaveBeenCalled();
    expect(started.log.warnings).toEqual([]);
  });

  it('warns about a request-scoped provider and does not schedule it', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @Cron(CronExpression.EVERY_SECOND)
      handleCron() {}
    }
    started = await startApp([PerRequest], { init: false });
    // After compile(), which installs the testing module's own logger.
    const warn = vi.fn();
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn });
    try {
      await started.app.init();
      expect(started.registry.getCronJobs()).toEqual(new Map());
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('PerRequest.handleCron is not scheduled: its provider is not static'),
        'Scheduler',
      );
    } finally {
      Logger.overrideLogger(new Logger());
    }
  });
});

describe('@Cron with tscron', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.app.close();
    started = undefined;
  });

  it('gives the method its run context and names an unnamed job <class>.<method>', async () => {
    const seen: Array<{ at: string; aborted: boolean }> = [];
    @Injectable()
    class Reports {
      @Cron('*/10 * * * * *')
      send({ scheduledAt, signal }: JobContext) {
        seen.push({ at: scheduledAt.toISOString(), aborted: signal.aborted });
      }
    }
    started = await startApp([Reports]);
    await started.clock.advance(20_000);
    expect([...started.registry.getCronJobs().keys()]).toEqual(['Reports.send']);
    expect(seen).toEqual([
      { at: '2020-01-01T00:00:10.000Z', aborted: false },
      { at: '2020-01-01T00:00:20.000Z', aborted: false },
    ]);
  });

  it('logs a method that throws and keeps running it', async () => {
    let calls = 0;
    @Injectable()
    class Flaky {
      @Cron(CronExpression.EVERY_SECOND, { name: 'flaky' })
      run() {
        calls++;
        throw new Error('boom');
      }
    }
    started = await startApp([Flaky]);
    await started.clock.advance(3000);
    expect(calls).toBe(3);
    expect(started.log.errors).toHaveLength(3);
    expect(started.log.errors[0]?.message).toContain('"flaky"');
    expect(started.log.errors[0]?.details).toEqual([new Error('boom')]);
  });

  it('logs through Nest with the stack when no logger is given', async () => {
    @Injectable()
    class Failing {
      @Cron(CronExpression.EVERY_SECOND, { name: 'failing' })
      run() {
        throw new Error('disk full');
      }
    }
    started = await startApp([Failing], { logger: undefined as never });
    const error = vi.fn();
    Logger.overrideLogger({ log: () => undefined, warn: () => undefined, error });
    try {
      await started.clock.advance(1000);
      expect(error).toHaveBeenCalledWith(
        expect.stringContaining('"failing"'),
        expect.stringMatching(/^Error: disk full\n\s+at /),
        'Scheduler',
      );
    } finally {
      Logger.overrideLogger(new Logger());
    }
  });

  it('takes every JobOptions field: retry, tags, locker: false', async () => {
    const { locker, keys } = notingLocker();
    let attempts = 0;
    @Injectable()
    class Jobs {
      @Cron('0 * * * * *', { name: 'retried', retry: { attempts: 2 }, tags: ['billing'], locker: false })
      retried({ attempt }: JobContext) {
        attempts = attempt;
        if (attempt < 3) throw new Error(`attempt ${attempt}`);
      }

      @Cron('0 * * * * *', { name: 'locked' })
      locked() {}
    }
    started = await startApp([Jobs], { locker });
    await started.clock.advance(60_000);
    expect(attempts).toBe(3);
    expect(started.log.errors).toEqual([]);
    expect(keys).toEqual(['locked']);
    const retried = started.registry.getCronJob('retried').job;
    expect(retried?.tags).toEqual(['billing']);
  });

  it('reads the expression in timeZone, or at a whole-hour utcOffset', async () => {
    @Injectable()
    class Zoned {
      @Cron('0 0 9 * * *', { name: 'new-york', timeZone: 'America/New_York' })
      newYork() {}

      @Cron('0 9 * * *', { name: 'plus-two', utcOffset: 120 })
      plusTwo() {}

      @Cron('0 9 * * *', { name: 'minus-five', utcOffset: -300 })
      minusFive() {}
    }
    started = await startApp([Zoned]);
    const next = (name: string) => started?.registry.getCronJob(name).nextDate().toISOString();
    expect(next('new-york')).toBe('2020-01-01T14:00:00.000Z');
    expect(next('plus-two')).toBe('2020-01-01T07:00:00.000Z');
    expect(next('minus-five')).toBe('2020-01-01T14:00:00.000Z');
  });

  it('throws when the class is defined for a bad expression, zone or option, naming the method', () => {
    const define = (cronTime: string | Date, options?: object) => () => {
      class Bad {
        @Cron(cronTime, options as never)
        run() {}
      }
      return Bad;
    };
    const fails = (code: string, text: string) =>
      expect.objectContaining({ code, message: expect.stringContaining(text) });
    expect(define('61 * * * *')).toThrow(fails('ERR_CRON_JOB_PARSE', '@Cron on Bad.run'));
    expect(define('* * * * *', { timeZone: 'Mars/Olympus' })).toThrow(
      fails('ERR_INVALID_TIME_ZONE', 'Mars/Olympus'),
    );
    expect(define('* * * * *', { utcOffset: 330 })).toThrow(fails('ERR_INVALID_TIME_ZONE', 'Asia/'));
    expect(define('* * * * *', { utcOffset: 330 })).toThrow(fails('ERR_INVALID_TIME_ZONE', 'UTC+05:30'));
    expect(define('* * * * *', { timeZone: 'UTC', utcOffset: 0 })).toThrow(
      fails('ERR_INVALID_OPTION', 'not both'),
    );
    expect(define('TZ=UTC * * * * *', { timeZone: 'UTC' })).toThrow(
      fails('ERR_INVALID_OPTION', 'names its zone'),
    );
    expect(define('* * * * *', { waitForCompletion: 'yes' })).toThrow(
      fails('ERR_INVALID_OPTION', 'waitForCompletion'),
    );
    expect(define('* * * * *', { threshold: -1 })).toThrow(fails('ERR_INVALID_OPTION', 'threshold'));
    expect(define('* * * * *', { name: '' })).toThrow(fails('ERR_WITH_NAME_EMPTY', '@Cron on Bad.run'));
    expect(define(new Date(Number.NaN))).toThrow(fails('ERR_INVALID_ARGUMENT', 'Bad.run'));
  });

  it('rejects an option tscron does not know when the application bootstraps', async () => {
    @Injectable()
    class Unknown {
      @Cron('* * * * * *', { name: 'unknown', retries: 3 } as never)
      run() {}
    }
    started = await startApp([Unknown], { init: false });
    await expect(started.app.init()).rejects.toSatisfy((error) => isTscronError(error, 'ERR_INVALID_OPTION'));
  });

  it('runs once at a Date (or luxon DateTime), then is inactive; a past one fails the bootstrap', async () => {
    const at = new Date('2020-01-01T00:00:05.000Z');
    const runs: string[] = [];
    @Injectable()
    class Once {
      @Cron(at, { name: 'date' })
      date({ scheduledAt }: JobContext) {
        runs.push(`date ${scheduledAt.toISOString()}`);
      }

      @Cron({ toJSDate: () => new Date('2020-01-01T00:00:07.000Z') }, { name: 'luxon' })
      luxon() {
        runs.push('luxon');
      }
    }
    started = await startApp([Once]);
    const job = started.registry.getCronJob('date');
    expect(job.runOnce).toBe(true);
    expect(job.nextDate().toISOString()).toBe(at.toISOString());
    expect(job.isActive).toBe(true);
    await started.clock.advance(60_000);
    expect(runs).toEqual(['date 2020-01-01T00:00:05.000Z', 'luxon']);
    expect(job.isActive).toBe(false);
    await started.app.close();

    @Injectable()
    class Past {
      @Cron(new Date('2019-12-31T00:00:00Z'))
      run() {}
    }
    started = await startApp([Past], { init: false });
    await expect(started.app.init()).rejects.toSatisfy((error) =>
      isTscronError(error, 'ERR_ONE_TIME_JOB_START_DATE_TIME_PAST'),
    );
  });

  it('makes up an occurrence passed less than threshold ms before bootstrap', async () => {
    const runs: string[] = [];
    @Injectable()
    class Late {
      @Cron('0 0 9 * * *', { name: 'tolerant', threshold: 250 })
      tolerant() {
        runs.push('tolerant');
      }

      @Cron('0 0 9 * * *', { name: 'strict' })
      strict() {
        runs.push('strict');
      }
    }
    const { FakeClock } = await import('tscron/testing');
    started = await startApp([Late], { clock: new FakeClock(new Date('2020-01-01T09:00:00.200Z')) });
    await started.clock.advance(1000);
    expect(runs).toEqual(['tolerant']);
  });

  it('tells the next dates as Dates with the luxon methods cron users call', async () => {
    @Injectable()
    class Quarter {
      @Cron('0 */15 * * * *', { name: 'quarter' })
      run() {}
    }
    started = await startApp([Quarter]);
    const job = started.registry.getCronJob('quarter');
    const next = job.nextDate();
    expect(next).toBeInstanceOf(CronDate);
    expect(next).toBeInstanceOf(Date);
    expect(next.toJSDate()).toEqual(new Date('2020-01-01T00:15:00.000Z'));
    expect(next.toMillis()).toBe(Date.parse('2020-01-01T00:15:00.000Z'));
    expect(next.toISO()).toBe('2020-01-01T00:15:00.000Z');
    expect(next.toUnixInteger()).toBe(next.toSeconds());
    expect(job.nextDates(3).map((date) => date.toISOString())).toEqual([
      '2020-01-01T00:15:00.000Z',
      '2020-01-01T00:30:00.000Z',
      '2020-01-01T00:45:00.000Z',
    ]);
    expect(job.nextDates()).toEqual([]);
    expect(() => job.nextDates(-1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('fires now with fireOnTick, and moves to a new time with setTime', async () => {
    const runs: string[] = [];
    @Injectable()
    class Moving {
      @Cron('0 0 * * * *', { name: 'moving' })
      run({ scheduledAt }: JobContext) {
        runs.push(scheduledAt.toISOString());
      }
    }
    started = await startApp([Moving]);
    const job = started.registry.getCronJob('moving');
    await job.fireOnTick();
    expect(runs).toEqual([START.toISOString()]);
    expect(job.lastDate()).toEqual(START);
    job.setTime(new CronTime('0 30 * * * *'));
    expect(job.isActive).toBe(true);
    await started.clock.advance(3_600_000);
    expect(runs).toEqual([START.toISOString(), '2020-01-01T00:30:00.000Z']);
    job.stop();
    job.setTime(new CronTime('0 0 * * * *'));
    expect(job.isActive).toBe(false);
    await started.clock.advance(3_600_000);
    expect(runs).toHaveLength(2);
  });

  it('hands a failure to errorHandler, calls onComplete on stop, and runs on init', async () => {
    const events: string[] = [];
    started = await startApp([]);
    const job = CronJob.from({
      cronTime: '*/2 * * * * *',
      onTick: () => {
        events.push('tick');
        throw new Error('bad tick');
      },
      errorHandler: (error) => events.push(`handled ${(error as Error).message}`),
      onComplete: () => void events.push('complete'),
      runOnInit: true,
    });
    started.registry.addCronJob('handled', job);
    await Promise.resolve();
    expect(events).toEqual(['tick', 'handled bad tick']);
    job.start();
    await started.clock.advance(2000);
    expect(events).toEqual(['tick', 'handled bad tick', 'tick', 'handled bad tick']);
    job.stop();
    await Promise.resolve();
    expect(events.at(-1)).toBe('complete');
    expect(started.log.errors).toEqual([]);
  });

  it('refuses bad CronJob arguments', () => {
    expect(() => new CronJob('* * * * *', 'echo hi' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_NEW_JOB_TASK_NIL' }),
    );
    expect(() => CronJob.from(null as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new CronTime('* * *')).toThrow(expect.objectContaining({ code: 'ERR_CRON_JOB_PARSE' }));
    expect(new CronTime('@weekdays').definition).toEqual({
      kind: 'cron',
      expression: '0 0 0 * * 1-5',
      withSeconds: true,
    });
  });

  it('rejects fireOnTick on a job in no registry without throwing', async () => {
    const job = new CronJob('* * * * *', () => undefined);
    await expect(job.runNow()).rejects.toThrow(expect.objectContaining({ code: 'ERR_JOB_RUN_NOW_FAILED' }));
  });

  it('is the same module as ScheduleModule', async () => {
    const { ScheduleModule } = await import('../src/index.js');
    expect(ScheduleModule).toBe(TscronModule);
    const app = await Test.createTestingModule({
      imports: [ScheduleModule.forRoot({ timeZone: 'UTC' })],
    }).compile();
    await app.init();
    expect(app.get(SchedulerRegistry).scheduler.isStarted()).toBe(true);
    await app.close();
  });
});
