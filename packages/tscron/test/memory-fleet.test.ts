import { describe, expect, it } from 'vitest';
import { MemoryFleet } from '../src/index.js';
import { fleetContract } from '../src/testing/index.js';

describe('MemoryFleet contract', () => {
  const stores = new Map<string, MemoryFleet>();
  for (const c of fleetContract({
    async create(namespace) {
      const first = stores.get(namespace);
      const fleet = new MemoryFleet(first === undefined ? {} : { shareWith: first });
      if (first === undefined) stores.set(namespace, fleet);
      return { fleet, close: async () => {} };
    },
  })) {
    it(c.name, c.run, c.timeout);
  }
});

describe('MemoryFleet options', () => {
  it('defaults to a 5 s heartbeat, no balance and a 1 s grace', () => {
    expect(new MemoryFleet().settings).toEqual({
      heartbeatInterval: 5000,
      balance: false,
      balanceGrace: 1000,
    });
  });

  it('rejects a grace of 3 heartbeats or more, and bad values, naming them', () => {
    expect(() => new MemoryFleet({ heartbeat: '1s', balanceGrace: '3s' })).toThrow(/balanceGrace \(3000ms\)/);
    expect(() => new MemoryFleet({ heartbeat: '5ms' })).toThrow(/heartbeat: must be at least 10ms/);
    expect(() => new MemoryFleet({ balance: 'yes' as never })).toThrow(
      /balance: must be a boolean, got "yes"/,
    );
    expect(() => new MemoryFleet({ heartbeat: 'soon' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DURATION' }),
    );
  });
});
