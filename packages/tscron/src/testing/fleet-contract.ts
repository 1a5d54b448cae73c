// The conformance suite every Fleet backend runs against its real server.
import { isTscronError } from '../errors.js';
import type { Fleet, Heartbeat } from '../fleet.js';
import { check, sleep, uniqueKey, waitFor } from './contract-support.js';
import type { TimedContractCase } from './locker-contract.js';

/** One fleet as the suite sees it: the fleet object of one replica, with its own connection. */
export interface ContractFleet {
  readonly fleet: Fleet;
  /** Orderly end: whatever the factory opened for it. */
  close(): Promise<void>;
}

/** Hands the suite fleet objects that share one store when they share a `namespace`. */
export interface FleetContractFactory {
  /** A fleet in the store `namespace` (a key prefix, a schema, ...), with its own connection. */
  create(namespace: string): Promise<ContractFleet>;
  /** Called after every case. */
  cleanup?(): Promise<void>;
}

/** Options of {@link fleetContract}. */
export interface FleetContractOptions {
  /**
   * Tolerance of every timing check, in milliseconds.
   * @default 250
   */
  margin?: number;
}

function beat(replica: string, overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    replica,
    host: 'contract-host',
    pid: 4242,
    version: '0.0.0-contract',
    startedAt: new Date('2026-01-02T03:04:05.678Z'),
    clockOffsetMs: 0,
    ttlMs: 60_000,
    ...overrides,
  };
}

async function rejectsWithCode(call: () => Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await call();
  } catch (error) {
    check(isTscronError(error, code as never), `${what}: expected ${code}, got ${String(error)}`);
    return;
  }
  check(false, `${what}: expected a rejection with ${code}`);
}

/**
 * The conformance cases for a {@link Fleet} backend. Register each with any runner:
 * `for (const c of fleetContract(factory)) it(c.name, c.run, c.timeout)`.
 */
