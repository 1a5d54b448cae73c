// One replica of a scheduler that runs each occurrence once across all replicas, on PostgreSQL.
// Start several at once and watch each tick run in exactly one of them:
//
//   npm run build
//   for i in 1 2 3; do REPLICA=$i node examples/distributed-postgres.mjs & done; wait
//
// POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test); RUN_FOR (default 15s).
import { PostgresElector, PostgresLocker } from '@tscron/postgres';
import pg from 'pg';
import { createScheduler, cronJob, durationJob, toMilliseconds } from 'tscron';

const replica = process.env.REPLICA ?? String(process.pid);
const pool = new pg.Pool({
  connectionString: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  application_name: `tscron-example-${replica}`,
});

// Per-occurrence claims in the table tscron_example.tscron_locks (created on first use).
const locker = new PostgresLocker({ client: pool, schema: 'tscron_example', ttl: '30s', minHold: '10s' });
await locker.migrate(); // optional: otherwise the first lock() applies pending migrations
const scheduler = createScheduler({ locker, timeZone: 'UTC' });

scheduler.newJob(
  cronJob('*/2 * * * * *', { withSeconds: true }),
  async function report({ scheduledAt }) {
    console.log(`replica ${replica} ran report for ${scheduledAt.toISOString()}`);
  },
  {
    eventListeners: {
      afterLockError: (_id, name, error) => console.warn(`replica ${replica}: ${name} skipped: ${error}`),
    },
  },
);

// Or one leader for a whole scheduler, on a lease row in the same schema.
const elector = new PostgresElector({
  client: pool,
  name: 'example-leader',
  schema: 'tscron_example',
  lease: '5s',
  retryPeriod: '1s',
});
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
    await pool.end(); // ours to close: tscron never ends the pool it was given
  },
  toMilliseconds(process.env.RUN_FOR ?? '15s'),
);
