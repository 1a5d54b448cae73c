import { PrometheusMonitor } from '@tscron/prometheus';
import {
  type OpenMetricsContentType,
  type PrometheusContentType,
  Registry,
  type RegistryContentType,
  register,
} from 'prom-client';
import {
  createScheduler,
  durationJob,
  type Elector,
  isTscronError,
  type JobContext,
  type Locker,
  MemoryLocker,
  oneTimeJob,
  type Scheduler,
  silentLogger,
} from 'tscron';
import { FakeClock } from 'tscron/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { scrape } from './exposition.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const open: Scheduler[] = [];

function setup<T extends RegistryContentType = PrometheusContentType>(
  options: { monitor?: PrometheusMonitor<T>; locker?: Locker; elector?: Elector; clock?: FakeClock } = {},
) {
  const clock = options.clock ?? new FakeClock(T0);
  const monitor = options.monitor ?? (new PrometheusMonitor() as unknown as PrometheusMonitor<T>);
  const scheduler = createScheduler({
    clock,
    monitor,
    logger: silentLogger,
    ...(options.locker === undefined ? {} : { locker: options.locker }),
    ...(options.elector === undefined ? {} : { elector: options.elector }),
  });
  open.push(scheduler);
  return { clock, monitor, scheduler };
}

/** A task that takes `ms` of fake time, or ends when its signal aborts (shutdown). */
const takes =
  (clock: FakeClock, ms: number) =>
  ({ signal }: JobContext) =>
    new Promise<void>((resolve) => {
      clock.setTimeout(resolve, ms);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });

afterEach(async () => {
  await Promise.all(open.splice(0).map((scheduler) => scheduler.shutdown()));
});

