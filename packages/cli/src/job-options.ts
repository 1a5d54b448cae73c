// The core JobOptions a file's job runs with, the same for validation, `run`, `list` and `next`.
import { type JobDefinition, type JobOptions, nextRuns } from 'tscron';
import type { JobSpec } from './spec.js';

/**
 * The anchor of `every` jobs: the Unix epoch. Each replica and each restart then runs an interval
 * job at the same instants (multiples of the interval), so that a locker can tell that two replicas
 * mean the same occurrence; counted from each process's start, their runs would never coincide.
 */
const INTERVAL_ANCHOR = 0;

/** A job's options for the core: the file's options, its name as name and id, the anchor rules. */
export function coreJobOptions(
  job: Pick<JobSpec, 'name' | 'definition' | 'options' | 'noLocker'>,
): JobOptions {
  const options: JobOptions = { ...job.options, name: job.name, id: job.name };
  if (job.noLocker) options.locker = false;
  if (typeof options.startAt === 'number') {
    // A file's start that has passed means "started then": it anchors the schedule, not an error.
    options.startAtPast = true;
  } else if (options.startAt === undefined && job.definition.kind === 'duration') {
    options.startAt = INTERVAL_ANCHOR;
    options.startAtPast = true;
  }
  return options;
}

/** The next `count` runs of a job after `from`, as `tscron run` would schedule them. */
export function upcomingRuns(
  job: Pick<JobSpec, 'definition' | 'options'>,
  count: number,
  from: Date | undefined,
  timeZone: string | undefined,
): Date[] {
  const definition: JobDefinition = job.definition;
  const after = from?.getTime() ?? Date.now();
  const startAt = job.options.startAt;
  if (definition.kind === 'duration') {
    const anchor = typeof startAt === 'number' ? startAt : INTERVAL_ANCHOR;
    if (startAt === 'immediately') return nextRuns(definition, count, { from: after });
    const first =
      anchor > after
        ? anchor
        : anchor + (Math.floor((after - anchor) / definition.every) + 1) * definition.every;
    return Array.from({ length: count }, (_, k) => new Date(first + k * definition.every)).filter(
      (run) => job.options.stopAt === undefined || run.getTime() < Number(job.options.stopAt),
    );
  }
  const start = typeof startAt === 'number' && startAt > after ? startAt - 1 : after;
  return nextRuns(definition, count, {
    from: start,
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(job.options.dstPolicy === undefined ? {} : { dstPolicy: job.options.dstPolicy }),
  }).filter((run) => job.options.stopAt === undefined || run.getTime() < Number(job.options.stopAt));
}
