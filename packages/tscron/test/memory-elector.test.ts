import { describe, expect, it } from 'vitest';
import { type Elector, MemoryElector } from '../src/index.js';
import { type ContractElector, type ElectorContractFactory, electorContract } from '../src/testing/index.js';

function memoryFactory(wrap: (elector: MemoryElector) => Elector = (e) => e): ElectorContractFactory {
  const tables = new Map<string, MemoryElector>();
  return {
    create: async (name, settings): Promise<ContractElector> => {
      const first = tables.get(name);
      const elector = new MemoryElector({ name, ...settings, ...(first ? { shareWith: first } : {}) });
      if (!first) tables.set(name, elector);
      return { elector: wrap(elector), kill: async () => elector.abandon(), close: () => elector.close() };
    },
  };
}

describe('MemoryElector passes the elector contract', () => {
  for (const c of electorContract(memoryFactory())) it(c.name, c.run, c.timeout);
});

describe('the elector contract catches broken electors', () => {
  it('fails an elector where everyone leads', async () => {
    const c = electorContract(memoryFactory(() => ({ isLeader: async () => true })))[0];
    await expect(c?.run()).rejects.toThrow(/leaders/);
  }, 20_000);

  it('fails an elector that keeps saying true after it stopped renewing', async () => {
    const c = electorContract(
      memoryFactory((elector) => {
        let led = false;
        return { isLeader: async (o) => (led ||= await elector.isLeader(o)) };
      }),
    ).find((x) => x.name.startsWith('after the leader is killed'));
    await expect(c?.run()).rejects.toThrow(expect.objectContaining({ name: 'AssertionError' }));
  }, 20_000);
});

describe('MemoryElector', () => {
  it('rejects bad options', () => {
    expect(() => new MemoryElector({ lease: '1s', retryPeriod: '1s' })).toThrow(/retryPeriod/);
    expect(() => new MemoryElector({ name: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
