import { describe, expect, test } from 'vitest';
import {
  durationJob,
  MemoryLocker,
  MemoryRunHistory,
  type Monitor,
  type RunHistory,
  type RunRecord,
  type SchedulerEvent,
  setRunOutput,
} from '../src/index.js';
import { deferred, flush, recordingLogger, setup, T0 } from './scheduler-helpers.js';

const at = (ms: number) => new Date(T0 + ms);

/** A promise and whether it has resolved yet. */
function watched(promise: Promise<void>): { readonly resolved: boolean; readonly done: Promise<void> } {
  const state = { resolved: false, done: promise };
  state.done = promise.then(() => {
    state.resolved = true;
  });
  return state;
}

function record(jobName: string, startedMs: number, status: RunRecord['status'] = 'success'): RunRecord {
  return {
    jobId: `id-${jobName}`,
    jobName,
    scheduledAt: at(startedMs),
    startedAt: at(startedMs),
    status,
    replica: 'r1',
  };
}

describe('MemoryRunHistory', () => {
  test('keeps the newest runs of each job, newest first, within its bound', async () => {
    const history = new MemoryRunHistory({ perJob: 3 });
    for (let i = 0; i < 5; i++) await history.record(record('a', i * 1000));
    await history.record(record('b', 2500));
    const a = await history.list({ jobName: 'a' });
    expect(a.map((r) => r.startedAt.getTime() - T0)).toEqual([4000, 3000, 2000]);
    const all = await history.list({});
    expect(all.map((r) => `${r.jobName}${r.startedAt.getTime() - T0}`)).toEqual([
      'a4000',
      'a3000',
      'b2500',
      'a2000',
    ]);
    expect((await history.list({ limit: 2 })).length).toBe(2);
    expect(
      (await history.list({ jobName: 'a', before: at(3000) })).map((r) => r.startedAt.getTime() - T0),
    ).toEqual([2000]);
    expect(await history.list({ jobName: 'none' })).toEqual([]);
  });

  test("a run's end replaces its start record", async () => {
    const history = new MemoryRunHistory();
    await history.record(record('a', 0, 'running'));
    await history.record(record('a', 500, 'running'));
    await history.record({ ...record('a', 0), endedAt: at(900) });
    const runs = await history.list({ jobName: 'a' });
    expect(runs.map((r) => [r.startedAt.getTime() - T0, r.status])).toEqual([
      [500, 'running'],
      [0, 'success'],
    ]);
  });

  test('rejects a bad bound, naming it', () => {
    expect(() => new MemoryRunHistory({ perJob: 0 })).toThrow(/perJob must be an integer >= 1, got 0/);
  });
});

