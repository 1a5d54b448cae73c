// @Interval and @Timeout on a real Nest application, on a fake clock: the behaviour tests of
// @nestjs/schedule's interval and timeout suites (rewritten for tscron), then tscron's additions.
import { Injectable, Logger, Scope } from '@nestjs/common';
import type { Job, JobContext } from 'tscron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Interval, SchedulerRegistry, Timeout } from '../src/index.js';
import { notingLocker, type Started, startApp } from './support.js';

@Injectable()
class IntervalService {
  calls = 0;
  constructor(readonly registry: SchedulerRegistry) {}

  @Interval('test', 2500)
  handle() {
    this.calls++;
    // What clearInterval(registry.getInterval('test')) did with @nestjs/schedule.
    this.registry.deleteInterval('test');
  }

  addInterval(): void {
    this.registry.addInterval(
      'dynamic',
      setInterval(() => undefined, 2500),
    );
  }
}

@Injectable()
class TimeoutService {
  calls = 0;
  constructor(readonly registry: SchedulerRegistry) {}

  @Timeout('test', 2500)
  handle() {
    this.calls++;
  }

  addTimeout(): void {
    this.registry.addTimeout(
      'dynamic',
      setTimeout(() => undefined, 2500),
    );
  }
}

for (const kind of ['interval', 'timeout'] as const) {
  const Service = kind === 'interval' ? IntervalService : TimeoutService;
  const get = (registry: SchedulerRegistry, name: string) =>
    kind === 'interval' ? registry.getInterval(name) : registry.getTimeout(name);
  const names = (registry: SchedulerRegistry) =>
    kind === 'interval' ? registry.getIntervals() : registry.getTimeouts();
  const remove = (registry: SchedulerRegistry, name: string) =>
    kind === 'interval' ? registry.deleteInterval(name) : registry.deleteTimeout(name);
  const add = (service: IntervalService | TimeoutService) =>
    service instanceof IntervalService ? service.addInterval() : service.addTimeout();

  describe(`@${kind === 'interval' ? 'Interval' : 'Timeout'}, as @nestjs/schedule runs it`, () => {
    let started: Started;
    afterEach(async () => {
      await started.app.close();
      vi.useRealTimers();
    });

    it('runs the method once 2.5 s after bootstrap', async () => {
      started = await startApp([Service]);
      const service = started.app.get(Service);
      await started.clock.advance(2499);
      expect(service.calls).toBe(0);
      await started.clock.advance(10_000);
      expect(service.calls).toBe(1);
    });

    it('returns the tscron job by name', async () => {
      started = await startApp([Service]);
      const job = get(started.registry, 'test') as Job;
      expect(job.name).toBe('test');
      expect(job.nextRun()?.toISOString()).toBe('2020-01-01T00:00:02.500Z');
    });

    it('adds, lists, finds and deletes a handle, clearing its timer; forgets everything at shutdown', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
      started = await startApp([Service]);
      const service = started.app.get(Service);
      expect(started.registry.doesExist(kind, 'dynamic')).toBe(false);
      add(service);
      expect(started.registry.doesExist(kind, 'dynamic')).toBe(true);
      expect(names(started.registry)).toEqual(['test', 'dynamic']);
      expect(get(started.registry, 'dynamic')).toBeDefined();
      expect(vi.getTimerCount()).toBe(1);
      remove(started.registry, 'dynamic');
      expect(vi.getTimerCount()).toBe(0);
      expect(() => get(started.registry, 'dynamic')).toThrow(
        expect.objectContaining({
          code: 'ERR_JOB_NOT_FOUND',
          message: expect.stringContaining(`${kind} named "dynamic"`),
        }),
      );
      add(service);
      const registry = started.registry;
      await started.app.close();
      expect(names(registry)).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
      expect(started.clock.pendingTimers()).toBe(0);
    });

    it('initialises beside a provider with a null prototype', async () => {
      started = await startApp([Service, { provide: 'NULL_PROTOTYPE', useValue: Object.create(null) }]);
      expect(names(started.registry)).toEqual(['test']);
    });

    it('refuses two of the same name when the application initialises', async () => {
      const decorate = kind === 'interval' ? Interval('shared', 2500) : Timeout('shared', 2500);
      @Injectable()
      class First {
        handle() {}
      }
      @Injectable()
      class Second {
        handle() {}
      }
      for (const target of [First, Second]) {
        const key = 'handle';
        decorate(
          target.prototype,
          key,
          Object.getOwnPropertyDescriptor(target.prototype, key) as PropertyDescriptor,
        );
      }
      started = await startApp([First, Second], { init: false });
      await expect(started.app.init()).rejects.toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      );
    });

    it('is not registered when the module switches it off', async () => {
      started = await startApp([Service], kind === 'interval' ? { intervals: false } : { timeouts: false });
      expect(names(started.registry)).toEqual([]);
      await started.clock.advance(10_000);
      expect(started.app.get(Service).calls).toBe(0);
    });

    it('warns about a request-scoped provider and does not schedule it', async () => {
      @Injectable({ scope: Scope.REQUEST })
      class PerRequest {
        handle() {}
      }
      const decorate = kind === 'interval' ? Interval(1000) : Timeout(1000);
      decorate(
        PerRequest.prototype,
        'handle',
        Object.getOwnPropertyDescriptor(PerRequest.prototype, 'handle') as PropertyDescriptor,
      );
      started = await startApp([PerRequest], { init: false });
      const warn = vi.fn();
      Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn });
      try {
        await started.app.init();
      } finally {
        Logger.overrideLogger(new Logger());
      }
      expect(names(started.registry)).toEqual([]);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('PerRequest.handle is not scheduled'),
        'Scheduler',
      );
    });
  });
}

