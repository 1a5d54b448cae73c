import type { HistogramMetricData, SumMetricData } from '@opentelemetry/sdk-metrics';
import { openTelemetry } from '@tscron/otel';
import { durationJob, MemoryLocker } from 'tscron';
import { describe, expect, test } from 'vitest';
import { memoryMetrics, setup } from './otel-helpers.js';

describe('openTelemetry: run metrics', () => {
  test('counts runs by job and status, and records run durations in seconds on the scheduler clock', async () => {
    const { provider, collect } = memoryMetrics();
    const locker = new MemoryLocker();
    const { clock, scheduler } = setup({ monitor: openTelemetry({ meterProvider: provider }) });
    const other = setup({ clock, locker });
    let runs = 0;
    scheduler.newJob(
      durationJob('10s'),
      () =>
        new Promise<void>((resolve, reject) =>
          clock.setTimeout(() => (++runs === 2 ? reject(new Error('bad')) : resolve()), 1500),
        ),
      { name: 'slow', eventListeners: { afterJobRunsWithError: () => {} } },
    );
    // Overlaps itself: the second run is rescheduled.
    scheduler.newJob(
      durationJob('1s'),
      () => new Promise<void>((resolve) => clock.setTimeout(resolve, 1500)),
      {
        name: 'single',
        singletonMode: 'reschedule',
        limitedRuns: 2,
      },
    );
    // Another replica holds the occurrence: skipped here.
    other.scheduler.newJob(durationJob('1s'), () => {}, { name: 'claimed', limitedRuns: 1 });
    scheduler.newJob(durationJob('1s'), () => {}, { name: 'claimed', limitedRuns: 1, locker });
    other.scheduler.start();
    scheduler.start();
    await clock.advance('22s');

    const metrics = await collect();
    const counter = metrics.get('tscron.job.runs') as SumMetricData;
    expect(counter.descriptor).toMatchObject({ unit: '{run}' });
    expect(counter.isMonotonic).toBe(true);
    const counts = Object.fromEntries(
      counter.dataPoints.map((point) => [
        `${point.attributes['tscron.job.name']}/${point.attributes['tscron.run.status']}`,
        point.value,
      ]),
    );
    expect(counts).toEqual({
      'slow/success': 1,
      'slow/fail': 1,
      'single/singleton_rescheduled': 1,
      'single/success': 2,
      // Skipped runs do not count towards limitedRuns: the next occurrence is this replica's.
      'claimed/skip': 1,
      'claimed/success': 1,
    });

    const histogram = metrics.get('tscron.job.duration') as HistogramMetricData;
    expect(histogram.descriptor).toMatchObject({ unit: 's' });
    const durations = Object.fromEntries(
      histogram.dataPoints.map((point) => [
        point.attributes['tscron.job.name'],
        [point.value.count, point.value.sum],
      ]),
    );
    // By job only, as Prometheus's tscron_job_duration_seconds: 'slow' ran twice (one failed), 1.5 s
    // each on the fake clock; skipped runs have no duration.
    expect(durations).toEqual({ slow: [2, 3], single: [2, 3], claimed: [1, 0] });
    expect(histogram.dataPoints.map((point) => Object.keys(point.attributes))).toEqual(
      Array(3).fill(['tscron.job.name']),
    );
    // Buckets suited to jobs: seconds up to hours, not the SDK's millisecond defaults.
    const boundaries = histogram.dataPoints[0]?.value.buckets.boundaries;
    expect(boundaries?.[0]).toBe(0.001);
    expect(boundaries).toContain(3600);
    await Promise.all([scheduler.shutdown(), other.scheduler.shutdown()]);
  });
});