describe('the scheduler records its runs', () => {
  test('a run is recorded when it starts and when it ends, with its replica, attempts and output', async () => {
    const history = new MemoryRunHistory();
    const { clock, scheduler } = setup({ history, replica: 'replica-1' });
    const gate = deferred();
    scheduler.newJob(
      durationJob('1s'),
      async (context) => {
        setRunOutput(context, `${'x'.repeat(9000)}done\n`);
        await gate.promise;
      },
      { name: 'copy' },
    );
    expect(scheduler.replica).toBe('replica-1');
    expect(scheduler.history).toBe(history);
    scheduler.start();
    await clock.advance('1s');
    await flush();
    const [running] = await history.list({ jobName: 'copy' });
    expect(running).toMatchObject({ jobName: 'copy', status: 'running', replica: 'replica-1' });
    expect(running?.scheduledAt.getTime()).toBe(T0 + 1000);
    gate.resolve();
    await clock.advance('100ms');
    await flush();
    const runs = await history.list({ jobName: 'copy' });
    expect(runs.map((r) => r.status)).toEqual(['success']);
    expect(runs[0]?.attempts).toBe(1);
    expect(runs[0]?.output?.length).toBe(8 * 1024);
    expect(runs[0]?.output?.endsWith('done\n')).toBe(true);
    await scheduler.shutdown();
  });

  test('failures carry the message; singleton reschedules and missed occurrences are recorded', async () => {
    const history = new MemoryRunHistory();
    const { clock, scheduler } = setup({ history, logger: recordingLogger() });
    scheduler.newJob(
      durationJob('1s'),
      () => {
        throw new Error('disk full');
      },
      { name: 'fails' },
    );
    const gate = deferred();
    scheduler.newJob(durationJob('1s'), () => gate.promise, { name: 'slow', singletonMode: 'reschedule' });
    scheduler.newJob(durationJob('10s'), () => {}, { name: 'late', missedRuns: 'skip' });
    scheduler.start();
    await clock.advance('2s');
    // The wall clock jumps a minute: the timer still fires 8 s on, and the 10 s occurrence is long past.
    await clock.set(clock.now() + 60_000);
    await clock.advance('8s');
    await flush();
    const fails = await history.list({ jobName: 'fails' });
    expect(fails[0]).toMatchObject({ status: 'fail', error: 'disk full', attempts: 1 });
    const slow = await history.list({ jobName: 'slow' });
    expect(slow.map((r) => r.status)).toContain('singleton_rescheduled');
    expect(slow.at(-1)?.status).toBe('running');
    const late = await history.list({ jobName: 'late' });
    expect(late.map((r) => r.status)).toContain('missed');
    gate.resolve();
    await scheduler.shutdown();
  });

  test('an occurrence another instance holds is not recorded by the instance that lost it', async () => {
    const locker = new MemoryLocker();
    const history = new MemoryRunHistory();
    const a = setup({ locker, history, replica: 'a' });
    const b = setup({ locker, history, replica: 'b', clock: a.clock });
    for (const { scheduler } of [a, b]) scheduler.newJob(durationJob('1s'), () => {}, { name: 'shared' });
    a.scheduler.start();
    b.scheduler.start();
    await a.clock.advance('3s');
    await flush();
    const runs = await history.list({ jobName: 'shared' });
    expect(runs.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    await Promise.all([a.scheduler.shutdown(), b.scheduler.shutdown()]);
  });

  test('a failing history never fails a run and is reported once', async () => {
    const logger = recordingLogger();
    let calls = 0;
    const broken: RunHistory = {
      record: () => {
        calls++;
        return Promise.reject(new Error('store down'));
      },
      list: () => Promise.resolve([]),
    };
    const { clock, scheduler } = setup({ history: broken, logger });
    let runs = 0;
    scheduler.newJob(durationJob('1s'), () => {
      runs++;
    });
    scheduler.start();
    await clock.advance('3s');
    await flush();
    await flush();
    expect(runs).toBe(3);
    expect(calls).toBe(6);
    expect(logger.lines.filter(([, line]) => line.includes('run history failed'))).toHaveLength(1);
    await scheduler.shutdown();
  });
  test('shutdown resolves only once the history took the records of the runs it stopped', async () => {
    const written: RunRecord[] = [];
    const store = deferred();
    const slow: RunHistory = {
      record: async (run) => {
        await store.promise;
        written.push(run);
      },
      list: () => Promise.resolve([]),
    };
    const { clock, scheduler } = setup({ history: slow, stopTimeout: '10s' });
    scheduler.newJob(
      durationJob('1s'),
      ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      { name: 'long' },
    );
    scheduler.start();
    await clock.advance('1s');
    const shutdown = watched(scheduler.shutdown());
    await flush();
    await flush();
    expect(shutdown.resolved).toBe(false);
    store.resolve();
    await shutdown.done;
    expect(written.map((run) => run.status)).toEqual(['running', 'success']);
  });

  test('a history slower than the stop timeout is logged, and shutdown still resolves', async () => {
    const logger = recordingLogger();
    const never: RunHistory = { record: () => new Promise(() => {}), list: () => Promise.resolve([]) };
    const { clock, scheduler } = setup({ history: never, logger, stopTimeout: '2s' });
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'quick' });
    scheduler.start();
    await clock.advance('1s');
    const shutdown = watched(scheduler.shutdown());
    await flush();
    expect(shutdown.resolved).toBe(false);
    await clock.advance('2s');
    await shutdown.done;
    expect(
      logger.lines.some(([, line]) =>
        line.includes('did not take the last run records within the stop timeout of 2s'),
      ),
    ).toBe(true);
  });
});