describe('PrometheusMonitor', () => {
  it('counts successes and failures, observes durations and stamps the last success', async () => {
    const { clock, monitor, scheduler } = setup();
    scheduler.newJob(durationJob('1m'), takes(clock, 2500), { name: 'report' });
    let calls = 0;
    scheduler.newJob(
      durationJob('1m'),
      () => {
        calls++;
        throw new Error('boom');
      },
      { name: 'broken' },
    );
    scheduler.start();
    await clock.advance('2m');
    await clock.advance('3s');
    const m = await scrape(monitor.registry);
    expect(calls).toBe(2);
    expect(m.types.get('tscron_job_runs_total')).toBe('counter');
    expect(m.value('tscron_job_runs_total', { job: 'report', status: 'success' })).toBe(2);
    expect(m.value('tscron_job_runs_total', { job: 'report', status: 'fail' })).toBe(0);
    expect(m.value('tscron_job_runs_total', { job: 'broken', status: 'fail' })).toBe(2);
    expect(m.value('tscron_job_runs_total', { job: 'broken', status: 'success' })).toBe(0);
    expect(m.types.get('tscron_job_duration_seconds')).toBe('histogram');
    expect(m.value('tscron_job_duration_seconds_count', { job: 'report' })).toBe(2);
    expect(m.value('tscron_job_duration_seconds_sum', { job: 'report' })).toBeCloseTo(5, 6);
    expect(m.value('tscron_job_duration_seconds_bucket', { job: 'report', le: 1 })).toBe(0);
    expect(m.value('tscron_job_duration_seconds_bucket', { job: 'report', le: 5 })).toBe(2);
    expect(m.value('tscron_job_duration_seconds_bucket', { job: 'report', le: '+Inf' })).toBe(2);
    // The second run of report ended at 10:02:02.5.
    expect(m.value('tscron_job_last_success_timestamp_seconds', { job: 'report' })).toBe(
      (T0 + 122_500) / 1000,
    );
    expect(m.value('tscron_job_last_success_timestamp_seconds', { job: 'broken' })).toBeUndefined();
    expect(m.value('tscron_jobs_running', { job: 'report' })).toBe(0);
    expect(m.value('tscron_lock_errors_total', { job: 'report' })).toBe(0);
  });

  it('publishes each job next run at scrape time, and the registered jobs', async () => {
    const { clock, monitor, scheduler } = setup();
    const a = scheduler.newJob(durationJob('1m'), () => undefined, { name: 'a' });
    scheduler.newJob(durationJob('90s'), () => undefined, { name: 'b' });
    scheduler.start();
    let m = await scrape(monitor.registry);
    expect(m.types.get('tscron_jobs')).toBe('gauge');
    expect(m.value('tscron_jobs')).toBe(2);
    expect(m.value('tscron_job_next_run_timestamp_seconds', { job: 'a' })).toBe((T0 + 60_000) / 1000);
    expect(m.value('tscron_job_next_run_timestamp_seconds', { job: 'b' })).toBe((T0 + 90_000) / 1000);
    await clock.advance('1m');
    m = await scrape(monitor.registry);
    expect(m.value('tscron_job_next_run_timestamp_seconds', { job: 'a' })).toBe((T0 + 120_000) / 1000);
    scheduler.removeJob(a.id);
    m = await scrape(monitor.registry);
    expect(m.value('tscron_jobs')).toBe(1);
    expect(m.value('tscron_job_next_run_timestamp_seconds', { job: 'a' })).toBeUndefined();
    // Counters of a removed job stay: they are cumulative.
    expect(m.value('tscron_job_runs_total', { job: 'a', status: 'success' })).toBe(1);
    scheduler.newJob(durationJob('1m'), () => undefined, { name: 'c' });
    expect((await scrape(monitor.registry)).value('tscron_jobs')).toBe(2);
    // The gauge counts what the scheduler lists, before and after a one-time job's run.
    scheduler.newJob(oneTimeJob('immediately'), () => undefined, { name: 'once' });
    expect((await scrape(monitor.registry)).value('tscron_jobs')).toBe(3);
    await clock.advance('1s');
    m = await scrape(monitor.registry);
    expect(m.value('tscron_jobs')).toBe(scheduler.jobs().length);
    expect(m.value('tscron_job_runs_total', { job: 'once', status: 'success' })).toBe(1);
  });

  it('counts a skip on the instance that lost a contended lock', async () => {
    const clock = new FakeClock(T0);
    const locker = new MemoryLocker({ clock });
    const first = setup({ clock, locker });
    const second = setup({ clock, locker });
    for (const { scheduler } of [first, second]) {
      scheduler.newJob(durationJob('1m'), takes(clock, 100), { name: 'shared' });
      scheduler.start();
    }
    await clock.advance('1m');
    await clock.advance('1s');
    const scrapes = [await scrape(first.monitor.registry), await scrape(second.monitor.registry)];
    const total = (status: string) =>
      scrapes.reduce((sum, m) => sum + (m.value('tscron_job_runs_total', { job: 'shared', status }) ?? 0), 0);
    expect(total('success')).toBe(1);
    expect(total('skip')).toBe(1);
    expect(total('fail')).toBe(0);
    // Only the run that executed has a duration.
    const durations = scrapes.map((m) => m.value('tscron_job_duration_seconds_count', { job: 'shared' }));
    expect(durations.sort()).toEqual([0, 1]);
  });

  it('counts singleton reschedules and shows the running job', async () => {
    const { clock, monitor, scheduler } = setup();
    scheduler.newJob(durationJob('1s'), takes(clock, 2500), { name: 'slow', singletonMode: 'reschedule' });
    scheduler.start();
    await clock.advance('1s');
    let m = await scrape(monitor.registry);
    expect(m.value('tscron_jobs_running', { job: 'slow' })).toBe(1);
    await clock.advance('2s');
    m = await scrape(monitor.registry);
    expect(m.value('tscron_job_runs_total', { job: 'slow', status: 'singleton_rescheduled' })).toBe(2);
    expect(m.value('tscron_job_runs_total', { job: 'slow', status: 'success' })).toBe(0);
    await clock.advance('500ms');
    m = await scrape(monitor.registry);
    expect(m.value('tscron_job_runs_total', { job: 'slow', status: 'success' })).toBe(1);
    expect(m.value('tscron_jobs_running', { job: 'slow' })).toBe(0);
  });

  it('observes lateness: the start of the task minus the scheduled time', async () => {
    const clock = new FakeClock(T0);
    const memory = new MemoryLocker({ clock });
    // A locker that answers after 300 ms of fake time makes every run start 300 ms late.
    const slow: Locker = {
      lock: async (key, options) => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 300));
        return memory.lock(key, options);
      },
    };
    const { monitor, scheduler } = setup({ clock, locker: slow });
    scheduler.newJob(durationJob('1m'), () => undefined, { name: 'late' });
    scheduler.start();
    await clock.advance('61s');
    const m = await scrape(monitor.registry);
    expect(m.value('tscron_job_lateness_seconds_count', { job: 'late' })).toBe(1);
    expect(m.value('tscron_job_lateness_seconds_sum', { job: 'late' })).toBeCloseTo(0.3, 6);
    expect(m.value('tscron_job_lateness_seconds_bucket', { job: 'late', le: 0.25 })).toBe(0);
    expect(m.value('tscron_job_lateness_seconds_bucket', { job: 'late', le: 0.5 })).toBe(1);
  });

  it('counts lock errors from a locker that rejects, as skipped runs', async () => {
    const failing: Locker = { lock: async () => Promise.reject(new Error('backend down')) };
    const { clock, monitor, scheduler } = setup({ locker: failing });
    scheduler.newJob(durationJob('1m'), () => undefined, { name: 'guarded' });
    scheduler.start();
    await clock.advance('2m');
    const m = await scrape(monitor.registry);
    expect(m.types.get('tscron_lock_errors_total')).toBe('counter');
    expect(m.value('tscron_lock_errors_total', { job: 'guarded' })).toBe(2);
    expect(m.value('tscron_job_runs_total', { job: 'guarded', status: 'skip' })).toBe(2);
  });

  it('follows the elector: leader 1, then 0 when its answer flips', async () => {
    let leads = true;
    const elector: Elector = { isLeader: async () => leads };
    const { clock, monitor, scheduler } = setup({ elector });
    expect((await scrape(monitor.registry)).value('tscron_leader')).toBe(0);
    scheduler.newJob(durationJob('1m'), () => undefined, { name: 'led' });
    scheduler.start();
    await clock.advance('1m');
    expect((await scrape(monitor.registry)).value('tscron_leader')).toBe(1);
    leads = false;
    await clock.advance('1m');
    const m = await scrape(monitor.registry);
    expect(m.value('tscron_leader')).toBe(0);
    expect(m.value('tscron_job_runs_total', { job: 'led', status: 'success' })).toBe(1);
    expect(m.value('tscron_job_runs_total', { job: 'led', status: 'skip' })).toBe(1);
    leads = true;
    await clock.advance('1m');
    expect((await scrape(monitor.registry)).value('tscron_leader')).toBe(1);
  });

  it('takes a prefix and buckets of its own', async () => {
    const monitor = new PrometheusMonitor({
      prefix: 'app_cron_',
      durationBuckets: [1, 10],
      latenessBuckets: [0.1],
    });
    const { clock, scheduler } = setup({ monitor });
    scheduler.newJob(durationJob('1m'), takes(clock, 5000), { name: 'x' });
    scheduler.start();
    await clock.advance('65s');
    const m = await scrape(monitor.registry);
    expect([...m.types.keys()].every((name) => name.startsWith('app_cron_'))).toBe(true);
    expect(m.types.size).toBe(9);
    expect(m.value('app_cron_job_runs_total', { job: 'x', status: 'success' })).toBe(1);
    expect(m.value('app_cron_job_duration_seconds_bucket', { job: 'x', le: 1 })).toBe(0);
    expect(m.value('app_cron_job_duration_seconds_bucket', { job: 'x', le: 10 })).toBe(1);
    expect(m.value('app_cron_job_lateness_seconds_bucket', { job: 'x', le: 0.1 })).toBe(1);
    expect(m.value('app_cron_job_lateness_seconds_bucket', { job: 'x', le: 0.5 })).toBeUndefined();
  });

  it('registers on the registry given, beside its other metrics; a second monitor there is a clear error', async () => {
    const registry = new Registry();
    const monitor = new PrometheusMonitor({ registry });
    expect(monitor.registry).toBe(registry);
    expect(() => new PrometheusMonitor({ registry })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringContaining('already has a metric named tscron_job_runs_total'),
      }),
    );
    // Another prefix on the same registry is fine.
    const other = new PrometheusMonitor({ registry, prefix: 'other_' });
    expect(other.registry).toBe(registry);
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toHaveLength(18);
    expect(new PrometheusMonitor().registry).not.toBe(register);
  });

  it('answers the registry as prom-client metrics do: one metric as text, JSON, OpenMetrics, a reset', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const monitor = new PrometheusMonitor({ registry, durationBuckets: [1, 5] });
    const { clock, scheduler } = setup({ monitor });
    scheduler.newJob(durationJob('1m'), takes(clock, 2000), { name: 'j' });
    scheduler.start();
    await clock.advance('63s');
    const text = await registry.getSingleMetricAsString('tscron_job_duration_seconds');
    expect(text.split('\n')).toEqual([
      '# HELP tscron_job_duration_seconds How long each run of a job took, from its task starting to its end (retries included).',
      '# TYPE tscron_job_duration_seconds histogram',
      'tscron_job_duration_seconds_bucket{le="1",job="j"} 0',
      'tscron_job_duration_seconds_bucket{le="5",job="j"} 1',
      'tscron_job_duration_seconds_bucket{le="+Inf",job="j"} 1',
      'tscron_job_duration_seconds_sum{job="j"} 2',
      'tscron_job_duration_seconds_count{job="j"} 1',
    ]);
    const json = await registry.getMetricsAsJSON();
    expect(json.find((metric) => metric.name === 'tscron_job_lateness_seconds')?.type).toBe('histogram');
    const open = await registry.metrics();
    expect(open.endsWith('# EOF\n')).toBe(true);
    expect(open).toContain('tscron_job_runs_total{job="j",status="success"} 1');
    // The monitor's metrics are read from its state at each scrape: a reset of the registry leaves them.
    registry.resetMetrics();
    const after = await scrape(registry);
    expect(after.value('tscron_job_duration_seconds_count', { job: 'j' })).toBe(1);
    expect(after.value('tscron_job_runs_total', { job: 'j', status: 'success' })).toBe(1);
  });

  it('rejects bad options with ERR_INVALID_OPTION naming the option', () => {
    const cases: [unknown, string][] = [
      [{ prefix: '1abc' }, '`prefix`'],
      [{ prefix: 'a-b' }, '`prefix`'],
      [{ prefix: 3 }, '`prefix`'],
      [{ registry: {} }, '`registry`'],
      [{ durationBuckets: [] }, '`durationBuckets`'],
      [{ durationBuckets: [1, 0.5] }, '`durationBuckets`'],
      [{ latenessBuckets: [0, 1] }, '`latenessBuckets`'],
      [{ latenessBuckets: [0.1, Number.POSITIVE_INFINITY] }, '`latenessBuckets`'],
      [{ latenessBuckets: 'fast' }, '`latenessBuckets`'],
      ['tscron_', 'options'],
    ];
    for (const [options, named] of cases) {
      let error: unknown;
      try {
        new PrometheusMonitor(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(isTscronError(error, 'ERR_INVALID_OPTION'), JSON.stringify(options)).toBe(true);
      expect((error as Error).message).toContain(named);
    }
  });
});
