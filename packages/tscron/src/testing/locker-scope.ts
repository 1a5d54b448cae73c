// Opens contract lockers for one case and closes every one of them afterwards, whatever happened.
import type { ContractLocker, LockerContractFactory, LockerContractSettings } from './locker-contract.js';

/** The settings every case starts from; a case overrides what it tests. */
export const BASE: LockerContractSettings = {
  ttl: 1000,
  minHold: 0,
  renewInterval: 300,
  acquireTimeout: 1000,
};

/** Opens lockers for one case; each is closed when the case ends. */
export interface LockerScope {
  one(settings?: Partial<LockerContractSettings>): Promise<ContractLocker>;
  sharing(settings?: Partial<LockerContractSettings>): Promise<[ContractLocker, ContractLocker]>;
}

/** Wraps a case body so that every locker it opens is closed and the factory cleaned up after it. */
export function lockerScope(
  factory: LockerContractFactory,
  base: LockerContractSettings,
): (body: (open: LockerScope) => Promise<void>) => () => Promise<void> {
  return (body) => async () => {
    const opened: ContractLocker[] = [];
    const open: LockerScope = {
      one: async (settings = {}) => {
        const instance = await factory.create({ ...base, ...settings });
        opened.push(instance);
        return instance;
      },
      sharing: async (settings = {}) => {
        const pair = await factory.createSharing({ ...base, ...settings });
        opened.push(...pair);
        return pair;
      },
    };
    try {
      await body(open);
    } finally {
      for (const instance of opened) await instance.close().catch(() => undefined);
      await factory.cleanup?.();
    }
  };
}
