// What RedisFleet does beyond the fleet contract, against the machine's Redis through each client of
// clients.ts: what it leaves on the server, how it fails, and that the client stays the user's.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Heartbeat, isTscronError } from 'tscron';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../test-support/rejection.js';
import { serviceAvailable, sparePort } from '../../../test-support/services.js';
import { RedisFleet, type RedisFleetOptions } from '../src/index.js';
import { type ClientFlavour, clients, type TestClient } from './clients.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);
const probe = up ? new Redis(url) : undefined;
afterAll(() => probe?.quit());
const signal = new AbortController().signal;

const beat = (replica: string, ttlMs = 60_000): Heartbeat => ({
  replica,
  host: 'host',
  pid: 1,
  version: '1.2.3',
  startedAt: new Date('2026-01-01T00:00:00.000Z'),
  clockOffsetMs: 0.5,
  ttlMs,
});

describe.each(clients)('RedisFleet through $label', (flavour: ClientFlavour) => {
  const opened: TestClient[] = [];
  const prefixes: string[] = [];
  const open = (options: Omit<RedisFleetOptions, 'client'> = {}) => {
    const client = flavour.standalone({ url });
    opened.push(client);
    const keyPrefix = options.keyPrefix ?? `tscron-test:${process.pid}:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    return { fleet: new RedisFleet({ ...options, client: client.client, keyPrefix }), client };
  };

  afterAll(async () => {
    for (const prefix of new Set(prefixes)) {
      const found = (await probe?.keys(`${prefix}*`)) ?? [];
      if (found.length > 0) await probe?.del(...found);
    }
    await Promise.all(opened.map((client) => client.quit()));
  });

  describe.skipIf(!up)('on the machine’s Redis', () => {
    it('deletes expired replicas from the server, and the hash expires with its longest-lived replica', async () => {
      const { fleet } = open();
      await fleet.heartbeat(beat('short', 100), { signal });
      await fleet.heartbeat(beat('long', 5000), { signal });
      const left = (await probe?.pttl(fleet.keys().replicas)) ?? -1;
      expect(left).toBeGreaterThan(4000);
      expect(left).toBeLessThanOrEqual(5000);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await probe?.hkeys(fleet.keys().replicas)).toEqual(expect.arrayContaining(['short', 'long']));
      expect((await fleet.replicas()).map((r) => r.id)).toEqual(['long']);
      expect(await probe?.hkeys(fleet.keys().replicas)).toEqual(['long']);
    });

    it('skips an entry it cannot read instead of failing, and deletes one without an expiry', async () => {
      const { fleet } = open();
      await probe?.hset(
        fleet.keys().replicas,
        'garbage',
        'not a replica',
        'half',
        `${Date.now() + 60_000} 1 {`,
      );
      const state = await fleet.heartbeat(beat('good'), { signal });
      expect(state.replicas.map((r) => r.id)).toEqual(['good']);
      expect(state.replicas[0]?.clockOffsetMs).toBe(0.5);
      expect((await probe?.hkeys(fleet.keys().replicas))?.sort()).toEqual(['good', 'half']);
    });

    it('records and reads 2,500 jobs in one turn, in bounded calls', async () => {
      const { fleet } = open();
      const names = Array.from({ length: 2500 }, (_, i) => `job-${i}`);
      const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000);
      await Promise.all(names.map((name, i) => fleet.recordCompleted(name, at(i))));
      await Promise.all(names.map((name, i) => fleet.recordCompleted(name, at(i - 1))));
      const found = await fleet.lastCompleted([...names, 'never']);
      expect(found.size).toBe(2500);
      expect(names.every((name, i) => found.get(name)?.getTime() === at(i).getTime())).toBe(true);
    });

    it('a heartbeat whose signal aborted rejects with its reason and sends nothing', async () => {
      const { fleet } = open();
      const reason = new Error('stopping');
      expect(await rejection(fleet.heartbeat(beat('r'), { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect(await probe?.exists(fleet.keys().replicas)).toBe(0);
    });

    it('a failing server is ERR_LOCK_BACKEND_FAILED, naming the call', async () => {
      const { fleet } = open();
      await probe?.set(fleet.keys().paused, 'not a set');
      await probe?.set(fleet.keys().completed, 'not a hash');
      const calls: Array<[string, ReturnType<typeof rejection>]> = [
        ['heartbeat', rejection(fleet.heartbeat(beat('r'), { signal }))],
        ['pause', rejection(fleet.pause('job'))],
        ['pausedJobs', rejection(fleet.pausedJobs())],
        ['recordCompleted', rejection(fleet.recordCompleted('job', new Date()))],
        ['lastCompleted', rejection(fleet.lastCompleted(['job']))],
      ];
      // Each rejection is caught as soon as it is made, and inspected in turn.
      for (const [what, call] of calls) {
        const error = await call;
        expect(isTscronError(error, 'ERR_LOCK_BACKEND_FAILED'), String(error)).toBe(true);
        expect(error.message).toMatch(new RegExp(`^RedisFleet ${what} failed: .*WRONGTYPE`));
      }
    });

    it('close() waits for the writes in flight and leaves the client open', async () => {
      const { fleet, client } = open();
      const write = fleet.recordCompleted('job', new Date(5000));
      await fleet.close();
      await write;
      expect(await probe?.hget(fleet.keys().completed, 'job')).toBe('5000');
      expect(client.opened()).toBe(true);
      const again = new RedisFleet({ client: client.client, keyPrefix: prefixes.at(-1) as string });
      expect((await again.lastCompleted(['job'])).get('job')?.getTime()).toBe(5000);
    });
  });

  it('a heartbeat to a server that is not there gives up within its ttl', async () => {
    const test = flavour.standalone({ port: await sparePort(), retryDelay: 100 });
    test.onError(() => undefined);
    try {
      const fleet = new RedisFleet({ client: test.client });
      const started = performance.now();
      const error = await rejection(fleet.heartbeat(beat('r', 400), { signal }));
      expect(performance.now() - started).toBeLessThan(900);
      // Both libraries queue calls while they reconnect: the ttl bounds the wait.
      expect(error.code).toBe('ERR_LOCK_TIMEOUT');
      expect(error.message).toMatch(/^RedisFleet heartbeat timed out after 400ms/);
    } finally {
      test.disconnect();
    }
  });
});
