// One replica of the burst benchmark: a scheduler on the built packages with `jobs` jobs on
// `* * * * * *` (all due at the same second), a locker on the given backend (or none), for a window.
// With `balance`, the scheduler is also a replica of a balanced fleet (RedisFleet/PostgresFleet).
// The lockers keep their default ttl (30 s) and minHold (10 s): a claim not sent within 5 s of its
// occurrence is dropped as missed rather than risk a second run.
// Reports its runs and lateness as one JSON line on stdout when it ends.
// Config: JSON in the BURST_CONFIG environment variable (see bench/burst.mjs).
import { PostgresFleet, PostgresLocker } from '@tscron/postgres';
import { RedisFleet, RedisLocker } from '@tscron/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createScheduler, cronJob, silentLogger } from 'tscron';

const config = JSON.parse(process.env.BURST_CONFIG ?? '{}');
const { backend, url, jobs, startAt, endAt, offset, runId, balance, grace } = config;
const fleetOptions = { balance: true, ...(grace === undefined ? {} : { balanceGrace: grace }) };

const clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

let locker;
let fleet;
const closers = [];
if (backend === 'redis') {
  const client = new Redis(url);
  closers.push(() => client.quit());
  locker = new RedisLocker({
    client,
    keyPrefix: `burst:${runId}:`,
    acquireTimeout: '5s',
  });
  if (balance) fleet = new RedisFleet({ client, keyPrefix: `burst:${runId}:`, ...fleetOptions });
} else if (backend === 'postgres') {
  const client = new pg.Pool({ connectionString: url, max: 4 });
  closers.push(() => client.end());
  locker = new PostgresLocker({
    client,
    schema: 'tscron_burst',
    acquireTimeout: '5s',
  });
  if (balance) fleet = new PostgresFleet({ client, schema: 'tscron_burst', ...fleetOptions });
}

// Occurrences seen, as job index * 2^32 + second: one number per run, no string per run.
const runs = [];
const lateness = [];
let lockErrors = 0;
/** Occurrences skipped because the job's previous lock attempt was still pending (logged as warnings). */
let pendingSkips = 0;
/** Occurrences whose claim was not sent in time (half the locker's minHold): one message each. */
let tooLate = 0;
const countTooLate = (message) => {
  if (String(message).includes("within half the locker's minHold")) tooLate++;
};
const logger = {
  ...silentLogger,
  debug: countTooLate,
  warn: (message) => {
    if (String(message).includes('previous lock attempt is still pending')) pendingSkips++;
    countTooLate(message);
  },
};
const windowFrom = startAt + 1000;
const scheduler = createScheduler({
  clock,
  locker,
  logger,
  timeZone: 'UTC',
  stopTimeout: 5000,
  ...(fleet ? { fleet } : {}),
});
const expression = cronJob('* * * * * *', { withSeconds: true });
for (let i = 0; i < jobs; i++) {
  scheduler.newJob(
    expression,
    ({ scheduledAt }) => {
      const at = scheduledAt.getTime();
      if (at < windowFrom || at >= endAt) return;
      runs.push(i * 2 ** 32 + at / 1000);
      lateness.push(clock.now() - at);
    },
    { name: `burst-${i}`, eventListeners: { afterLockError: () => void lockErrors++ } },
  );
}

await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
scheduler.start();
// CPU over the window's runs: from its first second to when its last second's runs are done.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowFrom - Date.now())));
const cpuBefore = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt + 1000 - Date.now())));
const cpu = process.cpuUsage(cpuBefore);
// Room past the window for its last runs: with balance, an occurrence its picked replica did not
// claim in time runs elsewhere after the balance grace.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt + 3000 - Date.now())));
await scheduler.shutdown().catch(() => undefined);
await locker?.close?.();
await fleet?.close?.();
for (const close of closers) await close();
process.stdout.write(
  `${JSON.stringify({ runs, lateness, lockErrors, pendingSkips, tooLate, cpuMicros: cpu.user + cpu.system })}\n`,
);
