// Three Nest application processes on one Redis, on the BUILT packages (npm test builds first), with
// clocks -300/0/+300 ms apart: every occurrence of the @Cron and @Interval jobs runs exactly once,
// each process runs its own @Timeout, and SIGTERM (enableShutdownHooks) waits for a running job.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const worker = fileURLToPath(new URL('./replica-worker.mjs', import.meta.url));
const redis = up ? new Redis(url) : undefined;
afterAll(() => redis?.disconnect());

interface Event {
  w: number;
  t: number;
  ev: string;
  job?: string;
  at?: number;
  aborted?: boolean;
}

interface Replica {
  child: ChildProcess;
  events: Event[];
  stderr: string[];
  exited: Promise<void>;
}

function startReplica(config: object): Replica {
  const child = spawn(process.execPath, [worker], {
    cwd: root,
    env: { ...process.env, REPLICA_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  const stderr: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Event);
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, events, stderr, exited };
}

async function until(what: string, condition: () => boolean, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The occurrences (epoch ms) of a job every `period` ms in [from, to). */
function occurrences(period: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let at = Math.ceil(from / period) * period; at < to; at += period) out.push(at);
  return out;
}

describe.skipIf(!up)('three Nest applications on one Redis', () => {
  it('run every occurrence once, and stop gracefully on SIGTERM', async () => {
    for (const pkg of ['tscron', 'redis', 'nestjs']) {
      if (!existsSync(`${root}packages/${pkg}/dist/esm/index.js`)) {
        throw new Error(`packages/${pkg} is not built (run npm run build, or npm test which builds first)`);
      }
    }
    const runId = randomUUID();
    const replicas = [-300, 0, 300].map((offset, index) =>
      startReplica({ worker: index, offset, runId, url }),
    );
    try {
      const ready = () => replicas.every((replica) => replica.events.some((event) => event.ev === 'ready'));
      await until('three ready replicas', ready, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${replicas.flatMap((replica) => replica.stderr).join('')}`);
      });
      const from = Date.now() + 500;
      // SIGTERM the replica that runs a `long` occurrence due 2.5 s or more into the window, while it runs.
      const starts = () =>
        replicas.flatMap((replica) =>
          replica.events.filter((event) => event.ev === 'start' && (event.at ?? 0) >= from + 2500),
        );
      await until('a long run', () => starts().length > 0, 10_000);
      const [first] = starts() as [Event];
      const stopped = replicas[first.w] as Replica;
      const signalledAt = Date.now();
      stopped.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const replica of replicas) if (replica !== stopped) replica.child.kill('SIGTERM');
      await Promise.all(replicas.map((replica) => replica.exited));
      const to = signalledAt - 500;

      const runs = new Map(
        Object.entries(await (redis as Redis).hgetall(`nestjs:${runId}:runs`)).map(([key, count]) => [
          key,
          Number(count),
        ]),
      );
      const missed: string[] = [];
      for (const [job, period] of [
        ['second', 1000],
        ['half', 500],
        ['long', 2000],
      ] as const) {
        for (const at of occurrences(period, from, to)) {
          if (runs.get(`${job}|${at}`) !== 1)
            missed.push(`${job}@${new Date(at).toISOString()}: ${runs.get(`${job}|${at}`) ?? 0}`);
        }
      }
      expect(missed).toEqual([]);
      expect([...runs].filter(([, count]) => count > 1)).toEqual([]);
      expect(occurrences(1000, from, to).length).toBeGreaterThanOrEqual(2);
      // A timeout counts from its own process's start: each replica ran its own.
      for (const index of [0, 1, 2]) {
        expect([...runs.keys()].filter((key) => key.startsWith(`boot-${index}|`))).toHaveLength(1);
      }
      // The signalled replica let its run end (its signal aborted) before Nest's shutdown hooks went on.
      const after = stopped.events.filter((event) => event.t >= first.t).map((event) => event.ev);
      expect(after.slice(0, 1)).toEqual(['start']);
      expect(after).toContain('end');
      expect(after.indexOf('end')).toBeLessThan(after.indexOf('shut down'));
      expect(stopped.events.find((event) => event.ev === 'end' && event.at === first.at)?.aborted).toBe(true);
      const problems = replicas.flatMap((replica) =>
        replica.events.filter((event) => event.ev === 'error' || event.ev === 'warn'),
      );
      expect(problems).toEqual([]);
    } finally {
      for (const replica of replicas) replica.child.kill('SIGKILL');
      await (redis as Redis).del(`nestjs:${runId}:runs`);
    }
  }, 40_000);
});
