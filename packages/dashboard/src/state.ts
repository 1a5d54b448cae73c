// `GET api/state`: the header of the page, what the schedulers are doing at a glance.
import type { Scheduler } from 'tscron';
import type { Fleets } from './fleets.js';
import type { Histories } from './histories.js';

/** Runs read per store to count the last hour's failures; past this the count says "at least". */
const FAILURE_WINDOW_RUNS = 1000;
const HOUR = 3_600_000;

/** One scheduler in {@link StateJson}. */
export interface SchedulerStateJson {
  replica: string;
  timeZone: string;
  started: boolean;
  jobs: number;
  running: number;
}

/** What `GET api/state` returns; the totals are over every scheduler. */
export interface StateJson {
  /** Whether every scheduler is started. */
  started: boolean;
  jobs: number;
  running: number;
  /** Runs that failed in the last hour, over the stores read (of every replica writing to them). */
  failuresLastHour: number;
  /** The first scheduler's replica (the only one, usually). */
  replica: string;
  /** Whether actions are refused (`readOnly`): the page hides its buttons. */
  readOnly: boolean;
  /**
   * With a fleet (`scheduler.fleet`; the first one with several): its settings in milliseconds, so
   * that the page knows to show the replicas and how often to read them again; null without one.
   */
  fleet: { heartbeatInterval: number; balance: boolean; balanceGrace: number } | null;
  schedulers: SchedulerStateJson[];
}

export async function stateJson(
  schedulers: readonly Scheduler[],
  histories: Histories,
  fleets: Fleets,
  readOnly: boolean,
): Promise<StateJson> {
  const each = schedulers.map((scheduler) => {
    const jobs = scheduler.jobs();
    return {
      replica: scheduler.replica,
      timeZone: scheduler.timeZone,
      started: scheduler.isStarted(),
      jobs: jobs.length,
      running: jobs.filter((job) => job.isRunning()).length,
    };
  });
  const since = Date.now() - HOUR;
  const recent = await Promise.all(
    histories.all.map((history) => history.list({ limit: FAILURE_WINDOW_RUNS })),
  );
  const failuresLastHour = recent
    .flat()
    .filter((run) => run.status === 'fail' && new Date(run.startedAt).getTime() >= since).length;
  return {
    started: each.every((s) => s.started),
    jobs: each.reduce((sum, s) => sum + s.jobs, 0),
    running: each.reduce((sum, s) => sum + s.running, 0),
    failuresLastHour,
    replica: each[0]?.replica ?? '',
    readOnly,
    fleet: fleets.settings(),
    schedulers: each,
  };
}
