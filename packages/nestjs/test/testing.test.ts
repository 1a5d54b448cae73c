// ScheduleTester: an application module as it is, its jobs driven on a fake clock and run by name.
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { Cron, Interval, Timeout, TscronModule } from '../src/index.js';
import { FakeClock, ScheduleTester } from '../src/testing/index.js';
import { keptLog, notingLocker } from './support.js';

const backend = notingLocker();

@Injectable()
class Billing {
  invoices: string[] = [];
  warmed = 0;

  @Cron('0 0 2 * * *', { name: 'invoices', timeZone: 'Europe/Paris' })
  invoice() {
    this.invoices.push('run');
  }

  @Interval('poll', '10m')
  poll() {}

  @Timeout('warm', 1000)
  warm() {
    this.warmed++;
  }

  @Cron('0 0 3 * * *', { name: 'broken' })
  broken() {
    throw new Error('ledger closed');
  }
}

/** The application's own module, with a locker that the tests do not have a server for. */
@Module({
  imports: [TscronModule.forRoot({ locker: backend.locker, logger: keptLog() })],
  providers: [Billing],
})
class AppModule {}

describe('ScheduleTester', () => {
  it('drives the application module on a fake clock, without its locker', async () => {
    const tester = new ScheduleTester({ now: new Date('2027-01-01T00:00:00Z') });
    expect(tester.clock).toBeInstanceOf(FakeClock);
    const app = await tester.install(Test.createTestingModule({ imports: [AppModule] })).compile();
    await app.init();
    const billing = app.get(Billing);
    expect(tester.scheduler.jobs().map((job) => job.name)).toEqual(['warm', 'poll', 'invoices', 'broken']);
    await tester.advance('1s');
    expect(billing.warmed).toBe(1);
    await tester.advance('1h'); // 02:00 in Paris is 01:00 UTC
    expect(billing.invoices).toEqual(['run']);
    expect(backend.keys).toEqual([]);
    await app.close();
  });

  it('runs one job by name, resolving when it ends and rejecting with what it threw', async () => {
    const tester = new ScheduleTester();
    const app = await tester.install(Test.createTestingModule({ imports: [AppModule] })).compile();
    await app.init();
    await tester.run('invoices');
    await tester.run('warm');
    expect(app.get(Billing).invoices).toEqual(['run']);
    expect(app.get(Billing).warmed).toBe(1);
    await expect(tester.run('broken')).rejects.toThrow('ledger closed');
    await expect(tester.run('nothing')).rejects.toThrow(
      expect.objectContaining({ code: 'ERR_JOB_NOT_FOUND' }),
    );
    await app.close();
  });

  it('keeps the locker when asked', async () => {
    const tester = new ScheduleTester({ now: new Date('2027-01-01T00:00:00Z'), keepBackends: true });
    const app = await tester.install(Test.createTestingModule({ imports: [AppModule] })).compile();
    await app.init();
    await tester.advance('10m');
    expect(backend.keys).toEqual(['poll']);
    await app.close();
  });

  it('says what is missing before the module is compiled', async () => {
    const tester = new ScheduleTester();
    expect(() => tester.scheduler).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(tester.run('invoices')).rejects.toThrow('install(builder)');
    expect(() => new ScheduleTester(null as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
