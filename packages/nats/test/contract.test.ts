// NatsLocker and NatsElector pass the shared contracts against the real NATS server.
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type ContractLocker,
  type ElectorContractFactory,
  electorContract,
  type LockerContractFactory,
  type LockerContractSettings,
  lockerContract,
} from 'tscron/testing';
import { afterAll, describe, it } from 'vitest';
import { NatsElector, NatsLocker } from '../src/index.js';
import { ClaimProbe, connectTo, openProxy, up } from './support.js';

const bucket = 'tscron_test_locks';
const leaders = 'tscron_test_leaders';
const probeConnection = up ? await connectTo() : undefined;
afterAll(() => probeConnection?.close());
const probe = probeConnection ? new ClaimProbe(probeConnection, bucket) : undefined;
const keys = probeConnection ? new NatsLocker({ client: probeConnection, bucket }) : undefined;
const keyOf = (key: string, at: Date) => keys?.occurrenceKey(key, at) ?? '';

/** A locker on its own connection through a proxy: `disconnect()` cuts the proxy. */
async function instance(settings: LockerContractSettings, nc?: NatsConnection, owned = true) {
  const proxy = nc === undefined ? await openProxy() : undefined;
  const client = nc ?? (await connectTo(proxy?.port));
  const locker = new NatsLocker({ client, bucket, ...settings });
  const contract: ContractLocker = {
    locker,
    kill: async () => {
      await client.close();
    },
    disconnect: async () => {
      await proxy?.cut();
    },
    close: async () => {
      await locker.close();
      if (owned) await client.close();
      await proxy?.cut();
    },
  };
  return { contract, client, proxy };
}

const lockers: LockerContractFactory = {
  create: async (settings) => (await instance(settings)).contract,
  createSharing: async (settings) => {
    const first = await instance(settings);
    const second = await instance(settings, first.client, false);
    // The sharing one closes first (the scope closes in order), the owner closes the connection.
    return [second.contract, first.contract];
  },
  createUnreachable: async (settings) => {
    const { contract, proxy } = await instance(settings);
    await proxy?.cut();
    return contract;
  },
  isHeld: async (key, at) => ((await probe?.remaining(keyOf(key, at))) ?? -1) > 0,
  expire: async (key, at) => {
    await probe?.remove(keyOf(key, at));
  },
  remainingTtl: async (key, at) => (await probe?.remaining(keyOf(key, at))) ?? -1,
};

const electors: ElectorContractFactory = {
  create: async (name, settings) => {
    const proxy = await openProxy();
    const client = await connectTo(proxy.port);
    const elector = new NatsElector({ client, name, bucket: leaders, ...settings });
    return {
      elector,
      kill: async () => {
        await client.close();
      },
      disconnect: async () => {
        await proxy.cut();
      },
      close: async () => {
        await elector.close();
        await client.close();
        await proxy.cut();
      },
    };
  },
};

describe.skipIf(!up)('NATS', () => {
  describe('NatsLocker passes the locker contract', () => {
    for (const c of lockerContract(lockers, { batch: true })) it(c.name, c.run, c.timeout);
  });

  describe('NatsElector passes the elector contract', () => {
    for (const c of electorContract(electors)) it(c.name, c.run, c.timeout);
  });
});
