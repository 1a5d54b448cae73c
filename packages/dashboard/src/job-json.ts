// What the API says about a job: the JSON of `GET api/jobs` and of the job events.
import type { Job, JobDefinition, RunHistory, RunRecord, Scheduler } from 'tscron';
import { cronZone } from './describe-cron.js';
import { describeSchedule, scheduleText } from './describe-schedule.js';
import { afterOffsetChange } from './dst-shift.js';

/** Upcoming runs listed per job. */
const NEXT_RUNS = 5;

/** A job as the API returns it. Dates are ISO 8601 strings in UTC. */
export interface JobJson {
  id: string;
  name: string;
  tags: readonly string[];
  schedule: {
    kind: JobDefinition['kind'];
    /** Compact: the cron expression as written, `every 5m0s`, `daily 09:00`, ... */
    text: string;
    /** The IANA zone wall-clock times are read in: the cron's `TZ=` prefix, else the scheduler's. */
    timeZone: string;
  };
  /** The schedule in English words. */
  description: string;
  nextRuns: string[];
  /** Parallel to `nextRuns`: true for a run within an hour after the zone changed its UTC offset. */
  dstShifted: boolean[];
  /** The newest run in the history, whichever replica ran it (with a shared history, of the whole fleet). */
  lastRun: RunRecord | null;
  /** Whether this replica's scheduler holds the job paused (`job.isPaused()`), by a local or a fleet-wide pause. */
  paused: boolean;
  /**
   * Whether the job's name is paused fleet-wide (`fleet.pause(name)`), as the fleet's server says;
   * always false when the scheduler has no fleet. `paused && !fleetPaused` is a pause of this
   * replica alone; `fleetPaused && !paused` a fleet-wide pause this replica applies at its next heartbeat.
   */
  fleetPaused: boolean;
  running: boolean;
  /** The `replica` of the scheduler holding the job. */
  replica: string;
}

/** A job and the scheduler holding it. */
export interface HeldJob {
  readonly job: Job;
  readonly scheduler: Scheduler;
}

/** Whether a definition is read on the wall clock, where offset changes matter. */
function isWallClock(definition: JobDefinition): boolean {
  if (definition.kind === 'cron') return !/^(?:\S+\s+)?@every\b/i.test(definition.expression.trim());
  return definition.kind === 'daily' || definition.kind === 'weekly' || definition.kind === 'monthly';
}

/** The JSON of one job, its last run read from `history`; `fleetPaused` as read from its fleet. */
export async function jobJson(
  { job, scheduler }: HeldJob,
  history: RunHistory,
  fleetPaused = false,
): Promise<JobJson> {
  const { definition } = job;
  const timeZone = (definition.kind === 'cron' && cronZone(definition.expression)) || scheduler.timeZone;
  const nextRuns = job.nextRuns(NEXT_RUNS);
  const wallClock = isWallClock(definition);
  const [lastRun = null] = await history.list({ jobName: job.name, limit: 1 });
  return {
    id: job.id,
    name: job.name,
    tags: job.tags,
    schedule: { kind: definition.kind, text: scheduleText(definition), timeZone },
    description: describeSchedule(definition),
    nextRuns: nextRuns.map((at) => at.toISOString()),
    dstShifted: nextRuns.map((at) => wallClock && afterOffsetChange(at, timeZone)),
    lastRun,
    paused: job.isPaused(),
    fleetPaused,
    running: job.isRunning(),
    replica: scheduler.replica,
  };
}

/** Every job of every scheduler, in the schedulers' order then creation order. */
export function allJobs(schedulers: readonly Scheduler[]): HeldJob[] {
  return schedulers.flatMap((scheduler) => scheduler.jobs().map((job) => ({ job, scheduler })));
}

/** The job with this id; with several schedulers, the first that has one. */
export function findJob(schedulers: readonly Scheduler[], id: string): HeldJob | undefined {
  for (const scheduler of schedulers) {
    const job = scheduler.jobs().find((candidate) => candidate.id === id);
    if (job !== undefined) return { job, scheduler };
  }
  return undefined;
}
