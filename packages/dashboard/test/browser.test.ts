// The dashboard's page in a real headless Chromium, against a real server over a real scheduler.
// Chromium comes from Debian (scripts/install-browser.sh, run by `npm test`'s pretest); playwright-core
// only drives it. Without it the file skips locally, and fails under CI=true, where a skip would hide a
// broken page.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import {
  createScheduler,
  durationJob,
  MemoryFleet,
  MemoryLocker,
  MemoryRunHistory,
  type Scheduler,
  silentLogger,
} from 'tscron';
import { FakeClock } from 'tscron/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

if (!haveChromium && inCi) {
  describe('dashboard page in Chromium', () => {
    it('needs Chromium', () => {
      throw new Error(
        `${CHROMIUM} is missing: run scripts/install-browser.sh (CI must not skip the browser tests)`,
      );
    });
  });
} else if (!haveChromium) {
  describe.skip(`dashboard page in Chromium (skipped: ${CHROMIUM} is missing; run scripts/install-browser.sh)`, () => {
    it('is skipped', () => {});
  });
} else {
  pageTests();
}

interface Started {
  url: string;
  clock: FakeClock;
  scheduler: Scheduler;
  history: MemoryRunHistory;
  /** With `fleet`: replica web-2, beside the served web-1. */
  other?: Scheduler;
  close(): Promise<void>;
}

type JobSpec = { name: string; every?: string; tags?: string[]; fail?: boolean; takes?: number };

/**
 * A started scheduler on a fake clock, with `jobs` added, served by a dashboard on a free port. With
 * `fleet`, it is replica web-1 of a balanced MemoryFleet, and web-2 runs the same jobs beside it on
 * the same clock, locker and history (a shared history, as RedisRunHistory is across processes).
 */
