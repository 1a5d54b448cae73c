// One replica of a scheduler that runs each occurrence once across all replicas, on Redis.
// Start several at once and watch each tick run in exactly one of them:
//
//   npm run build
//   for i in 1 2 3; do REPLICA=$i node examples/distributed-redis.mjs & done; wait
//
// REDIS_URL (default redis://127.0.0.1:6379); RUN_FOR: how long to run (default 15s).
import { RedisElector, RedisLocker } from '@tscron/redis';
import { Redis } from 'ioredis';
import { createScheduler, cronJob, durationJob, toMilliseconds } from 'tscron';

const replica = process.env.REPLICA ?? String(process.pid);
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

// Per-occurrence claims: every replica schedules every job; one of them runs each occurrence.
const locker = new RedisLocker({ client, ttl: '30s', minHold: '10s', keyPrefix: 'example:' });
const scheduler = createScheduler({ locker, timeZone: 'UTC' });

scheduler.newJob(
  cronJob('*/2 * * * * *', { withSeconds: true }),
  async function report({ scheduledAt }) {
    // Counted in Redis, so that the replicas' totals can be compared: one per occurrence.
    const runs = await client.incr(`example:runs:${scheduledAt.getTime()}`);
    await client.expire(`example:runs:${scheduledAt.getTime()}`, 60);
    console.log(`replica ${replica} ran report for ${scheduledAt.toISOString()} (run #${runs} of it)`);
  },
  {
    eventListeners: {
      afterLockError: (_id, name, error) => console.warn(`replica ${replica}: ${name} skipped: ${error}`),
    },
  },
);

// Or one leader for a whole scheduler: only the replica holding the lease runs its jobs.
const elector = new RedisElector({ client, name: 'example-leader', lease: '5s', retryPeriod: '1s' });
const leaderOnly = createScheduler({ elector });
leaderOnly.newJob(durationJob('3s'), function heartbeat() {
  console.log(`replica ${replica} leads`);
});

scheduler.start();
leaderOnly.start();
setTimeout(
  async () => {
    await scheduler.shutdown();
    await leaderOnly.shutdown();
    await locker.close();
    await elector.close();
    client.disconnect(); // ours to close: tscron never closes the client it was given
  },
  toMilliseconds(process.env.RUN_FOR ?? '15s'),
);
