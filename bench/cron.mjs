// Next-run throughput of the tscron cron engine beside croner and cron-parser, and heap per parsed
// expression. Run after `npm run build`: node --expose-gc bench/cron.mjs

import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { compileCronUncached } from '../packages/tscron/dist/esm/cron/compile.js';
import { getTimeZone } from '../packages/tscron/dist/esm/zone/time-zone.js';

const START = Date.UTC(2026, 0, 1, 0, 0, 0);
// Restart the chain every CHAIN calls so that every library works on the same years.
const CHAIN = 200;
const WARMUP_MS = 150;
const MEASURE_MS = 500;

/** [label, tscron, croner, cron-parser, withSeconds]; each library in its own syntax. */
const PATTERNS = [
  ['every minute', '* * * * *', '* * * * *', '* * * * *', false],
  ['weekdays 9:00', '0 9 * * 1-5', '0 9 * * 1-5', '0 9 * * 1-5', false],
  ['1st of month', '0 0 1 * *', '0 0 1 * *', '0 0 1 * *', false],
  ['31st', '0 0 31 * *', '0 0 31 * *', '0 0 31 * *', false],
  ['last Friday', '0 0 * * 5L', '0 0 * * 5#L', '0 0 * * 5L', false],
  ['every 15 s', '*/15 * * * * *', '*/15 * * * * *', '*/15 * * * * *', true],
];
const ZONES = ['UTC', 'America/New_York'];

function measure(run) {
  let checksum = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) checksum += run();
  let calls = 0;
  const begin = performance.now();
  let now = begin;
  while (now - begin < MEASURE_MS) {
    checksum += run();
    calls += CHAIN;
    now = performance.now();
  }
  if (Number.isNaN(checksum)) throw new Error('no result');
  return (calls * 1000) / (now - begin);
}

function tscronRunner(expression, withSeconds, zoneName) {
  const compiled = compileCronUncached(expression, withSeconds);
  const zone = getTimeZone(zoneName);
  return () => {
    let at = START;
    for (let i = 0; i < CHAIN; i++) at = compiled.next(at, zone, 'shift', START);
    return at;
  };
}

function cronerRunner(pattern, zoneName) {
  // croner's fastest UTC is a zero offset; a zone name, even 'UTC', goes through Intl on every call.
  const where = zoneName === 'UTC' ? { utcOffset: 0 } : { timezone: zoneName };
  const job = new Cron(pattern, { ...where, paused: true });
  const start = new Date(START);
  return () => {
    let at = start;
    for (let i = 0; i < CHAIN; i++) at = job.nextRun(at);
    return at.getTime();
  };
}

function cronParserRunner(pattern, zoneName) {
  const start = new Date(START);
  const interval = CronExpressionParser.parse(pattern, { currentDate: start, tz: zoneName });
  return () => {
    interval.reset(start);
    let at;
    for (let i = 0; i < CHAIN; i++) at = interval.next();
    return at.getTime();
  };
}

function format(opsPerSecond) {
  if (opsPerSecond === undefined) return 'n/a';
  return opsPerSecond >= 1e6
    ? `${(opsPerSecond / 1e6).toFixed(2)} M`
    : `${(opsPerSecond / 1e3).toFixed(1)} k`;
}

const ratio = (a, b) => (b === undefined ? 'n/a' : `${(a / b).toFixed(1)}x`);

const rows = [];
for (const [label, own, cronerPattern, parserPattern, withSeconds] of PATTERNS) {
  for (const zone of ZONES) {
    // Same answers first, so that the numbers compare the same work.
    const ours = tscronRunner(own, withSeconds, zone)();
    const theirs = cronerRunner(cronerPattern, zone)();
    const parsers = cronParserRunner(parserPattern, zone)();
    const agree = ours === theirs && ours === parsers ? '' : ' (answers differ)';
    const t = measure(tscronRunner(own, withSeconds, zone));
    const c = measure(cronerRunner(cronerPattern, zone));
    const p = measure(cronParserRunner(parserPattern, zone));
    rows.push(
      `| ${label} \`${own}\`${agree} | ${zone} | ${format(t)} | ${format(c)} | ${format(p)} | ${ratio(t, c)} | ${ratio(t, p)} |`,
    );
  }
}

console.log('Chained next-run calls per second (each call from the previous result):\n');
console.log('| pattern | zone | tscron | croner | cron-parser | tscron/croner | tscron/cron-parser |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);

// Heap per parsed expression: distinct texts built first, so only the compiled objects are counted.
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.log('\n(heap per expression: run with node --expose-gc)');
} else {
  const COUNT = 10_000;
  const texts = [];
  for (let i = 0; i < COUNT; i++) {
    texts.push(`${i % 60} ${Math.floor(i / 60) % 24} ${1 + (Math.floor(i / 1440) % 28)} * 1-5`);
  }
  const kept = new Array(COUNT);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) kept[i] = compileCronUncached(texts[i], false);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(
    `\nHeap per parsed expression: ${Math.round((after - before) / COUNT)} bytes (${COUNT} distinct)`,
  );
  if (kept.length !== COUNT) process.exitCode = 1;
}