describe('subscribe', () => {
  test('hears runs and job changes after the fact, in order; a throwing listener is logged', async () => {
    const logger = recordingLogger();
    const { clock, scheduler } = setup({ logger });
    const events: string[] = [];
    scheduler.subscribe(() => {
      throw new Error('listener bug');
    });
    const stop = scheduler.subscribe((event: SchedulerEvent) => {
      if (event.type === 'run') events.push(`run ${event.run.jobName} ${event.run.status}`);
      else if (event.type === 'job') events.push(`job ${event.job.name} ${event.change}`);
      else events.push(`scheduler ${event.change}`);
    });
    const job = scheduler.newJob(durationJob('1s'), () => {}, { name: 'tick' });
    scheduler.start();
    await clock.advance('1s');
    expect(events).toEqual(['job tick added', 'scheduler started', 'run tick running', 'run tick success']);
    job.pause();
    job.resume();
    scheduler.removeJob(job.id);
    // Nothing is heard during the calls themselves.
    expect(events).toHaveLength(4);
    await flush();
    expect(events).toEqual([
      'job tick added',
      'scheduler started',
      'run tick running',
      'run tick success',
      'job tick paused',
      'job tick resumed',
      'job tick removed',
    ]);
    expect(logger.lines.filter(([, line]) => line.includes('listener threw')).length).toBe(7);
    stop();
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'after' });
    await flush();
    expect(events).toHaveLength(7);
    expect(scheduler.isStarted()).toBe(true);
    await scheduler.shutdown();
    expect(scheduler.isStarted()).toBe(false);
  });

  test('rejects a listener that is not a function', () => {
    const { scheduler } = setup();
    expect(() => scheduler.subscribe('x' as never)).toThrow(
      /subscribe: the listener must be a function, got "x"/,
    );
  });
});

describe('several monitors', () => {
  test('each hears every event; one that throws does not silence the others', async () => {
    const seen: string[] = [];
    const first: Monitor = {
      jobCompleted: (job) => {
        seen.push(`first ${job.name}`);
        throw new Error('first broke');
      },
    };
    const second: Monitor = {
      jobCompleted: (job) => seen.push(`second ${job.name}`),
      incrementJob: (_id, name, _tags, status) => seen.push(`count ${name} ${status}`),
    };
    const logger = recordingLogger();
    const { clock, scheduler } = setup({ monitor: [first, second], logger });
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'm' });
    scheduler.start();
    await clock.advance('1s');
    expect(seen).toEqual(['count m success', 'first m', 'second m']);
    expect(logger.lines.some(([, line]) => line.includes('monitor.jobCompleted threw'))).toBe(true);
    await scheduler.shutdown();
  });

  test('a bad monitor in the array is named by its index', () => {
    expect(() => setup({ monitor: [{}, 3 as never] })).toThrow(
      /SchedulerOptions.monitor\[1\]: must be an object, got 3/,
    );
  });
});

describe('MemoryRunHistory order', () => {
  test('records that arrive out of start order are still listed newest start first', async () => {
    const history = new MemoryRunHistory();
    for (const ms of [1000, 3000, 2000, 4000]) await history.record(record('a', ms));
    const runs = await history.list({ jobName: 'a', limit: 3 });
    expect(runs.map((r) => r.startedAt.getTime() - T0)).toEqual([4000, 3000, 2000]);
    const copy = await history.list({ jobName: 'a', limit: 1 });
    (copy[0] as RunRecord).status = 'fail';
    expect((await history.list({ jobName: 'a', limit: 1 }))[0]?.status).toBe('success');
  });
});
