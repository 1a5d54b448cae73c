// One replica of the burst benchmark: a scheduler on the built packages with `jobs` jobs on
// `* * * * * *` (all due at the same second), a locker on the given backend (or none), for a window.
// Reports its runs and lateness as one JSON line on stdout when it ends.
// Config: JSON in the BURST_CONFIG environment variable (see bench/burst.mjs).
import { PostgresLocker } from '@tscron/postgres';
import { RedisLocker } from '@tscron/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createScheduler, cronJob, silentLogger } from 'tscron';

const config = JSON.parse(process.env.BURST_CONFIG ?? '{}');
const { backend, url, jobs, startAt, endAt, offset, runId } = config;

const clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

let locker;
const closers = [];
if (backend === 'redis') {
  const client = new Redis(url);
  closers.push(() => client.quit());
  locker = new RedisLocker({
    client,
    keyPrefix: `burst:${runId}:`,
    ttl: '10s',
    minHold: '5s',
    acquireTimeout: '5s',
  });
} else if (backend === 'postgres') {
  const client = new pg.Pool({ connectionString: url, max: 4 });
  closers.push(() => client.end());
  locker = new PostgresLocker({
    client,
    schema: 'tscron_burst',
    ttl: '10s',
    minHold: '5s',
    acquireTimeout: '5s',
  });
}

// Occurrences seen, as job index * 2^32 + second: one number per run, no string per run.
const runs = [];
const lateness = [];
let lockErrors = 0;
const windowFrom = startAt + 1000;
const scheduler = createScheduler({
  clock,
  locker,
  logger: silentLogger,
  timeZone: 'UTC',
  stopTimeout: 5000,
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
const cpuBefore = process.cpuUsage();
scheduler.start();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt + 1500 - Date.now())));
const cpu = process.cpuUsage(cpuBefore);
await scheduler.shutdown().catch(() => undefined);
await locker?.close?.();
for (const close of closers) await close();
process.stdout.write(`${JSON.stringify({ runs, lateness, lockErrors, cpuMicros: cpu.user + cpu.system })}\n`);