async function serve(
  jobs: readonly JobSpec[],
  options: { token?: string; fleet?: boolean } = {},
): Promise<Started> {
  // Whole minutes from now: the header counts the last hour's failures against the real time.
  const clock = new FakeClock(Math.floor(Date.now() / 60_000) * 60_000);
  const history = new MemoryRunHistory();
  const shared = options.fleet
    ? { fleet: new MemoryFleet({ clock, balance: true }), locker: new MemoryLocker({ clock }) }
    : {};
  const make = (replica: string) => {
    const scheduler = createScheduler({
      clock,
      history,
      logger: silentLogger,
      timeZone: 'Europe/London',
      replica,
      ...shared,
    });
    addJobs(scheduler, clock, jobs);
    scheduler.start();
    return scheduler;
  };
  const scheduler = make('web-1');
  const other = options.fleet ? make('web-2') : undefined;
  const dashboard = createDashboard({
    scheduler,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const server = await dashboard.listen({ port: 0 });
  return {
    url: server.url,
    clock,
    scheduler,
    history,
    ...(other === undefined ? {} : { other }),
    close: async () => {
      await server.close();
      await Promise.all([scheduler.shutdown(), other?.shutdown()]);
    },
  };
}

function addJobs(scheduler: Scheduler, clock: FakeClock, jobs: readonly JobSpec[]): void {
  for (const job of jobs) {
    scheduler.newJob(
      durationJob(job.every ?? '1m'),
      async ({ signal }) => {
        // A run's duration, on the fake clock, so that the chart has something to show; shutdown ends it.
        const takes = job.takes ?? 0;
        if (takes > 0) {
          await new Promise((resolve) => {
            clock.setTimeout(() => resolve(undefined), takes);
            signal.addEventListener('abort', () => resolve(undefined), { once: true });
          });
        }
        if (job.fail) throw new Error(`${job.name} could not reach the database`);
      },
      { name: job.name, tags: job.tags ?? [] },
    );
  }
}

/** The runs the history holds for one job. */
async function runCount(started: Started, jobName: string): Promise<number> {
  return (await started.history.list({ jobName })).length;
}

function pageTests(): void {
  describe('dashboard page in Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      // launch() gives Chromium a fresh temporary user-data-dir of its own and deletes it on close;
      // each test then opens an isolated context (its own sessionStorage) in that one browser.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** A fresh page that records console errors, uncaught exceptions and dialogs. */
    async function open(url: string, options: BrowserContextOptions = {}) {
      const context = await browser.newContext({ colorScheme: 'light', ...options });
      const page = await context.newPage();
      const errors: string[] = [];
      const dialogs: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      return { page, errors, dialogs, close: () => context.close() };
    }

    const jobItem = (page: Page, name: string) =>
      page.locator('li.job').filter({ has: page.getByRole('button', { name, exact: true }) });

    it('lists the jobs with their schedule, zone and next runs, under a strict CSP', async () => {
      const started = await serve([
        { name: 'backup', tags: ['db'] },
        { name: 'report', every: '5m', tags: ['mail'] },
      ]);
      const { page, errors, close } = await open(started.url);
      try {
        const csp = (await page.request.get(started.url)).headers()['content-security-policy'] ?? '';
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self'");
        await expect.poll(() => page.locator('li.job').count()).toBe(2);
        const report = jobItem(page, 'report');
        await expect.poll(() => report.textContent()).toContain('every 5m');
        expect(await report.textContent()).toContain('Europe/London');
        expect(await report.locator('.next-runs li').count()).toBe(5);
        expect(await report.locator('.tags').textContent()).toBe('mail');
        // The search box narrows the list.
        await page.getByLabel('Search').fill('back');
        await expect.poll(() => page.locator('li.job').count()).toBe(1);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('shows a run started with Run now in the open history, live', async () => {
      const started = await serve([{ name: 'backup' }, { name: 'flaky', fail: true }]);
      const { page, errors, close } = await open(started.url);
      try {
        const flaky = jobItem(page, 'flaky');
        await flaky.getByRole('button', { name: 'flaky' }).press('Enter');
        await expect.poll(() => flaky.textContent()).toContain('No runs recorded yet');
        await flaky.getByRole('button', { name: 'Run now' }).click();
        await expect.poll(() => flaky.locator('tr.run').count()).toBe(1);
        await expect
          .poll(() => flaky.locator('tr.run').first().textContent())
          .toContain('could not reach the database');
        expect(await flaky.locator('tr.run .badge').first().textContent()).toBe('failed');
        // A scheduled run arrives over the event stream too, with no reload.
        await started.clock.advance('1m');
        await expect.poll(() => flaky.locator('tr.run').count()).toBe(2);
        expect(await flaky.locator('svg rect.bar').count()).toBe(2);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('pauses a job: it shows as paused and stops firing, and resumes', async () => {
      const started = await serve([{ name: 'ticker' }]);
      const { page, errors, close } = await open(started.url);
      try {
        const ticker = jobItem(page, 'ticker');
        await started.clock.advance('1m');
        await expect.poll(() => runCount(started, 'ticker')).toBe(1);
        await ticker.getByRole('button', { name: 'Pause' }).click();
        await expect.poll(() => ticker.locator('.badge.state-paused').count()).toBe(1);
        expect(started.scheduler.jobs()[0]?.isPaused()).toBe(true);
        await started.clock.advance('5m');
        expect(await runCount(started, 'ticker')).toBe(1);
        await ticker.getByRole('button', { name: 'Resume' }).click();
        await expect.poll(() => ticker.locator('.badge.state-paused').count()).toBe(0);
        await started.clock.advance('1m');
        await expect.poll(() => runCount(started, 'ticker')).toBe(2);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('with a fleet: lists the replicas, shows who ran each run, and pauses on every replica', async () => {
      const started = await serve([{ name: 'ticker' }], { fleet: true });
      const { page, errors, close } = await open(started.url);
      try {
        const replicas = page.getByRole('region', { name: 'Live replicas' });
        await expect.poll(() => replicas.locator('tr.replica').count()).toBe(2);
        expect(await replicas.locator('tr.is-self').textContent()).toMatch(/web-1\s*this replica/);
        // Balanced over both replicas, and listed from the shared history, each run with its replica.
        for (let minute = 0; minute < 6; minute++) await started.clock.advance('1m');
        await started.clock.advance('2s');
        const ticker = jobItem(page, 'ticker');
        await ticker.getByRole('button', { name: 'ticker' }).click();
        await expect.poll(() => ticker.locator('tr.run').count()).toBe(6);
        const ranOn = await ticker.locator('td.run-replica .replica-name').allTextContents();
        expect(new Set(ranOn)).toEqual(new Set(['web-1', 'web-2']));
        await ticker.getByRole('button', { name: 'Pause' }).click();
        await expect.poll(() => ticker.locator('.badge.state-fleet-paused').count()).toBe(1);
        expect(started.scheduler.jobs()[0]?.isPaused()).toBe(true);
        await started.clock.advance('5s'); // web-2's next heartbeat
        expect(started.other?.jobs()[0]?.isPaused()).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('asks for the token: a wrong one is refused, the right one opens the page', async () => {
      const started = await serve([{ name: 'backup' }], { token: 'right-token' });
      const { page, errors, close } = await open(started.url);
      try {
        const field = page.getByLabel('Token');
        await field.waitFor();
        expect(await page.locator('li.job').count()).toBe(0);
        await field.fill('wrong-token');
        await page.getByRole('button', { name: 'Open dashboard' }).click();
        await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
        await field.fill('right-token');
        await page.getByRole('button', { name: 'Open dashboard' }).click();
        await expect.poll(() => page.locator('li.job').count()).toBe(1);
        // Live updates carry the token too.
        await started.clock.advance('1m');
        await expect.poll(() => jobItem(page, 'backup').locator('.last-run').count()).toBe(1);
        // The browser reports each refused request; nothing else may go wrong.
        expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('renders a job name that looks like markup as text, and nothing runs', async () => {
      const name = '<img src=x onerror=alert(1)>';
      const started = await serve([{ name, tags: ['<b>tag</b>'] }]);
      const { page, errors, dialogs, close } = await open(started.url);
      try {
        await expect.poll(() => page.getByRole('button', { name, exact: true }).count()).toBe(1);
        expect(await page.locator('li.job img, li.job b').count()).toBe(0);
        expect(await page.locator('li.job .tags').textContent()).toBe('<b>tag</b>');
        expect(dialogs).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    it('fits a 375 px wide phone without sideways scrolling, history open', async () => {
      const started = await serve([
        {
          name: 'a-job-with-a-rather-long-name-that-has-to-wrap-somewhere',
          tags: ['nightly', 'db', 'billing'],
        },
      ]);
      const { page, errors, close } = await open(started.url, {
        viewport: { width: 375, height: 740 },
        isMobile: true,
        hasTouch: true,
      });
      try {
        await started.clock.advance('2m');
        const button = page.locator('li.job button.link');
        await button.click();
        await expect.poll(() => page.locator('tr.run').count()).toBe(2);
        const scroll = await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]');
        const [width, viewport] = scroll as [number, number];
        expect(width).toBeLessThanOrEqual(viewport);
        expect(errors).toEqual([]);
      } finally {
        await close();
        await started.close();
      }
    });

    // Always taken, so that the README's picture can be remade by the same steps: into the repository
    // with UPDATE_SCREENSHOT=1, else into a scratch folder (a test run leaves the tree clean).
    it('takes the screenshot of the README (docs/images/dashboard.png with UPDATE_SCREENSHOT=1)', async () => {
      const started = await serve(
        [
          { name: 'backup-database', every: '1h', tags: ['db', 'nightly'], takes: 95_000 },
          { name: 'send-digest', every: '5m', tags: ['mail'], takes: 1_800 },
          { name: 'sync-invoices', every: '15m', tags: ['billing'], fail: true, takes: 4_000 },
          { name: 'purge-sessions', every: '1m', tags: ['cleanup'], takes: 300 },
        ],
        { fleet: true },
      );
      const { page, close } = await open(started.url, { viewport: { width: 1100, height: 1000 } });
      try {
        for (let minute = 0; minute < 60; minute++) await started.clock.advance('1m');
        await started.clock.advance('30s'); // the short runs end; the long backup is still running
        const digest = jobItem(page, 'send-digest');
        await digest.getByRole('button', { name: 'send-digest' }).click();
        await expect.poll(() => digest.locator('tr.run').count()).toBeGreaterThan(3);
        await page.getByRole('button', { name: 'Pause' }).nth(3).click();
        await expect.poll(() => page.locator('.badge.state-fleet-paused').count()).toBe(1);
        await expect.poll(() => page.locator('tr.replica').count()).toBe(2);
        // The list is re-read at most once a second after events: wait for the read after the last runs.
        const next = started.scheduler.jobs()[1]?.nextRun()?.toISOString();
        await expect
          .poll(() => digest.locator('.next-runs time').first().getAttribute('datetime'))
          .toBe(next);
        const path =
          process.env.UPDATE_SCREENSHOT === '1'
            ? join(repoRoot, 'docs', 'images', 'dashboard.png')
            : join(mkdtempSync(join(tmpdir(), 'tscron-screenshot-')), 'dashboard.png');
        mkdirSync(dirname(path), { recursive: true });
        await page.screenshot({ path, fullPage: true });
        const png = readFileSync(path);
        expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
        expect(png.length).toBeGreaterThan(20_000);
      } finally {
        await close();
        await started.close();
      }
    });
  });
}
