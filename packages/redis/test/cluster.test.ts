// RedisLocker, RedisElector, RedisFleet and RedisRunHistory through a Cluster client of each library
// and major of clients.ts, on a throwaway three-node Redis Cluster on spare ports: an occurrence's
// key and its job's fence counter share a slot (hash tag), and a batch is one script call per slot;
// every key of the fleet and of the history shares one slot. The probe that inspects the cluster is
// an ioredis 5 Cluster whatever the client under test.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import {
  type ContractLocker,
  type ElectorContractFactory,
  electorContract,
  type FleetContractFactory,
  fleetContract,
  type LockerContractFactory,
  type LockerContractSettings,
  lockerContract,
} from 'tscron/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparePort, tcpReachable } from '../../../test-support/services.js';
import { RedisElector, RedisFleet, RedisLocker, RedisRunHistory } from '../src/index.js';
import { keySlot } from '../src/key-slot.js';
import { type ClientFlavour, clients, type TestClient } from './clients.js';

const available = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { encoding: 'utf8' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('redis-server and redis-cli are required under CI=true');
    console.warn('skipping the Redis Cluster tests: redis-server or redis-cli is not installed');
    return false;
  }
})();

const servers: ChildProcess[] = [];
const ports: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tscron-cluster-'));
const nodes = () => ports.map((port) => ({ host: '127.0.0.1', port }));