export function fleetContract(
  factory: FleetContractFactory,
  options: FleetContractOptions = {},
): TimedContractCase[] {
  const margin = options.margin ?? 250;
  const signal = new AbortController().signal;

  const scoped =
    (body: (fleets: ContractFleet[], namespace: string) => Promise<void>, count = 2) =>
    async (): Promise<void> => {
      const namespace = uniqueKey('fleet');
      const fleets: ContractFleet[] = [];
      try {
        for (let i = 0; i < count; i++) fleets.push(await factory.create(namespace));
        await body(fleets, namespace);
      } finally {
        await Promise.allSettled(fleets.map((f) => f.close()));
        await factory.cleanup?.();
      }
    };

  const cases: Array<Omit<TimedContractCase, 'timeout'> & { timeout?: number }> = [
    {
      name: 'a heartbeat lists the replica as written, stamped with the server time',
      run: scoped(async ([a]) => {
        const before = Date.now();
        const state = await a!.fleet.heartbeat(beat('r1', { clockOffsetMs: -123 }), { signal });
        const after = Date.now();
        const server = state.serverTime.getTime();
        check(
          server >= before - margin && server <= after + margin,
          `serverTime ${state.serverTime.toISOString()} is not now`,
        );
        check(state.replicas.length === 1, `expected 1 replica, got ${state.replicas.length}`);
        const [r] = state.replicas;
        check(r!.id === 'r1' && r!.host === 'contract-host' && r!.pid === 4242, 'id, host or pid differ');
        check(r!.version === '0.0.0-contract', `version ${r!.version}`);
        check(
          r!.startedAt.getTime() === Date.parse('2026-01-02T03:04:05.678Z'),
          `startedAt ${r!.startedAt.toISOString()}`,
        );
        check(r!.clockOffsetMs === -123, `clockOffsetMs ${r!.clockOffsetMs}`);
        check(r!.lastSeen.getTime() === server, "lastSeen is not the heartbeat's server time");
        check(state.paused.length === 0, 'a new fleet has paused jobs');
      }, 1),
    },
    {
      name: 'replicas of one fleet see each other, sorted by id; another namespace sees none',
      run: scoped(async ([a, b]) => {
        await a!.fleet.heartbeat(beat('r-b'), { signal });
        const state = await b!.fleet.heartbeat(beat('r-a'), { signal });
        check(
          state.replicas.map((r) => r.id).join() === 'r-a,r-b',
          `replicas ${state.replicas.map((r) => r.id)}`,
        );
        const listed = await a!.fleet.replicas();
        check(listed.map((r) => r.id).join() === 'r-a,r-b', `replicas() ${listed.map((r) => r.id)}`);
        const other = await factory.create(uniqueKey('fleet'));
        try {
          check((await other.fleet.replicas()).length === 0, 'another namespace sees this fleet');
        } finally {
          await other.close();
        }
      }),
    },
    {
      name: 'a replica that stops heartbeating is gone after its ttl; one that beats stays',
      run: scoped(async ([a, b]) => {
        const ttlMs = 600;
        await a!.fleet.heartbeat(beat('quiet', { ttlMs }), { signal });
        await b!.fleet.heartbeat(beat('busy', { ttlMs }), { signal });
        const gone = await waitFor(
          async () => {
            await b!.fleet.heartbeat(beat('busy', { ttlMs }), { signal });
            return !(await b!.fleet.replicas()).some((r) => r.id === 'quiet');
          },
          ttlMs + 4 * margin,
          'the quiet replica is still listed',
          50,
        );
        check(gone >= ttlMs - margin, `the quiet replica left after ${gone}ms, before its ttl of ${ttlMs}ms`);
        check(
          (await a!.fleet.replicas()).some((r) => r.id === 'busy'),
          'the beating replica is gone',
        );
      }),
      timeout: 10_000,
    },
    {
      name: 'a second heartbeat replaces the first: one entry, the new lastSeen and offset',
      run: scoped(async ([a]) => {
        const first = await a!.fleet.heartbeat(beat('r1', { clockOffsetMs: 5 }), { signal });
        await sleep(20);
        const second = await a!.fleet.heartbeat(beat('r1', { clockOffsetMs: 7 }), { signal });
        check(second.replicas.length === 1, `expected 1 entry, got ${second.replicas.length}`);
        check(second.replicas[0]!.clockOffsetMs === 7, 'the offset was not replaced');
        check(
          second.replicas[0]!.lastSeen.getTime() > first.replicas[0]!.lastSeen.getTime(),
          'lastSeen did not move forward',
        );
      }, 1),
    },
    {
      name: 'leave removes a replica at once',
      run: scoped(async ([a, b]) => {
        await a!.fleet.heartbeat(beat('leaving'), { signal });
        await b!.fleet.heartbeat(beat('staying'), { signal });
        await a!.fleet.leave('leaving');
        const ids = (await b!.fleet.replicas()).map((r) => r.id);
        check(ids.join() === 'staying', `after leave: ${ids}`);
        await a!.fleet.leave('never-joined');
      }),
    },
    {
      name: 'pause and resume are fleet-wide, idempotent, seen by the next heartbeat and by new connections',
      run: scoped(async ([a, b], namespace) => {
        await a!.fleet.pause('report');
        await a!.fleet.pause('report');
        await a!.fleet.pause('backup');
        const state = await b!.fleet.heartbeat(beat('r2'), { signal });
        check(state.paused.join() === 'backup,report', `heartbeat paused: ${state.paused}`);
        // The same namespace through a new connection, as after a restart.
        const fresh = await factory.create(namespace);
        try {
          check(
            (await fresh.fleet.pausedJobs()).join() === 'backup,report',
            'a new connection does not see the pause',
          );
        } finally {
          await fresh.close();
        }
        await b!.fleet.resume('report');
        await b!.fleet.resume('never-paused');
        check((await a!.fleet.pausedJobs()).join() === 'backup', 'resume did not undo the pause');
      }),
    },
    {
      name: 'lastCompleted keeps the latest occurrence per job; a job with none is absent',
      run: scoped(async ([a, b]) => {
        const t = Date.parse('2026-03-01T00:00:00.000Z');
        await a!.fleet.recordCompleted('job-a', new Date(t + 2000));
        await b!.fleet.recordCompleted('job-a', new Date(t + 1000));
        await b!.fleet.recordCompleted('job-b', new Date(t + 5));
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => a!.fleet.recordCompleted('job-c', new Date(t + i * 1000))),
        );
        const found = await b!.fleet.lastCompleted(['job-a', 'job-b', 'job-c', 'job-none']);
        check(found.get('job-a')?.getTime() === t + 2000, `job-a: ${found.get('job-a')?.toISOString()}`);
        check(found.get('job-b')?.getTime() === t + 5, `job-b: ${found.get('job-b')?.toISOString()}`);
        check(found.get('job-c')?.getTime() === t + 19_000, `job-c: ${found.get('job-c')?.toISOString()}`);
        check(!found.has('job-none'), 'a job never completed has an entry');
        check((await a!.fleet.lastCompleted([])).size === 0, 'no names, yet entries');
      }),
    },
    {
      name: 'job names are stored as given: unicode, quotes, spaces, 1000 characters',
      run: scoped(async ([a]) => {
        const names = ['täglich: «bericht»', 'it\'s "quoted"', 'a b\tc', 'x'.repeat(1000), '{slot}:*?[]%_'];
        for (const name of names) await a!.fleet.pause(name);
        const paused = await a!.fleet.pausedJobs();
        for (const name of names)
          check(paused.includes(name), `pause lost ${JSON.stringify(name.slice(0, 40))}`);
        for (const name of names) await a!.fleet.recordCompleted(name, new Date(1_000_000));
        const found = await a!.fleet.lastCompleted(names);
        check(found.size === names.length, `lastCompleted found ${found.size} of ${names.length}`);
      }, 1),
    },
    {
      name: 'bad job names and dates are ERR_INVALID_OPTION',
      run: scoped(async ([a]) => {
        const f = a!.fleet;
        await rejectsWithCode(() => f.pause(''), 'ERR_INVALID_OPTION', 'pause("")');
        await rejectsWithCode(() => f.resume(42 as never), 'ERR_INVALID_OPTION', 'resume(42)');
        await rejectsWithCode(() => f.pause('x'.repeat(1001)), 'ERR_INVALID_OPTION', 'pause(1001 chars)');
        await rejectsWithCode(
          () => f.recordCompleted('job', new Date(Number.NaN)),
          'ERR_INVALID_OPTION',
          'recordCompleted(Invalid Date)',
        );
        await rejectsWithCode(
          () => f.lastCompleted([''] as string[]),
          'ERR_INVALID_OPTION',
          'lastCompleted([""])',
        );
      }, 1),
    },
  ];
  return cases.map((c) => ({ ...c, timeout: c.timeout ?? 5000 }));
}
