// The dashboard with 1,000 jobs, in headless Chromium: first view of the page (navigation start to
// the job list painted), `GET api/jobs` latency, and how soon a run's end reaches the page over the
// event stream. Prints a markdown table. Needs /usr/bin/chromium (scripts/install-browser.sh).
// Run after `npm run build`: node bench/dashboard.mjs [--loads N] [--requests N] [--events N]
import { existsSync } from 'node:fs';
import { createDashboard } from '@tscron/dashboard';
import { chromium } from 'playwright-core';
import { createScheduler, cronJob, durationJob, MemoryRunHistory, silentLogger } from 'tscron';
import { option } from './settings.mjs';

const JOBS = 1000;
const LOADS = option('loads', 5);
const REQUESTS = option('requests', 200);
const EVENTS = option('events', 50);
const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: run scripts/install-browser.sh`);
  process.exit(1);
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const ms = (value) => `${value.toFixed(1)} ms`;

// 1,000 jobs that will not fire during the run (hourly and slower), each with one past run recorded,
// so that every row shows a last run, tags and five next runs, as a real deployment would.
const history = new MemoryRunHistory();
const scheduler = createScheduler({
  history,
  logger: silentLogger,
  timeZone: 'Europe/London',
  replica: 'bench-1',
});
const now = Date.now();
for (let i = 0; i < JOBS; i++) {
  const definition = i % 2 === 0 ? cronJob(`${i % 60} ${i % 24} * * *`) : durationJob(3_600_000 + i * 1000);
  const job = scheduler.newJob(definition, () => {}, {
    name: `job-${i}`,
    tags: [`team-${i % 7}`, i % 3 ? 'nightly' : 'hourly'],
  });
  await history.record({
    jobId: job.id,
    jobName: job.name,
    scheduledAt: new Date(now - 60_000),
    startedAt: new Date(now - 59_990),
    endedAt: new Date(now - 59_000),
    status: i % 17 === 0 ? 'fail' : 'success',
    replica: 'bench-1',
    ...(i % 17 === 0 ? { error: 'exit code 1' } : {}),
  });
}
// The probe: its runs are started from here, and each run's end is timed against the page seeing it.
let endedAt = 0;
const probe = scheduler.newJob(
  durationJob('24h'),
  () => {
    endedAt = Date.now();
  },
  { name: 'probe' },
);
scheduler.start();
const server = await createDashboard({ scheduler }).listen({ port: 0 });

const browser = await chromium.launch({
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

// In the page, before its own script: note when the list's first jobs, then all of them, are on screen
// (the next task after requestAnimationFrame runs once that frame has been painted). performance.now()
// counts from the navigation's start.
const paintProbe = `(() => {
  const total = ${JOBS + 1};
  const painted = (name) => requestAnimationFrame(() => setTimeout(() => { window[name] = performance.now(); }, 0));
  let first = false;
  const observer = new MutationObserver(() => {
    const count = document.querySelectorAll('li.job').length;
    if (count > 0 && !first) { first = true; painted('__firstPainted'); }
    if (count < total) return;
    observer.disconnect();
    painted('__listPainted');
  });
  observer.observe(document, { childList: true, subtree: true });
})()`;

// 1. First view, each in a fresh context (cold cache), on a laptop-sized screen.
const firstViews = [];
const fullLists = [];
for (let i = 0; i < LOADS; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(paintProbe);
  await page.goto(server.url);
  await page.waitForFunction(() => window.__listPainted !== undefined, undefined, { timeout: 30_000 });
  firstViews.push(await page.evaluate('window.__firstPainted'));
  fullLists.push(await page.evaluate('window.__listPainted'));
  await context.close();
}

// 2. GET api/jobs from Node, sequentially, over keep-alive.
const jobsUrl = new URL('api/jobs', server.url);
await (await fetch(jobsUrl)).text();
const apiLatencies = [];
let bytes = 0;
for (let i = 0; i < REQUESTS; i++) {
  const start = performance.now();
  const body = await (await fetch(jobsUrl)).text();
  apiLatencies.push(performance.now() - start);
  bytes = body.length;
}

// 3. A run's end to the page receiving its event: the page reads the stream with fetch() and decodes
// each chunk with TextDecoder, so decode() is where an event arrives. Browser and Node read one
// machine's wall clock.
const context = await browser.newContext();
const page = await context.newPage();
await page.addInitScript(`(() => {
  window.__seen = 0;
  const decode = TextDecoder.prototype.decode;
  TextDecoder.prototype.decode = function (...args) {
    const text = decode.apply(this, args);
    if (text.includes('event: run') && text.includes('"jobName":"probe"') && text.includes('"status":"success"')) {
      window.__seenAt = Date.now();
      window.__seen++;
    }
    return text;
  };
})()`);
await page.goto(server.url);
await page.waitForFunction((total) => document.querySelectorAll('li.job').length === total, JOBS + 1);
// The header says "live" once the event stream is open; an event before that would be missed.
await page.getByText('live', { exact: true }).waitFor();
const eventDelays = [];
for (let i = 0; i < EVENTS; i++) {
  await probe.runNow();
  await page.waitForFunction((count) => window.__seen === count, i + 1, { timeout: 10_000 });
  eventDelays.push((await page.evaluate('window.__seenAt')) - endedAt);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await context.close();

await browser.close();
await server.close();
await scheduler.shutdown();

const row = (what, values, goal, unit = ms) =>
  `| ${what} | ${unit(quantile(values, 0.5))} | ${unit(quantile(values, 0.99))} | ${values.length} | ${goal} |`;
console.log(
  `Dashboard with ${JOBS} jobs (Node ${process.version}, Chromium headless; api/jobs is ${(bytes / 1024).toFixed(0)} KB)\n`,
);
console.log('| measure | median | p99 | samples | goal |');
console.log('|---|---:|---:|---:|---|');
console.log(
  row(
    'first view: navigation start to the job list painted (first screenful)',
    firstViews,
    'median < 500 ms',
  ),
);
console.log(row(`all ${JOBS + 1} jobs in the page and painted`, fullLists, ''));
console.log(row('`GET api/jobs` (from Node, keep-alive)', apiLatencies, 'median < 20 ms'));
console.log(row('run end to its event reaching the page (SSE)', eventDelays, '< 50 ms'));
