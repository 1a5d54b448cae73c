// Three real `tscron run` processes on one Redis, PostgreSQL or NATS run each occurrence once.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsUrl, serviceAvailable } from '../../../test-support/services.js';
import { Running, scratch, write } from './helpers.js';

const dir = scratch();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = withUser(process.env.POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test');

/** The URL with a user name: PGUSER, else `postgres` (trust auth on the test machines). */
function withUser(raw: string): string {
  const parsed = new URL(raw);
  if (!parsed.username) parsed.username = process.env.PGUSER ?? 'postgres';
  return parsed.toString();
}

const backends = [
  { name: 'Redis', url: redisUrl, up: await serviceAvailable('Redis', redisUrl, 6379) },
  { name: 'PostgreSQL', url: postgresUrl, up: await serviceAvailable('PostgreSQL', postgresUrl, 5432) },
  { name: 'NATS', url: natsUrl, up: await serviceAvailable('NATS', natsUrl, 4222) },
];

/** How long the three replicas run side by side. */
const RUN_MS = 4000;

describe.concurrent('three replicas', { timeout: 60_000 }, () => {
  for (const backend of backends) {
    it.skipIf(!backend.up)(`run each occurrence once on ${backend.name}`, async () => {
      // Fresh job names: a backend's claims outlive a run by their minimum hold.
      const suffix = randomBytes(4).toString('hex');
      const log = join(dir, `${backend.name}-${suffix}.log`);
      const file = write(
        dir,
        `${backend.name}-${suffix}.yaml`,
        `jobs:
  - name: every-second-${suffix}
    cron: "* * * * * *"
    seconds: true
    run: 'echo "$TSCRON_JOB $TSCRON_SCHEDULED_AT $TSCRON_REPLICA" >> ${log}'
  - name: every-other-${suffix}
    every: 2s
    run: 'echo "$TSCRON_JOB $TSCRON_SCHEDULED_AT $TSCRON_REPLICA" >> ${log}'
`,
      );
      const replicas = [1, 2, 3].map(
        (n) => new Running(['run', file, '--replica', `r${n}`], { env: { TSCRON_LOCKER: backend.url } }),
      );
      // Nine processes start at once (three per backend): on a busy machine that takes seconds.
      await Promise.all(replicas.map((replica) => replica.waitFor(/running 2 job\(s\)/, 30_000)));
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, RUN_MS));
      for (const replica of replicas) replica.signal('SIGTERM');
      const codes = await Promise.all(replicas.map((replica) => replica.exited));
      expect(codes, replicas.map((r) => r.output).join('\n---\n')).toEqual([0, 0, 0]);

      const lines = readFileSync(log, 'utf8').trim().split('\n');
      const runs = new Map<string, string[]>();
      for (const line of lines) {
        const [job, at, replica] = line.split(' ');
        const key = `${job} ${at}`;
        runs.set(key, [...(runs.get(key) ?? []), replica as string]);
      }
      const duplicated = [...runs].filter(([, who]) => who.length > 1);
      expect(duplicated).toEqual([]);
      // Every second while all three ran was claimed by one of them: none was lost between them.
      const seconds = [...runs.keys()]
        .filter((key) => key.startsWith('every-second'))
        .map((key) => Date.parse(key.split(' ')[1] as string))
        .sort((a, b) => a - b);
      const expected = Math.floor(RUN_MS / 1000) - 1;
      expect(seconds.length).toBeGreaterThanOrEqual(expected);
      for (let i = 1; i < seconds.length; i++)
        expect((seconds[i] as number) - (seconds[i - 1] as number)).toBe(1000);
      expect((seconds[0] as number) - started).toBeLessThan(2000);
      const others = [...runs.keys()].filter((key) => key.startsWith('every-other')).length;
      expect(others).toBeGreaterThanOrEqual(Math.floor(expected / 2));
      // Which replica wins an occurrence is a race between their timers: with six to eight runs, one
      // replica may win them all, so who ran what is not checked here, only that nothing ran twice
      // and nothing was lost while the three were up.
    });
  }

  it.skipIf(!backends[0]?.up)('run jobs on the leader only with --elector on Redis', async () => {
    const suffix = randomBytes(4).toString('hex');
    const log = join(dir, `elector-${suffix}.log`);
    const file = write(
      dir,
      `elector-${suffix}.yaml`,
      `jobs:\n  - { name: led, cron: "* * * * * *", seconds: true, run: 'echo "$TSCRON_REPLICA" >> ${log}' }\n`,
    );
    const elector = `${redisUrl}?name=cli-test-${suffix}`;
    const replicas = [1, 2, 3].map(
      (n) => new Running(['run', file, '--replica', `r${n}`, '--elector', elector]),
    );
    await Promise.all(replicas.map((replica) => replica.waitFor(/running 1 job\(s\)/, 30_000)));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const replica of replicas) replica.signal('SIGTERM');
    expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual([0, 0, 0]);
    const leaders = readFileSync(log, 'utf8').trim().split('\n');
    expect(leaders.length).toBeGreaterThanOrEqual(2);
    expect(new Set(leaders).size).toBe(1);
  });
});
