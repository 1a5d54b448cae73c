// The conformance suite every Elector backend runs against its real server.
import type { Elector } from '../distributed.js';
import { check, now, pendingTimersAfter, sleep, uniqueKey, waitFor } from './contract-support.js';
import type { TimedContractCase } from './locker-contract.js';

/** What the suite asks a backend's elector to be configured with, in milliseconds. */
export interface ElectorContractSettings {
  /** How long a lease lasts without renewal. */
  lease: number;
  /** How often the leader renews and followers retry (shorter than `lease`). */
  retryPeriod: number;
}

/** One elector as the suite sees it: a separate instance (process) of the application. */
export interface ContractElector {
  readonly elector: Elector;
  /** The process dies: renewals stop, nothing is resigned (drop connections without resigning). */
  kill(): Promise<void>;
  /** The server becomes unreachable for this instance while it keeps running. Optional. */
  disconnect?(): Promise<void>;
  /** Orderly end: the backend's `close()` (resigns), then whatever the factory opened for it. */
  close(): Promise<void>;
}

/** Hands the suite electors that behave as separate instances competing in one election. */
export interface ElectorContractFactory {
  /** An elector for the election `name`, with its own connection. */
  create(name: string, settings: ElectorContractSettings): Promise<ContractElector>;
  /** Called after every case. */
  cleanup?(): Promise<void>;
}

/** Options of {@link electorContract}. */
export interface ElectorContractOptions {
  /**
   * Tolerance of every timing check, in milliseconds.
   * @default 250
   */
  margin?: number;
}

const SETTINGS: ElectorContractSettings = { lease: 1000, retryPeriod: 200 };

/**
 * The conformance cases for an {@link Elector} backend. Register each with any runner:
 * `for (const c of electorContract(factory)) it(c.name, c.run, c.timeout)`.
 */
export function electorContract(
  factory: ElectorContractFactory,
  options: ElectorContractOptions = {},
): TimedContractCase[] {
  const margin = options.margin ?? 250;
  const { lease, retryPeriod } = SETTINGS;
  const signal = new AbortController().signal;

  const scoped =
    (body: (candidates: ContractElector[]) => Promise<void>, count = 5) =>
    async (): Promise<void> => {
      const name = uniqueKey('election');
      const candidates: ContractElector[] = [];
      try {
        for (let i = 0; i < count; i++) candidates.push(await factory.create(name, SETTINGS));
        await body(candidates);
      } finally {
        for (const candidate of candidates) await candidate.close().catch(() => undefined);
        await factory.cleanup?.();
      }
    };

  const sample = (candidates: readonly ContractElector[]) =>
    Promise.all(candidates.map(({ elector }) => elector.isLeader({ signal })));
  const leaders = async (candidates: readonly ContractElector[]) =>
    (await sample(candidates)).filter(Boolean).length;

  /** Waits for a leader and checks that there is exactly one at every sample for `duration` ms. */
  const steady = async (candidates: readonly ContractElector[], duration: number, what: string) => {
    await waitFor(
      async () => (await leaders(candidates)) >= 1,
      lease + retryPeriod + margin,
      `${what}: no leader`,
    );
    const start = now();
    while (now() - start < duration) {
      const count = await leaders(candidates);
      check(count === 1, `${what}: ${count} leaders ${Math.round(now() - start)}ms into the sampling`);
      await sleep(15);
    }
    const answers = await sample(candidates);
    return candidates[answers.indexOf(true)] as ContractElector;
  };

  /**
   * Takes the leader away with `end` and watches the handover: never two leaders at once, the old
   * one says false no later than the new one says true, and a new one leads within `bound` ms.
   */
  const handover = async (
    candidates: ContractElector[],
    end: (leader: ContractElector) => Promise<void>,
    bound: number,
  ) => {
    const leader = await steady(candidates, 300, 'before the handover');
    const others = candidates.filter((c) => c !== leader);
    const start = now();
    await end(leader);
    let oldFalseAt: number | undefined;
    let newLeaderAt: number | undefined;
    while (newLeaderAt === undefined) {
      const [old, ...rest] = await sample([leader, ...others]);
      const t = now() - start;
      const count = rest.filter(Boolean).length;
      check(count <= 1, `${count} new leaders at once ${Math.round(t)}ms into the handover`);
      if (!old && oldFalseAt === undefined) oldFalseAt = t;
      if (count === 1) {
        check(
          !old,
          `the old leader still says true ${Math.round(t)}ms into the handover while a new one leads`,
        );
        newLeaderAt = t;
      }
      check(t <= bound + margin, `no new leader ${Math.round(t)}ms after the handover, bound ${bound}ms`);
      await sleep(5);
    }
    check(
      oldFalseAt !== undefined && oldFalseAt <= newLeaderAt,
      'the old leader said true after the new leader took over',
    );
    await steady(others, 300, 'after the handover');
    return { newLeaderAt, oldFalseAt };
  };

  return [
    {
      name: 'exactly one leader among 5 candidates at every sample; close() leaves no timer',
      timeout: 15_000,
      run: async () => {
        let closed = false;
        const pending = await pendingTimersAfter(
          scoped(async (candidates) => {
            await steady(candidates, 2.5 * lease, 'five candidates');
            for (const candidate of candidates) await candidate.close();
            closed = true;
            check((await leaders(candidates)) === 0, 'a closed elector still says it leads');
          }),
          1000,
        );
        check(closed, 'the candidates were not closed');
        check(pending === 0, `${pending} timer(s) still pending after every elector was closed`);
      },
    },
    {
      name: 'after the leader is killed a new one leads within lease + retry period',
      timeout: 15_000,
      run: scoped(async (candidates) => {
        await handover(candidates, (leader) => leader.kill(), lease + retryPeriod);
      }),
    },
    {
      name: 'a graceful resign hands over within one retry period',
      timeout: 15_000,
      run: scoped(async (candidates) => {
        await handover(candidates, (leader) => leader.close(), retryPeriod);
      }),
    },
    {
      name: 'a leader that cannot renew says false before its lease could expire elsewhere',
      timeout: 15_000,
      run: scoped(async (candidates) => {
        const { oldFalseAt } = await handover(
          candidates,
          (leader) => (leader.disconnect ?? leader.kill).call(leader),
          lease + retryPeriod,
        );
        check(
          (oldFalseAt ?? Number.POSITIVE_INFINITY) <= lease + margin,
          `a leader that could not renew said true for ${Math.round(oldFalseAt ?? -1)}ms, lease is ${lease}ms`,
        );
      }),
    },
    {
      name: 'a lone candidate leads from its first isLeader call on',
      timeout: 10_000,
      run: scoped(async ([only]) => {
        const elector = (only as ContractElector).elector;
        await waitFor(() => elector.isLeader({ signal }), retryPeriod + margin, 'a lone candidate never led');
        const start = now();
        while (now() - start < 1.5 * lease) {
          check(await elector.isLeader({ signal }), 'a lone, healthy leader lost its lease');
          await sleep(20);
        }
      }, 1),
    },
  ];
}
