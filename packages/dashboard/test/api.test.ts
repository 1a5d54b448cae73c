// The JSON API over `fetch` mounted directly: shapes, status codes, paging, actions, several schedulers.
import { createScheduler, MemoryRunHistory } from 'tscron';
import { FakeClock } from 'tscron/testing';
import { describe, expect, it } from 'vitest';
import { createDashboard, type JobJson } from '../src/index.js';
import { call, flush, setup } from './support.js';

const JSON_POST = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };

describe('GET api/jobs', () => {
  it('lists each job with its schedule, next five runs, last run and state', async () => {
    const { dashboard, job, clock } = setup();
    const response = await call(dashboard, '/api/jobs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
    const [listed] = (await response.json()) as JobJson[];
    const first = Math.ceil((clock.now() + 1) / 300_000) * 300_000;
    expect(listed).toEqual({
      id: job.id,
      name: 'report',
      tags: ['daily'],
      schedule: { kind: 'cron', text: '*/5 * * * *', timeZone: 'UTC' },
      description: 'every 5 minutes',
      nextRuns: [0, 1, 2, 3, 4].map((i) => new Date(first + i * 300_000).toISOString()),
      dstShifted: [false, false, false, false, false],
      lastRun: null,
      paused: false,
      fleetPaused: false,
      running: false,
      replica: 'replica-a',
    });
  });

  it('returns names and tags that look like markup verbatim, as JSON strings', async () => {
    const { dashboard, scheduler } = setup();
    const name = '<img src=x onerror=alert(1)>';
    scheduler.newJob({ kind: 'duration', every: 60_000 }, () => {}, { name, tags: ['<script>x</script>'] });
    const response = await call(dashboard, '/api/jobs');
    const text = await response.text();
    expect(text).toContain(JSON.stringify(name));
    const jobs = JSON.parse(text) as JobJson[];
    expect(jobs[1]?.name).toBe(name);
    expect(jobs[1]?.tags).toEqual(['<script>x</script>']);
  });

  it('marks next runs within an hour after a daylight saving change in the job zone', async () => {
    // Berlin moves from +01:00 to +02:00 at 2026-03-29T01:00:00Z; 03:30 that morning is 01:30Z.
    const clock = new FakeClock(Date.UTC(2026, 2, 28, 12));
    const scheduler = createScheduler({ clock, timeZone: 'Europe/Berlin' });
    scheduler.newJob({ kind: 'cron', expression: '30 3 * * *', withSeconds: false }, () => {}, {
      name: 'dst',
    });
    scheduler.start();
    const [job] = (await (await call(createDashboard({ scheduler }), '/api/jobs')).json()) as JobJson[];
    expect(job?.schedule.timeZone).toBe('Europe/Berlin');
    expect(job?.nextRuns[0]).toBe('2026-03-29T01:30:00.000Z');
    expect(job?.dstShifted).toEqual([true, false, false, false, false]);
  });

  it("takes a cron's TZ= prefix as the job's zone", async () => {
    const { dashboard, scheduler } = setup();
    scheduler.newJob({ kind: 'cron', expression: 'TZ=Asia/Tokyo 0 9 * * 1-5', withSeconds: false }, () => {});
    const jobs = (await (await call(dashboard, '/api/jobs')).json()) as JobJson[];
    expect(jobs[1]?.schedule).toEqual({
      kind: 'cron',
      text: 'TZ=Asia/Tokyo 0 9 * * 1-5',
      timeZone: 'Asia/Tokyo',
    });
    expect(jobs[1]?.description).toBe('at 09:00, on Monday through Friday');
  });
});

describe('GET api/jobs/:id/runs', () => {
  it('lists runs newest first, with limit and before for paging', async () => {
    const { dashboard, job, clock } = setup();
    await clock.advance('20m');
    await flush();
    const runs = (await (await call(dashboard, `/api/jobs/${job.id}/runs`)).json()) as Array<{
      startedAt: string;
      status: string;
    }>;
    expect(runs).toHaveLength(4);
    expect(runs.every((run) => run.status === 'success')).toBe(true);
    const starts = runs.map((run) => Date.parse(run.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const page = (await (await call(dashboard, `/api/jobs/${job.id}/runs?limit=2`)).json()) as typeof runs;
    expect(page.map((run) => run.startedAt)).toEqual(runs.slice(0, 2).map((run) => run.startedAt));
    const before = encodeURIComponent(page[1]?.startedAt ?? '');
    const next = (await (
      await call(dashboard, `/api/jobs/${job.id}/runs?limit=2&before=${before}`)
    ).json()) as typeof runs;
    expect(next.map((run) => run.startedAt)).toEqual(runs.slice(2, 4).map((run) => run.startedAt));
  });

  it('fills lastRun of the job from the history', async () => {
    const { dashboard, job } = setup();
    await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    await flush();
    const [listed] = (await (await call(dashboard, '/api/jobs')).json()) as JobJson[];
    expect(listed?.lastRun).toMatchObject({
      jobId: job.id,
      jobName: 'report',
      status: 'success',
      replica: 'replica-a',
    });
  });

  it.each([
    ['limit=0', '"0"'],
    ['limit=-3', '"-3"'],
    ['limit=abc', '"abc"'],
    ['limit=1.5', '"1.5"'],
    ['before=yesterday', '"yesterday"'],
    ['before=2026-13-45T00:00:00Z', '"2026-13-45T00:00:00Z"'],
    ['before=2026-01-01', '"2026-01-01"'],
  ])('answers 400 naming the bad value for %s', async (query, named) => {
    const { dashboard, job } = setup();
    const response = await call(dashboard, `/api/jobs/${job.id}/runs?${query}`);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toContain(named);
    expect(error).toContain(query.split('=')[0]);
  });

  it('answers 404 JSON for an unknown job', async () => {
    const { dashboard } = setup();
    for (const path of ['/api/jobs/nope/runs']) {
      const response = await call(dashboard, path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'No job with id "nope"' });
    }
    const action = await call(dashboard, '/api/jobs/nope/pause', { method: 'POST' });
    expect(action.status).toBe(404);
    expect(((await action.json()) as { error: string }).error).toContain('"nope"');
  });
});

describe('actions', () => {
  it('pauses and resumes a job, returning the updated job', async () => {
    const { dashboard, job } = setup();
    const paused = await call(dashboard, `/api/jobs/${job.id}/pause`, JSON_POST);
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as JobJson).paused).toBe(true);
    expect(job.isPaused()).toBe(true);
    const resumed = await call(dashboard, `/api/jobs/${job.id}/resume`, { method: 'POST' });
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as JobJson).paused).toBe(false);
    expect(job.isPaused()).toBe(false);
  });

  it('runs a job now with 202', async () => {
    let runs = 0;
    const { dashboard, scheduler } = setup();
    const job = scheduler.newJob({ kind: 'duration', every: 3_600_000 }, () => void runs++, { name: 'now' });
    const response = await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(((await response.json()) as JobJson).id).toBe(job.id);
    await flush();
    expect(runs).toBe(1);
  });

  it('answers 409 when the scheduler cannot run the job now', async () => {
    const { dashboard, scheduler, job } = setup();
    await scheduler.stopJobs();
    const response = await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toContain('not started');
  });

  it('changes nothing over GET: action routes answer 405 with Allow: POST', async () => {
    const { dashboard, job } = setup();
    for (const action of ['run', 'pause', 'resume']) {
      const response = await call(dashboard, `/api/jobs/${job.id}/${action}`);
      expect(response.status).toBe(405);
      expect(response.headers.get('Allow')).toBe('POST');
    }
    expect(job.isPaused()).toBe(false);
    expect((await call(dashboard, '/api/jobs', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 404 JSON for an unknown API route', async () => {
    const { dashboard, job } = setup();
    for (const path of ['/api/nope', `/api/jobs/${job.id}/explode`]) {
      const response = await call(dashboard, path, { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Not found' });
    }
  });
});

describe('GET api/state', () => {
  it('counts jobs, running runs and the last hour of failures', async () => {
    const { dashboard, scheduler } = setup();
    const failing = scheduler.newJob(
      { kind: 'duration', every: 3_600_000 },
      () => {
        throw new Error('boom');
      },
      { name: 'failing' },
    );
    await failing.runNow();
    await flush();
    const state = await (await call(dashboard, '/api/state')).json();
    expect(state).toEqual({
      started: true,
      jobs: 2,
      running: 0,
      failuresLastHour: 1,
      replica: 'replica-a',
      readOnly: false,
      fleet: null,
      schedulers: [{ replica: 'replica-a', timeZone: 'UTC', started: true, jobs: 2, running: 0 }],
    });
  });
});

describe('history', () => {
  it("reads the scheduler's own history and does not record into it twice", async () => {
    const history = new MemoryRunHistory();
    const { dashboard, job } = setup({}, { history });
    await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    await flush();
    expect(await history.list({})).toHaveLength(1);
    expect(await (await call(dashboard, `/api/jobs/${job.id}/runs`)).json()).toHaveLength(1);
  });

  it('records into the history option when the scheduler does not', async () => {
    const history = new MemoryRunHistory();
    const { dashboard, job } = setup({ history });
    await call(dashboard, `/api/jobs/${job.id}/run`, { method: 'POST' });
    await flush();
    expect(await history.list({ jobName: 'report' })).toMatchObject([{ status: 'success' }]);
  });
});

describe('errors', () => {
  it('answers 500 JSON, without internals and with the security headers, when the store fails', async () => {
    const history = {
      record: async () => {},
      list: async () => {
        throw new Error('connection to db-7.internal refused');
      },
    };
    const { dashboard } = setup({ history });
    const response = await call(dashboard, '/api/jobs');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'Internal error' });
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
  });
});

describe('several schedulers', () => {
  it('lists the jobs of all, acts on each, and sums the state', async () => {
    const clock = new FakeClock();
    const a = createScheduler({ clock, timeZone: 'UTC', replica: 'a' });
    const b = createScheduler({ clock, timeZone: 'UTC', replica: 'b' });
    a.newJob({ kind: 'duration', every: 60_000 }, () => {}, { name: 'one' });
    const two = b.newJob({ kind: 'duration', every: 60_000 }, () => {}, { name: 'two' });
    a.start();
    const dashboard = createDashboard({ scheduler: [a, b] });
    const jobs = (await (await call(dashboard, '/api/jobs')).json()) as JobJson[];
    expect(jobs.map((job) => [job.name, job.replica])).toEqual([
      ['one', 'a'],
      ['two', 'b'],
    ]);
    expect((await call(dashboard, `/api/jobs/${two.id}/pause`, { method: 'POST' })).status).toBe(200);
    expect(two.isPaused()).toBe(true);
    const state = (await (await call(dashboard, '/api/state')).json()) as { started: boolean; jobs: number };
    expect(state).toMatchObject({ started: false, jobs: 2 });
  });
});

describe('basePath', () => {
  it('serves page, API and health check under it, and nothing outside it', async () => {
    const { dashboard } = setup({ basePath: '/ops/cron/' });
    const bare = await call(dashboard, '/ops/cron');
    expect(bare.status).toBe(308);
    expect(bare.headers.get('Location')).toBe('/ops/cron/');
    expect((await call(dashboard, '/ops/cron/')).headers.get('Content-Type')).toMatch(/^text\/html/);
    expect((await call(dashboard, '/ops/cron/api/jobs')).status).toBe(200);
    expect((await call(dashboard, '/ops/cron/healthz')).status).toBe(200);
    for (const outside of ['/api/jobs', '/healthz', '/', '/ops/cronx/api/jobs']) {
      expect((await call(dashboard, outside)).status).toBe(404);
    }
  });
});