describe('@Interval and @Timeout with tscron', () => {
  let started: Started | undefined;
  afterEach(async () => {
    await started?.app.close();
    started = undefined;
  });

  it('repeats an interval, names it <class>.<method>, and takes durations and JobOptions', async () => {
    const runs: string[] = [];
    @Injectable()
    class Polling {
      @Interval(1000)
      fast({ scheduledAt }: JobContext) {
        runs.push(`fast ${scheduledAt.getTime() % 60_000}`);
      }

      @Interval('slow', '1m', { tags: ['poll'] })
      slow() {
        runs.push('slow');
      }
    }
    started = await startApp([Polling]);
    expect(started.registry.getIntervals()).toEqual(['Polling.fast', 'slow']);
    expect(started.registry.getInterval('slow').tags).toEqual(['poll']);
    await started.clock.advance(3000);
    expect(runs).toEqual(['fast 1000', 'fast 2000', 'fast 3000']);
    await started.clock.advance(57_000);
    expect(runs.filter((run) => run === 'slow')).toHaveLength(1);
  });

  it('takes locks for intervals, not for timeouts unless asked', async () => {
    const { locker, keys } = notingLocker();
    @Injectable()
    class Mixed {
      @Interval('every', 1000)
      every() {}

      @Timeout('own', 1000)
      own() {}

      @Timeout('shared', 1000, { locker })
      shared() {}
    }
    started = await startApp([Mixed], { locker });
    await started.clock.advance(1000);
    expect(keys.sort()).toEqual(['every', 'shared']);
  });

  it('runs a timeout of 0 as soon as the application bootstraps', async () => {
    let runs = 0;
    @Injectable()
    class Immediate {
      @Timeout(0)
      now() {
        runs++;
      }
    }
    started = await startApp([Immediate]);
    await started.clock.advance(1);
    expect(runs).toBe(1);
  });

  it('keeps a fired timeout listed until deleted, as @nestjs/schedule does', async () => {
    started = await startApp([TimeoutService]);
    await started.clock.advance(3000);
    expect(started.registry.getTimeouts()).toEqual(['test']);
    started.registry.deleteTimeout('test');
    expect(started.registry.getTimeouts()).toEqual([]);
  });

  it('stops and removes a decorated interval on deleteInterval', async () => {
    started = await startApp([IntervalService]);
    await started.clock.advance(10_000);
    expect(started.app.get(IntervalService).calls).toBe(1);
    expect(started.registry.scheduler.jobs()).toEqual([]);
  });

  it('throws when the class is defined for bad arguments, naming the method', () => {
    const define = (decorator: MethodDecorator) => () => {
      class Bad {
        run() {}
      }
      decorator(
        Bad.prototype,
        'run',
        Object.getOwnPropertyDescriptor(Bad.prototype, 'run') as PropertyDescriptor,
      );
    };
    const fails = (code: string, text: string) =>
      expect.objectContaining({ code, message: expect.stringContaining(text) });
    expect(define(Interval(0))).toThrow(fails('ERR_DURATION_JOB_INTERVAL_ZERO', '@Interval on Bad.run'));
    expect(define(Interval(-5))).toThrow(fails('ERR_DURATION_JOB_INTERVAL_NEGATIVE', '@Interval on Bad.run'));
    expect(define(Interval('5m' as never))).toThrow(fails('ERR_INVALID_DURATION', 'second argument'));
    expect(define(Interval('x', 'soon'))).toThrow(fails('ERR_INVALID_DURATION', '"soon"'));
    expect(define(Interval('', 1000))).toThrow(fails('ERR_WITH_NAME_EMPTY', '@Interval on Bad.run'));
    expect(define(Interval(1000, 'fast' as never))).toThrow(
      fails('ERR_INVALID_OPTION', 'options must be an object'),
    );
    expect(define(Timeout(-1))).toThrow(fails('ERR_INVALID_DURATION', '@Timeout on Bad.run'));
    expect(define(Timeout(1.5))).toThrow(fails('ERR_INVALID_DURATION', 'whole number'));
    const getter = () => {
      class Bad {
        get value() {
          return 1;
        }
      }
      Interval(1000)(
        Bad.prototype,
        'value',
        Object.getOwnPropertyDescriptor(Bad.prototype, 'value') as PropertyDescriptor,
      );
    };
    expect(getter).toThrow(fails('ERR_INVALID_ARGUMENT', 'only methods'));
  });

  it('refuses bad handles and names in the registry', async () => {
    started = await startApp([]);
    const registry = started.registry;
    expect(() => registry.addInterval('', 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => registry.addTimeout('t', undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    registry.addTimeout('t', 1);
    expect(() => registry.addTimeout('t', 2)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('exists already'),
      }),
    );
    expect(registry.doesExist('nothing' as never, 't')).toBe(false);
  });
});
