// `tscron run --metrics`: the CLI's jobs as Prometheus metrics over HTTP, scraped from the built binary.
import { describe, expect, it } from 'vitest';
import { parseExposition, type Scrape } from '../../prometheus/test/exposition.js';
import { Running, scratch, tscron, write } from './helpers.js';

const dir = scratch();

describe.concurrent('tscron run --metrics', { timeout: 30_000 }, () => {
  it('serves /metrics with the runs of the jobs, and nothing else', async () => {
    const file = write(
      dir,
      'metrics.yaml',
      `jobs:
  - { name: hello, once: immediately, run: 'echo hello' }
  - { name: broken, once: immediately, run: 'exit 3' }
  - { name: hourly, cron: "0 * * * *", run: 'true' }
`,
    );
    const run = new Running(['run', file, '--metrics', '0']);
    const [, url] = await run.waitFor(/metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    let scrape: Scrape | undefined;
    let response: Response | undefined;
    for (let i = 0; i < 100; i++) {
      response = await fetch(url as string);
      scrape = parseExposition(await response.text());
      const done = (job: string, status: string) =>
        scrape?.value('tscron_job_runs_total', { job, status }) === 1;
      if (done('hello', 'success') && done('broken', 'fail')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = scrape as Scrape;
    expect(m.value('tscron_job_runs_total', { job: 'hello', status: 'success' })).toBe(1);
    expect(m.value('tscron_job_runs_total', { job: 'broken', status: 'fail' })).toBe(1);
    expect(m.value('tscron_job_runs_total', { job: 'hourly', status: 'success' })).toBe(0);
    expect(m.value('tscron_job_duration_seconds_count', { job: 'hello' })).toBe(1);
    expect(m.value('tscron_job_last_success_timestamp_seconds', { job: 'hello' })).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    // The file's three jobs, as the scheduler lists them; the hourly one with its next run.
    expect(m.value('tscron_jobs')).toBe(3);
    const next = m.value('tscron_job_next_run_timestamp_seconds', { job: 'hourly' }) as number;
    expect(next % 3600).toBe(0);
    expect(next * 1000 - Date.now()).toBeGreaterThan(0);
    expect(next * 1000 - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(m.value('tscron_leader')).toBe(0);

    const head = await fetch(url as string, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const root = new URL('/', url).href;
    expect((await fetch(root)).status).toBe(404);
    const post = await fetch(url as string, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');

    // A second run on the same port fails before it starts its jobs.
    const taken = await tscron(['run', file, '--metrics', new URL(url as string).port]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('EADDRINUSE');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
