// The guards: headers on every response, the bearer token, read-only, and CSRF on POSTs.
import { describe, expect, it } from 'vitest';
import { pageAssets } from '../src/generated/page-assets.js';
import { call, setup } from './support.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TOKEN = 's3cret-token';
const asset = Object.keys(pageAssets).find((path) => path.startsWith('assets/')) ?? 'assets/missing';

describe('response headers', () => {
  it('carry the strict CSP, nosniff and no-referrer on every response, errors included', async () => {
    const { dashboard, job } = setup({ token: TOKEN });
    const requests: Array<[string, RequestInit?]> = [
      ['/'],
      [`/${asset}`],
      ['/healthz'],
      ['/api/jobs'], // 401
      ['/api/jobs', { headers: { Authorization: `Bearer ${TOKEN}` } }],
      ['/nowhere'],
      [`/api/jobs/${job.id}/pause`, { headers: { Authorization: `Bearer ${TOKEN}` } }], // 405
    ];
    for (const [path, init] of requests) {
      const response = await call(dashboard, path, init);
      expect(response.headers.get('Content-Security-Policy'), path).toBe(CSP);
      expect(response.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
      expect(response.headers.get('Referrer-Policy'), path).toBe('no-referrer');
    }
  });

  it('serve index.html uncached and hashed assets for a year', async () => {
    const { dashboard } = setup();
    const page = await call(dashboard, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('Cache-Control')).toBe('no-cache');
    expect(await page.text()).toBe(pageAssets['index.html']?.body);
    const file = await call(dashboard, `/${asset}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('Content-Type')).toBe(pageAssets[asset]?.contentType);
    expect(file.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect((await call(dashboard, '/assets/nope.js')).status).toBe(404);
    expect((await call(dashboard, '/constructor')).status).toBe(404);
  });
});

describe('token', () => {
  it('is required, in constant time, on the API and the event stream', async () => {
    const { dashboard, job } = setup({ token: TOKEN });
    const cases: Array<[string, RequestInit]> = [
      ['/api/jobs', {}],
      ['/api/state', { headers: { Authorization: 'Bearer wrong' } }],
      ['/api/jobs', { headers: { Authorization: `Bearer ${TOKEN}x` } }],
      ['/api/jobs', { headers: { Authorization: TOKEN } }],
      ['/api/jobs', { headers: { Authorization: `Basic ${TOKEN}` } }],
      [`/api/events?token=${TOKEN}`, {}],
      [`/api/jobs/${job.id}/runs`, {}],
      [`/api/jobs/${job.id}/pause`, { method: 'POST' }],
    ];
    for (const [path, init] of cases) {
      const response = await call(dashboard, path, init);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
      expect(((await response.json()) as { error: string }).error).toContain('Authorization: Bearer');
    }
    expect(job.isPaused()).toBe(false);
    const authorized = { headers: { Authorization: `Bearer ${TOKEN}` } };
    expect((await call(dashboard, '/api/jobs', authorized)).status).toBe(200);
    expect(
      (await call(dashboard, `/api/jobs/${job.id}/pause`, { method: 'POST', ...authorized })).status,
    ).toBe(200);
  });

  it('is not asked for the health check, the page shell and its assets', async () => {
    const { dashboard } = setup({ token: TOKEN });
    for (const path of ['/healthz', '/', `/${asset}`]) {
      expect((await call(dashboard, path)).status, path).toBe(200);
    }
  });
});

describe('readOnly', () => {
  it('refuses every POST with 403 and still answers GETs', async () => {
    const { dashboard, job } = setup({ readOnly: true });
    for (const action of ['run', 'pause', 'resume']) {
      const response = await call(dashboard, `/api/jobs/${job.id}/${action}`, { method: 'POST' });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: 'The dashboard is read-only' });
    }
    expect(job.isPaused()).toBe(false);
    expect((await call(dashboard, '/api/jobs')).status).toBe(200);
    expect(await (await call(dashboard, '/api/state')).json()).toMatchObject({ readOnly: true });
  });
});

describe('CSRF', () => {
  it('refuses POSTs from another origin or site', async () => {
    const { dashboard, job } = setup();
    const path = `/api/jobs/${job.id}/pause`;
    for (const headers of [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: 'http://dashboard.test.evil.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ]) {
      const response = await call(dashboard, path, { method: 'POST', headers });
      expect(response.status, JSON.stringify(headers)).toBe(403);
    }
    expect(job.isPaused()).toBe(false);
    const same = await call(dashboard, path, {
      method: 'POST',
      headers: { Origin: 'http://dashboard.test' },
    });
    expect(same.status).toBe(200);
  });

  it('accepts no body or JSON, and refuses form and text bodies with 415', async () => {
    const { dashboard, job } = setup();
    const path = `/api/jobs/${job.id}/pause`;
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'a=1'],
      ['text/plain', '{}'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const response = await call(dashboard, path, {
        method: 'POST',
        headers: { 'Content-Type': type },
        body,
      });
      expect(response.status, type).toBe(415);
    }
    expect(job.isPaused()).toBe(false);
    const json = { 'Content-Type': 'application/json; charset=utf-8' };
    expect((await call(dashboard, path, { method: 'POST', headers: json, body: '{}' })).status).toBe(200);
    expect((await call(dashboard, `/api/jobs/${job.id}/resume`, { method: 'POST' })).status).toBe(200);
  });
});
