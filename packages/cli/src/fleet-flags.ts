// `tscron run`'s fleet: whether the locker URL brings one (a Redis or PostgreSQL URL, unless
// --no-fleet), with --balance and --heartbeat, and what the run says about it at start.
import type { Fleet } from 'tscron';
import { formatDuration } from 'tscron';
import { fleetSettings } from 'tscron/backend';
import { FLEET_SCHEMES, type FleetChoice, redact } from './backends.js';
import { messageOf } from './checks.js';
import type { Output } from './output.js';
import { UsageError } from './problems.js';
import type { JobSpec } from './spec.js';

/** The flags of `tscron run` that shape the fleet. */
export interface FleetFlags {
  /** `--no-fleet`: the locker URL gives a locker only (no fleet, no shared history). */
  readonly noFleet: boolean;
  /** `--balance`: spread occurrences over the fleet's live replicas. */
  readonly balance: boolean;
  /** `--heartbeat DUR`: the fleet's heartbeat interval. */
  readonly heartbeat: string | undefined;
}

/**
 * Whether the locker URL brings a fleet, and with which options: a Redis or PostgreSQL URL does
 * unless `--no-fleet`; `--balance` and `--heartbeat` without one are usage errors, as are bad values.
 */
export function fleetChoice(options: FleetFlags, lockerUrl: string | undefined): FleetChoice {
  const flags = [
    options.balance ? '--balance' : undefined,
    options.heartbeat === undefined ? undefined : '--heartbeat',
  ].filter((flag) => flag !== undefined);
  const asked = flags.join(' and ');
  const one = flags.length === 1;
  if (options.noFleet) {
    if (flags.length > 0) {
      throw new UsageError(`${asked} ${one ? 'sets' : 'set'} up the fleet, which --no-fleet turns off`);
    }
    return false;
  }
  let scheme: string;
  try {
    scheme = new URL(lockerUrl ?? 'memory:').protocol;
  } catch {
    return false; // opening the locker says what is wrong with the URL
  }
  if (!FLEET_SCHEMES.includes(scheme)) {
    if (asked !== '') {
      throw new UsageError(
        `${asked} ${one ? 'needs' : 'need'} a fleet, which only a redis://, rediss://, postgres:// or postgresql:// locker brings (the locker is ${redact(lockerUrl ?? 'memory:')})`,
      );
    }
    return false;
  }
  const choice = {
    ...(options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat }),
    ...(options.balance ? { balance: true } : {}),
  };
  try {
    fleetSettings('fleet', choice);
  } catch (error) {
    throw new UsageError(`--heartbeat ${options.heartbeat ?? ''}: ${messageOf(error)}`);
  }
  return choice;
}

/** Says which fleet this replica joined; warns about jobs whose catch-up needs one that is not there. */
export function announceFleet(
  output: Output,
  fleet: Fleet | undefined,
  lockerUrl: string | undefined,
  jobs: readonly JobSpec[],
): void {
  if (fleet !== undefined) {
    const { heartbeatInterval, balance } = fleet.settings;
    const where = redact(lockerUrl ?? '');
    output.write({
      level: 'info',
      msg: `fleet: ${where}, heartbeat every ${formatDuration(heartbeatInterval)}, balance ${balance ? 'on' : 'off'}; runs recorded in the shared history`,
      fields: { fleet: where },
    });
    return;
  }
  for (const job of jobs) {
    if (job.options.catchUpWithin === undefined) continue;
    output.write({
      level: 'warn',
      job: job.name,
      msg: `job ${job.name}: catchUpWithin has no effect without a fleet (a redis://, rediss://, postgres:// or postgresql:// locker, without --no-fleet)`,
    });
  }
}
