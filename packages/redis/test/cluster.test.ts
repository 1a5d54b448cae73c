// RedisLocker and RedisElector through an ioredis Cluster client (ioredis 5 and 6), on a throwaway
// three-node Redis Cluster on spare ports: an occurrence's key and its job's fence counter share a
// slot (hash tag), and a batch is one script call per slot.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import {
  type ContractLocker,
  type ElectorContractFactory,
  electorContract,
  type LockerContractFactory,
  type LockerContractSettings,
  lockerContract,
} from 'tscron/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparePort, tcpReachable } from '../../../test-support/services.js';
import { RedisElector, RedisLocker } from '../src/index.js';
import { keySlot } from '../src/key-slot.js';
import { type ClientFlavour, clients } from './clients.js';

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

function instance(client: Cluster, settings: LockerContractSettings, owned: boolean): ContractLocker {
  const locker = new RedisLocker({ client, ...settings });
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

/** The factories for one ioredis major; `probe()` is that major's shared client for inspection. */
function factories(flavour: ClientFlavour) {
  const open = () => new flavour.Cluster(nodes(), { slotsRefreshInterval: 0 });
  let shared: Cluster | undefined;
  const probe = () => {
    shared ??= open();
    return shared;
  };
  afterAll(() => shared?.disconnect());
  const keys = () => new RedisLocker({ client: probe() });
  const lockers: LockerContractFactory = {
    create: async (settings) => instance(open(), settings, true),
    createSharing: async (settings) => {
      const client = open();
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
      const client = open();
      const elector = new RedisElector({ client, name, ...settings });
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
  return { probe, keys, lockers, electors };
}

describe.skipIf(!available).each(clients)('Redis Cluster through $label', (flavour) => {
  const { probe, keys, lockers, electors } = factories(flavour);

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
    const client = new flavour.Cluster(nodes(), { slotsRefreshInterval: 0 });
    try {
      const sent: Array<Array<string | number>> = [];
      const evalsha = client.evalsha.bind(client) as (...args: Array<string | number>) => Promise<unknown>;
      Object.assign(client, {
        evalsha: (...args: Array<string | number>) => {
          sent.push(args);
          return evalsha(...args);
        },
      });
      const locker = new RedisLocker({ client, minHold: 0 });
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
      client.disconnect();
    }
  });

  describe('RedisElector passes the elector contract on a Cluster client', () => {
    for (const c of electorContract(electors)) it(c.name, c.run, c.timeout);
  });
});
