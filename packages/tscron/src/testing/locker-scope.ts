// Opens contract lockers for one case and closes every one of them afterwards, whatever happened.
import type { Locker } from '../distributed.js';
import { isTscronError } from '../errors.js';
import { check, now, within } from './contract-support.js';
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

/**
 * Checks that `call` on a locker whose server cannot be reached rejects in time, with a TscronError
 * `ERR_LOCK_TIMEOUT` or `ERR_LOCK_BACKEND_FAILED`; `what` names the call in messages. Does nothing
 * when the factory cannot make such a locker.
 */
export async function checkUnreachable(
  factory: LockerContractFactory,
  margin: number,
  what: string,
  call: (locker: Locker) => Promise<unknown>,
): Promise<void> {
  if (factory.createUnreachable === undefined) return;
  const acquireTimeout = 500;
  const down = await factory.createUnreachable({ ...BASE, acquireTimeout });
  try {
    const start = now();
    let reason: unknown;
    const outcome = await within(
      call(down.locker).then(
        () => 'resolved',
        (error: unknown) => {
          reason = error;
          return 'rejected';
        },
      ),
      acquireTimeout + 4 * margin,
      `${what} against an unreachable server`,
    );
    check(outcome === 'rejected', `${what} against an unreachable server ${outcome}`);
    check(
      isTscronError(reason, 'ERR_LOCK_TIMEOUT') || isTscronError(reason, 'ERR_LOCK_BACKEND_FAILED'),
      `an unreachable server rejected ${what} with ${String(reason)} instead of a TscronError ERR_LOCK_TIMEOUT or ERR_LOCK_BACKEND_FAILED`,
    );
    check(
      now() - start <= acquireTimeout + 2 * margin,
      `an unreachable server rejected ${what} after ${Math.round(now() - start)}ms, acquireTimeout is ${acquireTimeout}ms`,
    );
  } finally {
    await down.close().catch(() => undefined);
  }
}
