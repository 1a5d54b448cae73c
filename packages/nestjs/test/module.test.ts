// TscronModule's options: forRoot, forRootAsync (factory with injection, useClass, useExisting), the
// three switches, bad options, and what the module provides to the application.
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { isTscronError, type Scheduler } from 'tscron';
import { FakeClock } from 'tscron/testing';
import { describe, expect, it } from 'vitest';
import {
  Cron,
  CronExpression,
  SchedulerRegistry,
  TSCRON_MODULE_OPTIONS,
  TSCRON_SCHEDULER,
  TscronModule,
  type TscronModuleOptions,
} from '../src/index.js';
import { keptLog, START } from './support.js';

@Injectable()
class Ticker {
  ticks = 0;
  @Cron(CronExpression.EVERY_SECOND, { name: 'tick' })
  tick() {
    this.ticks++;
  }
}

/** A configuration module, as an application's ConfigModule provides the scheduler's settings. */
const SETTINGS = 'SETTINGS';
const clock = new FakeClock(START);
@Module({ providers: [{ provide: SETTINGS, useValue: { zone: 'Asia/Tokyo', clock } }], exports: [SETTINGS] })
class SettingsModule {}

async function boot(imports: unknown[], providers: unknown[] = [Ticker]) {
  const app = await Test.createTestingModule({
    imports: imports as never[],
    providers: providers as never[],
  }).compile();
  await app.init();
  return app;
}

describe('TscronModule.forRootAsync', () => {
  it('makes the options with a factory that injects providers of imported modules', async () => {
    const app = await boot([
      TscronModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SETTINGS],
        useFactory: (settings: { zone: string; clock: FakeClock }) => ({
          timeZone: settings.zone,
          clock: settings.clock,
          logger: keptLog(),
        }),
      }),
    ]);
    const scheduler = app.get<Scheduler>(TSCRON_SCHEDULER);
    expect(scheduler.timeZone).toBe('Asia/Tokyo');
    await clock.advance(2000);
    expect(app.get(Ticker).ticks).toBe(2);
    await app.close();
  });

  it('awaits an async factory', async () => {
    const app = await boot([
      TscronModule.forRootAsync({
        useFactory: async () => ({ cronJobs: false, timeZone: 'UTC', logger: keptLog() }),
      }),
    ]);
    expect(app.get(SchedulerRegistry).doesExist('cron', 'tick')).toBe(false);
    await app.close();
  });

  it('enables the decorators by default with a factory', async () => {
    const app = await boot([TscronModule.forRootAsync({ useFactory: () => ({ logger: keptLog() }) })]);
    expect(app.get(SchedulerRegistry).doesExist('cron', 'tick')).toBe(true);
    await app.close();
  });

  it('asks a class for the options with useClass, or an existing provider with useExisting', async () => {
    @Injectable()
    class Options {
      createScheduleOptions(): TscronModuleOptions {
        return { cronJobs: false, logger: keptLog() };
      }
    }
    const byClass = await boot([TscronModule.forRootAsync({ useClass: Options })]);
    expect(byClass.get(SchedulerRegistry).doesExist('cron', 'tick')).toBe(false);
    await byClass.close();

    @Module({ providers: [Options], exports: [Options] })
    class OptionsModule {}
    const existing = await boot([
      TscronModule.forRootAsync({ imports: [OptionsModule], useExisting: Options }),
    ]);
    expect(existing.get(SchedulerRegistry).doesExist('cron', 'tick')).toBe(false);
    await existing.close();
  });

  it('refuses options that give no way, or two ways, to make the options', () => {
    const fails = (text: string) =>
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(text) });
    expect(() => TscronModule.forRootAsync({})).toThrow(fails('got none'));
    expect(() => TscronModule.forRootAsync({ useFactory: () => ({}), useClass: class {} as never })).toThrow(
      fails('useFactory and useClass'),
    );
    expect(() => TscronModule.forRootAsync({ useFactory: 'no' as never })).toThrow(
      fails('useFactory must be a function'),
    );
    expect(() => TscronModule.forRootAsync({ useFactory: () => ({}), inject: 'x' as never })).toThrow(
      fails('inject'),
    );
    expect(() => TscronModule.forRootAsync(undefined as never)).toThrow(fails('must be an object'));
  });
});

describe('TscronModule options', () => {
  it('fails the initialisation with a TscronError naming a bad option', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ stopTimeout: -1 }, 'ERR_WITH_STOP_TIMEOUT_ZERO_OR_NEGATIVE', 'stopTimeout'],
      [{ timeZone: 'Nowhere/Land' }, 'ERR_INVALID_TIME_ZONE', 'Nowhere/Land'],
      [{ lockr: {} }, 'ERR_INVALID_OPTION', '"lockr"'],
      [{ cronJobs: 'yes' }, 'ERR_INVALID_OPTION', 'cronJobs must be a boolean, got "yes"'],
      [{ locker: {} }, 'ERR_INVALID_OPTION', 'locker'],
      ['fast', 'ERR_INVALID_OPTION', 'must be an object, got "fast"'],
    ];
    for (const [options, code, text] of cases) {
      const failure = await boot([TscronModule.forRoot(options as TscronModuleOptions)]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isTscronError(failure, code as never), `${JSON.stringify(options)}: ${String(failure)}`).toBe(
        true,
      );
      expect((failure as Error).message).toContain(text);
    }
  });

  it('provides the registry, the scheduler and the options everywhere (the module is global)', async () => {
    @Injectable()
    class Consumer {
      constructor(
        readonly registry: SchedulerRegistry,
        @Inject(TSCRON_SCHEDULER) readonly scheduler: Scheduler,
        @Inject(TSCRON_MODULE_OPTIONS) readonly options: TscronModuleOptions,
      ) {}
    }
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}
    const options: TscronModuleOptions = { timeZone: 'UTC', logger: keptLog() };
    const app = await boot([TscronModule.forRoot(options), FeatureModule], []);
    const consumer = app.get(Consumer);
    expect(consumer.registry.scheduler).toBe(consumer.scheduler);
    expect(consumer.options).toBe(options);
    expect(consumer.scheduler.isStarted()).toBe(true);
    await app.close();
    expect(consumer.scheduler.isStarted()).toBe(false);
  });

  it('keeps the scheduler stopped until the application bootstraps', async () => {
    const app = await Test.createTestingModule({
      imports: [TscronModule.forRoot({ logger: keptLog() })],
      providers: [Ticker],
    }).compile();
    expect(app.get<Scheduler>(TSCRON_SCHEDULER).isStarted()).toBe(false);
    await app.init();
    expect(app.get<Scheduler>(TSCRON_SCHEDULER).isStarted()).toBe(true);
    await app.close();
  });
});
