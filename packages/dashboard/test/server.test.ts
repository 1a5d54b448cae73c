// `listen`: a real HTTP server on a free port, the loopback rule, SSE over the network, close().
import { get as httpGet } from 'node:http';
import { isTscronError } from 'tscron';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardServer } from '../src/index.js';
import { readEvents, setup } from './support.js';

const servers: DashboardServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listening(...args: Parameters<typeof setup>) {
  const context = setup(...args);
  const server = await context.dashboard.listen({ port: 0 });
  servers.push(server);
  return { ...context, server };
}

describe('listen', () => {
  it('binds 127.0.0.1 by default and serves the page, the API and the health check', async () => {
    const { server, job } = await listening();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    expect((await fetch(new URL('healthz', server.url))).status).toBe(200);
    const jobs = (await (await fetch(new URL('api/jobs', server.url))).json()) as Array<{ id: string }>;
    expect(jobs.map((listed) => listed.id)).toEqual([job.id]);
  });

  it('without a token, refuses requests addressed to another host name (DNS rebinding)', async () => {
    const { server } = await listening();
    const { port } = new URL(server.url);
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const request = httpGet(
          { host: '127.0.0.1', port, path: '/api/jobs', headers: { host } },
          (response) => {
            response.resume();
            resolve(response.statusCode);
          },
        );
        request.on('error', reject);
      });
    expect(await statusFor(`attacker.example:${port}`)).toBe(421);
    expect(await statusFor(`localhost:${port}`)).toBe(200);
    expect(await statusFor(`127.0.0.1:${port}`)).toBe(200);
  });

  it('puts the base path in the url', async () => {
    const { server } = await listening({ basePath: '/cron' });
    expect(server.url).toMatch(/\/cron\/$/);
    expect((await fetch(new URL('api/state', server.url))).status).toBe(200);
  });

  it('refuses a non-loopback host without a token, naming the host', async () => {
    const { dashboard } = setup();
    const refused = await dashboard.listen({ port: 0, host: '0.0.0.0' }).catch((error: unknown) => error);
    expect(isTscronError(refused, 'ERR_INVALID_OPTION')).toBe(true);
    expect((refused as Error).message).toContain('"0.0.0.0"');
    for (const host of ['localhost', '::1', '127.0.0.2']) {
      const server = await dashboard.listen({ port: 0, host }).catch((error: unknown) => error);
      // A loopback host is never refused for want of a token (::1 may be missing on the machine).
      expect(isTscronError(server, 'ERR_INVALID_OPTION'), host).toBe(false);
      if (!(server instanceof Error)) servers.push(server as DashboardServer);
    }
  });

  it('serves any host with a token, and asks for the token over HTTP', async () => {
    const { dashboard } = setup({ token: 'tok' });
    const server = await dashboard.listen({ port: 0, host: '0.0.0.0' });
    servers.push(server);
    const api = new URL('api/jobs', server.url.replace('0.0.0.0', '127.0.0.1'));
    expect((await fetch(api)).status).toBe(401);
    expect((await fetch(api, { headers: { Authorization: 'Bearer tok' } })).status).toBe(200);
  });

  it('streams events over HTTP to fetch with the token header, and close() ends the stream', async () => {
    const { dashboard, job } = setup({ token: 'tok' });
    const server = await dashboard.listen({ port: 0 });
    const headers = { Authorization: 'Bearer tok' };
    const stream = await fetch(new URL('api/events', server.url), { headers });
    expect(stream.status).toBe(200);
    const reading = readEvents(stream, (events) =>
      events.some((e) => (e.data as { status?: string }).status === 'success'),
    );
    const run = await fetch(new URL(`api/jobs/${job.id}/run`, server.url), { method: 'POST', headers });
    expect(run.status).toBe(202);
    expect((await reading).map((e) => (e.data as { status: string }).status)).toEqual(['running', 'success']);

    const open = await fetch(new URL('api/events', server.url), { headers });
    const rest = open.text();
    await server.close();
    // The stream ends rather than holding close() or the client forever.
    expect(await rest).toContain(': connected');
  });

  it('unsubscribes when an HTTP client disconnects', async () => {
    const { dashboard, scheduler } = setup();
    let active = 0;
    const subscribe = scheduler.subscribe.bind(scheduler);
    scheduler.subscribe = (listener) => {
      active++;
      const unsubscribe = subscribe(listener);
      return () => {
        active--;
        unsubscribe();
      };
    };
    const server = await dashboard.listen({ port: 0 });
    servers.push(server);
    const controller = new AbortController();
    const stream = await fetch(new URL('api/events', server.url), { signal: controller.signal });
    expect(active).toBe(1);
    controller.abort();
    await stream.text().catch(() => {});
    // The server hears of the closed socket on its own schedule: poll, briefly.
    for (let i = 0; i < 200 && active > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(active).toBe(0);
  });

  it('validates its options', async () => {
    const { dashboard } = setup();
    for (const options of [{ port: -1 }, { port: 70_000 }, { port: 1.5 }, { port: 0, host: '' }]) {
      const error = await dashboard.listen(options).catch((caught: unknown) => caught);
      expect(isTscronError(error, 'ERR_INVALID_OPTION'), JSON.stringify(options)).toBe(true);
    }
  });
});
