// The routes of the dashboard: the page, the JSON API and the event stream, under the base path.
import { Hono } from 'hono';
import { isTscronError, type Scheduler } from 'tscron';
import type { EventStreams } from './event-stream.js';
import type { Fleets } from './fleets.js';
import type { Histories } from './histories.js';
import { allJobs, findJob, type HeldJob, jobJson } from './job-json.js';
import type { DashboardConfig } from './options.js';
import { pageAsset } from './page.js';
import { parseRunsQuery } from './query.js';
import { failure, json } from './responses.js';
import { requireToken, sameOriginJson, securityHeaders } from './security.js';
import { stateJson } from './state.js';

/** The actions a POST may take on a job, and the status of their success. */
const ACTIONS: Readonly<
  Record<string, { status: 200 | 202; apply: (held: HeldJob, fleets: Fleets) => Promise<void> | void }>
> = {
  run: { status: 202, apply: ({ job }) => job.runNow() },
  // With a fleet, pause and resume are fleet-wide.
  pause: { status: 200, apply: ({ job, scheduler }, fleets) => fleets.pause(scheduler, job) },
  resume: { status: 200, apply: ({ job, scheduler }, fleets) => fleets.resume(scheduler, job) },
};

/** Errors of a fleet's server: the request was fine, the server behind it is not. */
const UNAVAILABLE = new Set(['ERR_LOCK_BACKEND_FAILED', 'ERR_LOCK_TIMEOUT']);

/** Methods that change nothing; the rest pass the CSRF checks. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const methodNotAllowed = (allow: string) =>
  failure(405, `Method not allowed; use ${allow}`, { Allow: allow === 'GET' ? 'GET, HEAD' : allow });

export function dashboardRoutes(
  config: DashboardConfig,
  histories: Histories,
  fleets: Fleets,
  streams: EventStreams,
): Hono {
  const { schedulers, basePath: base, token, readOnly } = config;
  const app = new Hono();
  const jobFor = async (held: HeldJob) =>
    jobJson(
      held,
      histories.of(held.scheduler),
      (await fleets.pausedNames(held.scheduler)).has(held.job.name),
    );
  /** Every job; each fleet's paused names read once for the whole list. */
  const jobList = async () => {
    const held = allJobs(schedulers);
    const paused = new Map<Scheduler, ReadonlySet<string>>();
    await Promise.all(
      schedulers.map(async (scheduler) => paused.set(scheduler, await fleets.pausedNames(scheduler))),
    );
    return Promise.all(
      held.map((one) =>
        jobJson(one, histories.of(one.scheduler), paused.get(one.scheduler)?.has(one.job.name) === true),
      ),
    );
  };

  app.use('*', securityHeaders);
  app.notFound(() => failure(404, 'Not found'));
  app.onError((error) =>
    // A TscronError's message is written for users; anything else may hold internals.
    failure(500, isTscronError(error) ? error.message : 'Internal error'),
  );

  app.get(`${base}/healthz`, () => json({ status: 'ok' }));
  app.all(`${base}/healthz`, () => methodNotAllowed('GET'));

  if (token !== undefined) app.use(`${base}/api/*`, requireToken(token));
  app.use(`${base}/api/*`, (c, next) => (SAFE_METHODS.has(c.req.method) ? next() : sameOriginJson(c, next)));

  app.get(`${base}/api/jobs`, async () => json(await jobList()));
  app.all(`${base}/api/jobs`, () => methodNotAllowed('GET'));

  app.get(`${base}/api/state`, async () => json(await stateJson(schedulers, histories, fleets, readOnly)));
  app.all(`${base}/api/state`, () => methodNotAllowed('GET'));

  app.get(`${base}/api/replicas`, async () => {
    try {
      return json(await fleets.replicas());
    } catch (error) {
      return fleetFailure(error);
    }
  });
  app.all(`${base}/api/replicas`, () => methodNotAllowed('GET'));

  app.get(`${base}/api/events`, (c) => streams.open(c.req.raw.signal));
  app.all(`${base}/api/events`, () => methodNotAllowed('GET'));

  app.get(`${base}/api/jobs/:id/runs`, async (c) => {
    const held = findJob(schedulers, c.req.param('id'));
    if (held === undefined) return unknownJob(c.req.param('id'));
    const query = parseRunsQuery(c.req.query('limit'), c.req.query('before'));
    if ('error' in query) return failure(400, query.error);
    const runs = await histories.of(held.scheduler).list({ jobName: held.job.name, ...query });
    return json(runs);
  });
  app.all(`${base}/api/jobs/:id/runs`, () => methodNotAllowed('GET'));

  app.post(`${base}/api/jobs/:id/:action{run|pause|resume}`, async (c) => {
    if (readOnly) return failure(403, 'The dashboard is read-only');
    const held = findJob(schedulers, c.req.param('id'));
    if (held === undefined) return unknownJob(c.req.param('id'));
    const action = ACTIONS[c.req.param('action')];
    if (action === undefined) return failure(404, 'Not found');
    try {
      await action.apply(held, fleets);
    } catch (error) {
      if (isTscronError(error) && UNAVAILABLE.has(error.code)) return fleetFailure(error);
      // runNow on a stopped scheduler, a removed job: the request was fine, the state is not.
      if (isTscronError(error)) return failure(409, error.message);
      throw error;
    }
    return json(await jobFor(held), action.status);
  });
  app.all(`${base}/api/jobs/:id/:action{run|pause|resume}`, () => methodNotAllowed('POST'));

  app.all(`${base}/api/*`, () => failure(404, 'Not found'));

  // The page: relative URLs in it resolve against `<base>/`, so the bare base path redirects there.
  if (base !== '') app.get(base, () => redirect(`${base}/`));
  app.get(`${base}/*`, (c) => pageAsset(c.req.path.slice(base.length + 1)) ?? failure(404, 'Not found'));

  return app;
}

/** A fleet's server failed: 503 with the fleet's message (a TscronError's is written for users). */
function fleetFailure(error: unknown): Response {
  if (!isTscronError(error)) throw error;
  return failure(503, `The fleet's server failed: ${error.message}`);
}

function unknownJob(id: string): Response {
  return failure(404, `No job with id ${JSON.stringify(id)}`);
}

function redirect(location: string): Response {
  return new Response(null, { status: 308, headers: { Location: location } });
}
