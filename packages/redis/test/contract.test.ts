// RedisLocker, RedisElector and RedisFleet pass the shared contracts, through each client of clients.ts.
import { Redis } from 'ioredis';
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
import { afterAll, describe, it } from 'vitest';
import { serviceAvailable, sparePort } from '../../../test-support/services.js';
import { RedisElector, RedisFleet, RedisLocker } from '../src/index.js';
import { type ClientFlavour, clients, type TestClient } from './clients.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serviceAvailable('Redis', url, 6379);
const prefix = `tscron-test:${process.pid}:`;

function instance(client: TestClient, settings: LockerContractSettings, owned: boolean): ContractLocker {
  const locker = new RedisLocker({ client: client.client, keyPrefix: prefix, ...settings });
  const drop = async () => {
    client.disconnect();
  };
  return {
    locker,
    kill: drop,
    disconnect: drop,
    close: async () => {
      await locker.close();
      if (owned) await client.quit();
    },
  };
}

/** The probe inspects the server through ioredis 5 whatever the client under test. */
const probe = up ? new Redis(url) : undefined;
afterAll(() => probe?.quit());
const keys = new RedisLocker({ client: probe ?? new Redis({ lazyConnect: true }), keyPrefix: prefix });

/** Deletes every key under `pattern` (the fleets' paused sets and completed hashes outlive a case). */
async function deleteKeys(pattern: string): Promise<void> {
  const found = (await probe?.keys(pattern)) ?? [];
  if (found.length > 0) await probe?.del(...found);
}

function factories(flavour: ClientFlavour): {
  lockers: LockerContractFactory;
  electors: ElectorContractFactory;
  fleets: FleetContractFactory;
} {
  const lockers: LockerContractFactory = {
    create: async (settings) => instance(flavour.standalone({ url }), settings, true),
    createSharing: async (settings) => {
      const client = flavour.standalone({ url });
      return [instance(client, settings, false), instance(client, settings, true)];
    },
    createUnreachable: async (settings) => {
      const client = flavour.standalone({ port: await sparePort(), retryDelay: 100 });
      client.onError(() => undefined);
      return instance(client, settings, true);
    },
    isHeld: async (key, at) => (await probe?.exists(keys.occurrenceKey(key, at))) === 1,
    expire: async (key, at) => {
      await probe?.del(keys.occurrenceKey(key, at));
    },
    remainingTtl: async (key, at) => Math.max(-1, (await probe?.pttl(keys.occurrenceKey(key, at))) ?? -1),
  };
  const electors: ElectorContractFactory = {
    create: async (name, settings) => {
      const client = flavour.standalone({ url });
      const elector = new RedisElector({ client: client.client, name, keyPrefix: prefix, ...settings });
      const drop = async () => {
        client.disconnect();
      };
      return {
        elector,
        kill: drop,
        disconnect: drop,
        close: async () => {
          await elector.close();
          await client.quit();
        },
      };
    },
  };
  const fleets: FleetContractFactory = {
    create: async (namespace) => {
      const client = flavour.standalone({ url });
      const fleet = new RedisFleet({ client: client.client, keyPrefix: `${prefix}${namespace}:` });
      return {
        fleet,
        close: async () => {
          await fleet.close();
          await client.quit();
        },
      };
    },
    cleanup: () => deleteKeys(`${prefix}tscron-contract-fleet-*`),
  };
  return { lockers, electors, fleets };
}

describe.skipIf(!up).each(clients)('$label', (flavour) => {
  const { lockers, electors, fleets } = factories(flavour);

  describe('RedisLocker passes the locker contract', () => {
    for (const c of lockerContract(lockers, { batch: true })) it(c.name, c.run, c.timeout);
  });

  describe('RedisElector passes the elector contract', () => {
    for (const c of electorContract(electors)) it(c.name, c.run, c.timeout);
  });

  describe('RedisFleet passes the fleet contract', () => {
    for (const c of fleetContract(fleets)) it(c.name, c.run, c.timeout);
  });
});
