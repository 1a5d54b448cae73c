import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, test, vi } from 'vitest';
import {
  durationJob,
  type Elector,
  type Locker,
  MemoryLocker,
  type Monitor,
  type RunTrace,
} from '../src/index.js';
import { recordingLogger, setup } from './scheduler-helpers.js';

/** A monitor that traces every run into `log`, its task inside `storage`. */
function tracer(log: string[], storage: AsyncLocalStorage<string>, label = 'trace'): Monitor {
  return {
    traceRun: ({ job }) => {
      log.push(`${label} start ${job.name}`);
      const trace: RunTrace = {
        locked: (lock) => log.push(`${label} locked ${lock === undefined ? 'none' : 'held'}`),
        wrap: (task) => storage.run(`${label}:${job.name}`, task),
        end: ({ status, error }) =>
          log.push(`${label} end ${status}${error ? ` ${(error as Error).message}` : ''}`),
      };
      return trace;
    },
  };
}

describe('Monitor.traceRun', () => {
  test('follows a run from before its lock to after its listeners, the task inside its context', async () => {
    const log: string[] = [];
    const storage = new AsyncLocalStorage<string>();
    const { clock, scheduler } = setup({ monitor: tracer(log, storage), locker: new MemoryLocker() });
    scheduler.newJob(
      durationJob('1s'),
      async () => {
        await Promise.resolve();
        log.push(`task in ${storage.getStore()}`);
      },
      { name: 'job', eventListeners: { afterJobRuns: () => log.push('afterJobRuns') } },
    );
    scheduler.newJob(
      durationJob('1s'),
      () => {
        throw new Error('bad');
      },
      { name: 'fails', locker: false, eventListeners: { afterJobRunsWithError: () => {} } },
    );
    scheduler.start();
    await clock.advance('1s');
    expect(log).toEqual([
      'trace start job',
      'trace start fails',
      'trace end fail bad',
      'trace locked held',
      'task in trace:job',
      'afterJobRuns',
      'trace end success',
    ]);
    await scheduler.shutdown();
  });

  test('a run that loses its claim, or whose elector says follow, ends its trace as skipped', async () => {
    const log: string[] = [];
    const storage = new AsyncLocalStorage<string>();
    const locker = new MemoryLocker();
    const a = setup({ locker });
    const b = setup({ locker, clock: a.clock, monitor: tracer(log, storage) });
    a.scheduler.newJob(durationJob('1s'), () => {}, { name: 'shared' });
    b.scheduler.newJob(durationJob('1s'), () => {}, { name: 'shared' });
    a.scheduler.start();
    b.scheduler.start();
    await a.clock.advance('1s');
    expect(log).toEqual(['trace start shared', 'trace end skip']);
    await Promise.all([a.scheduler.shutdown(), b.scheduler.shutdown()]);
  });

  test('several tracing monitors nest their contexts; one that throws never fails the run', async () => {
    const log: string[] = [];
    const outer = new AsyncLocalStorage<string>();
    const inner = new AsyncLocalStorage<string>();
    const broken: Monitor = {
      traceRun: () => ({
        end: () => {
          throw new Error('end broke');
        },
      }),
    };
    const logger = recordingLogger();
    const { clock, scheduler } = setup({
      monitor: [tracer(log, outer, 'a'), broken, tracer(log, inner, 'b')],
      logger,
    });
    let seen = '';
    scheduler.newJob(
      durationJob('1s'),
      () => {
        seen = `${outer.getStore()} ${inner.getStore()}`;
      },
      { name: 'job' },
    );
    scheduler.start();
    await clock.advance('1s');
    expect(seen).toBe('a:job b:job');
    expect(log.filter((line) => line.includes('end'))).toEqual(['a end success', 'b end success']);
    expect(logger.lines.some(([, line]) => line.includes('run trace threw'))).toBe(true);
    await scheduler.shutdown();
  });
});

describe('lockFailed and leaderChanged', () => {
  test('a failing locker is reported to the monitor, which then counts as observing it', async () => {
    const failures: string[] = [];
    const failing: Locker = { lock: () => Promise.reject(new Error('server gone')) };
    const { clock, scheduler } = setup({
      locker: failing,
      monitor: { lockFailed: (job, error) => failures.push(`${job.name}: ${(error as Error).message}`) },
    });
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'locked' });
    scheduler.start();
    await clock.advance('1s');
    expect(failures).toEqual(['locked: server gone']);
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
    await scheduler.shutdown();
  });

  test('leaderChanged hears each change of the elector answer, once', async () => {
    let leading = true;
    const elector: Elector = { isLeader: async () => leading };
    const changes: boolean[] = [];
    const { clock, scheduler } = setup({
      elector,
      monitor: { leaderChanged: (leader) => changes.push(leader) },
    });
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'led' });
    scheduler.start();
    await clock.advance('2s');
    leading = false;
    await clock.advance('2s');
    leading = true;
    await clock.advance('1s');
    expect(changes).toEqual([true, false, true]);
    await scheduler.shutdown();
  });
});