beforeAll(async () => {
  if (!available) return;
  for (let i = 0; i < 3; i++) {
    const port = await sparePort();
    ports.push(port);
    servers.push(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  for (const port of ports) {
    for (let i = 0; i < 100 && !(await tcpReachable(`redis://127.0.0.1:${port}`, port, 200)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const info = execFileSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' });
    if (info.includes('cluster_state:ok')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 30_000);

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function instance(client: TestClient, settings: LockerContractSettings, owned: boolean): ContractLocker {
  const locker = new RedisLocker({ client: client.client, ...settings });
  const drop = async () => client.disconnect();
  return {
    locker,
    kill: drop,
    disconnect: drop,
    close: async () => {
      await locker.close();
      if (owned) client.disconnect();
    },
  };
}

let shared: Cluster | undefined;
/** The ioredis 5 Cluster that inspects the cluster. */
const probe = () => {
  shared ??= new Cluster(nodes(), { slotsRefreshInterval: 0 });
  return shared;
};
afterAll(() => shared?.disconnect());
const keys = () => new RedisLocker({ client: probe() });

/**
 * Records the script calls a client under test sends, as `[sha, numkeys, ...keys, ...args]`: by
 * wrapping `evalsha` (ioredis) or `sendCommand` (node-redis, whose command names EVALSHA first).
 */
function recordScriptCalls(
  test: TestClient,
  library: ClientFlavour['library'],
): Array<Array<string | number>> {
  const sent: Array<Array<string | number>> = [];
  const client = test.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const method = library === 'ioredis' ? 'evalsha' : 'sendCommand';
  const original = (client[method] as (...args: unknown[]) => Promise<unknown>).bind(client);
  client[method] = (...args: unknown[]) => {
    if (library === 'ioredis') sent.push(args as Array<string | number>);
    else if ((args[2] as string[])[0] === 'EVALSHA') sent.push((args[2] as string[]).slice(1));
    return original(...args);
  };
  return sent;
}

/** The factories for one client flavour. */
function factories(flavour: ClientFlavour) {
  const open = () => flavour.cluster(nodes());
  const lockers: LockerContractFactory = {
    create: async (settings) => instance(await open(), settings, true),
    createSharing: async (settings) => {
      const client = await open();
      return [instance(client, settings, false), instance(client, settings, true)];
    },
    isHeld: async (key, at) => (await probe().exists(keys().occurrenceKey(key, at))) === 1,
    expire: async (key, at) => {
      await probe().del(keys().occurrenceKey(key, at));
    },
    remainingTtl: async (key, at) => Math.max(-1, await probe().pttl(keys().occurrenceKey(key, at))),
  };
  const electors: ElectorContractFactory = {
    create: async (name, settings) => {
      const client = await open();
      const elector = new RedisElector({ client: client.client, name, ...settings });
      const drop = async () => client.disconnect();
      return {
        elector,
        kill: drop,
        disconnect: drop,
        close: async () => {
          await elector.close();
          client.disconnect();
        },
      };
    },
  };
  const fleetKeys = new Set<string>();
  const fleets: FleetContractFactory = {
    create: async (namespace) => {
      const client = await open();
      const fleet = new RedisFleet({ client: client.client, keyPrefix: `${namespace}:` });
      for (const key of Object.values(fleet.keys())) fleetKeys.add(key);
      return {
        fleet,
        close: async () => {
          await fleet.close();
          client.disconnect();
        },
      };
    },
    cleanup: async () => {
      // All of a fleet's keys share a slot, so one DEL takes them.
      for (const key of fleetKeys) await probe().del(key);
      fleetKeys.clear();
    },
  };
  return { lockers, electors, fleets };
}

/** The keys of each recorded script call, `[sha, numkeys, ...keys, ...args]`. */
const keysOf = (call: Array<string | number>) => call.slice(2, 2 + Number(call[1])).map(String);

describe.skipIf(!available).each(clients)('Redis Cluster through $label', (flavour) => {
  const { lockers, electors, fleets } = factories(flavour);

  it('spreads jobs over the nodes while each occurrence shares its slot with its fence counter', async () => {
    const cluster = probe();
    const locker = keys();
    const at = new Date();
    const slots = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const job = `job-${i}`;
      const slot = Number(await cluster.cluster('KEYSLOT', locker.occurrenceKey(job, at)));
      expect(Number(await cluster.cluster('KEYSLOT', locker.fenceKey(job)))).toBe(slot);
      slots.add(slot);
    }
    expect(slots.size).toBeGreaterThan(10);
  });

  describe('RedisLocker passes the locker contract on a Cluster client', () => {
    for (const c of lockerContract(lockers, { batch: true })) it(c.name, c.run, c.timeout);
  });

  it('keySlot agrees with CLUSTER KEYSLOT, hash tags and UTF-8 included', async () => {
    const keys = [
      'job',
      'tscron:lock:{job}:1700000000000',
      '{}x',
      'a{}b{c}',
      '{a',
      'né{日本}',
      'x{y}z{w}',
      '😀',
    ];
    for (const key of keys) expect(keySlot(key)).toBe(Number(await probe().cluster('KEYSLOT', key)));
  });

  it('a batch is one script call per hash slot, all sent at once, and its unlocks one per slot again', async () => {
    const test = await flavour.cluster(nodes());
    try {
      const sent = recordScriptCalls(test, flavour.library);
      const locker = new RedisLocker({ client: test.client, minHold: 0 });
      const at = new Date();
      const base = `slots-${Math.random().toString(36).slice(2)}`;
      const wanted = Array.from({ length: 300 }, (_, i) => ({ key: `${base}-${i}`, scheduledAt: at }));
      const slots = new Set(wanted.map((c) => keySlot(locker.occurrenceKey(c.key, at))));
      const pending = locker.lockBatch(wanted, { signal: new AbortController().signal });
      // Every call went out before any reply came back.
      expect(sent.length).toBe(slots.size);
      const locks = await pending;
      expect(locks.every((lock) => lock !== null)).toBe(true);
      for (const args of sent) {
        const keys = args.slice(2, 2 + Number(args[1])).map(String);
        expect(new Set(keys.map(keySlot)).size).toBe(1);
      }
      sent.length = 0;
      await Promise.all(locks.map((lock) => lock?.unlock()));
      expect(sent.length).toBe(slots.size);
      for (const c of wanted.slice(0, 10)) expect(await lockers.isHeld(c.key, at)).toBe(false);
    } finally {
      test.disconnect();
    }
  });

  it('the fleet and the history keep the keys of every script call in one slot', async () => {
    const test = await flavour.cluster(nodes());
    try {
      const sent = recordScriptCalls(test, flavour.library);
      const keyPrefix = `slots-${Math.random().toString(36).slice(2)}:`;
      const fleet = new RedisFleet({ client: test.client, keyPrefix });
      const history = new RedisRunHistory({ client: test.client, keyPrefix });
      const signal = new AbortController().signal;
      const beat = { host: 'h', pid: 1, version: '1', startedAt: new Date(), clockOffsetMs: 0, ttlMs: 5000 };
      await fleet.heartbeat({ ...beat, replica: 'a' }, { signal });
      await fleet.pause('täglich');
      await Promise.all([fleet.recordCompleted('x', new Date(1)), fleet.recordCompleted('y', new Date(2))]);
      const state = await fleet.heartbeat({ ...beat, replica: 'b' }, { signal });
      expect(state.replicas.map((r) => r.id)).toEqual(['a', 'b']);
      expect(state.paused).toEqual(['täglich']);
      expect((await fleet.lastCompleted(['x', 'y'])).get('y')?.getTime()).toBe(2);
      await fleet.resume('täglich');
      await fleet.leave('a');
      expect((await fleet.replicas()).map((r) => r.id)).toEqual(['b']);

      // Jobs whose names alone hash to many slots.
      const at = Date.now();
      const runs = Array.from({ length: 40 }, (_, i) => ({
        jobId: `id-${i}`,
        jobName: `job-${i % 20}`,
        scheduledAt: new Date(at - i),
        startedAt: new Date(at - i),
        status: 'success' as const,
        replica: 'b',
      }));
      expect(new Set(runs.map((r) => keySlot(r.jobName))).size).toBeGreaterThan(10);
      await Promise.all(runs.map((r) => history.record(r)));
      expect(await history.list({})).toEqual(runs);
      expect(await history.list({ jobName: 'job-3' })).toEqual(runs.filter((r) => r.jobName === 'job-3'));

      expect(sent.length).toBe(11);
      for (const call of sent) expect(new Set(keysOf(call).map(keySlot)).size).toBe(1);
      // The records of one turn went out as one call, its 22 keys in the {history} slot.
      expect(sent.filter((call) => keysOf(call).length === 22)).toHaveLength(1);
      for (const key of [...Object.values(fleet.keys()), ...Object.values(history.keys())])
        await probe().del(key);
    } finally {
      test.disconnect();
    }
  });

  describe('RedisFleet passes the fleet contract on a Cluster client', () => {
    for (const c of fleetContract(fleets)) it(c.name, c.run, c.timeout);
  });

  describe('RedisElector passes the elector contract on a Cluster client', () => {
    for (const c of electorContract(electors)) it(c.name, c.run, c.timeout);
  });
});
