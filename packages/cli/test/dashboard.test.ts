// `tscron run --dashboard`: the CLI's jobs and their run history, output tail included, over HTTP.
import { describe, expect, it } from 'vitest';
import { Running, scratch, tscron, write } from './helpers.js';

const dir = scratch();

interface JobJson {
  id: string;
  name: string;
  lastRun: { status: string; output?: string; replica: string } | null;
}

describe.concurrent('tscron run --dashboard', { timeout: 30_000 }, () => {
  it("serves the jobs and each run's record with the tail of its output, behind a token", async () => {
    const file = write(
      dir,
      'dash.yaml',
      `jobs:
  - { name: hello, once: immediately, run: 'echo "hello from $TSCRON_JOB"' }
  - { name: hourly, cron: "0 * * * *", run: 'true' }
`,
    );
    const run = new Running(['run', file, '--dashboard', '0', '--replica', 'r1'], {
      env: { TSCRON_DASHBOARD_TOKEN: 'secret-token' },
    });
    const [, url] = await run.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    await run.waitFor(/\[hello\] hello from hello/);
    expect((await fetch(`${url}api/jobs`)).status).toBe(401);
    const headers = { authorization: 'Bearer secret-token' };
    let jobs: JobJson[] = [];
    for (let i = 0; i < 50; i++) {
      jobs = (await (await fetch(`${url}api/jobs`, { headers })).json()) as JobJson[];
      if (jobs.find((job) => job.name === 'hello')?.lastRun?.status === 'success') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(jobs.map((job) => job.name).sort()).toEqual(['hello', 'hourly']);
    const hello = jobs.find((job) => job.name === 'hello');
    expect(hello?.lastRun).toMatchObject({ status: 'success', replica: 'r1', output: 'hello from hello\n' });
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a bad address or a token without --dashboard, as usage errors', async () => {
    const file = write(dir, 'bad.crontab', '* * * * * true\n');
    const bad = await tscron(['run', file, '--dashboard', 'localhost:99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--dashboard must be [HOST:]PORT with a port from 0 to 65535, got "localhost:99999"',
    );
    const lone = await tscron(['run', file, '--dashboard-token', 't']);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain('--dashboard-token needs --dashboard');
  });

  it('will not serve on a public address without a token', async () => {
    const file = write(dir, 'public.crontab', '0 * * * * true\n');
    const result = await tscron(['run', file, '--dashboard', '0.0.0.0:0']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/0\.0\.0\.0/);
  });
});
