import { TscronError } from 'tscron';
import { CronJob, type CronTimeLike } from './cron-job.js';
import type { DateTimeLike } from './cron-time.js';
import { isRecord } from './describe-value.js';

/**
 * What tscron reads and replaces of a `CronJob` of the `cron` package (versions 3 and 4), the
 * object `@nestjs/schedule` users build with `new CronJob(...)` and hand to `addCronJob`.
 */
export interface CronPackageJob {
  cronTime: CronTimeLike & { realDate?: boolean; source: string | Date | DateTimeLike };
  fireOnTick(): unknown;
  start(): unknown;
  stop(): unknown;
  setTime(time: never): unknown;
  name?: string | null | undefined;
  waitForCompletion?: boolean | undefined;
  unrefTimeout?: boolean | undefined;
  lastExecution?: Date | null | undefined;
  onComplete?: unknown;
  context?: unknown;
  readonly isActive?: boolean;
  readonly running?: boolean;
}

/** Whether `value` looks like a `cron` package `CronJob` (duck-typed: tscron does not load `cron`). */
export function isCronPackageJob(value: unknown): value is CronPackageJob {
  return (
    isRecord(value) &&
    !(value instanceof CronJob) &&
    typeof value.fireOnTick === 'function' &&
    typeof value.start === 'function' &&
    typeof value.stop === 'function' &&
    isRecord(value.cronTime) &&
    'source' in value.cronTime
  );
}

/**
 * A tscron {@link CronJob} that runs a `cron` package job: each run calls the job's own `fireOnTick`
 * (so its callbacks, `context`, `onComplete` argument and `errorHandler` behave as before), and the
 * job's `start`, `stop`, `setTime`, `isActive` and `running` are redirected to the tscron job, so that
 * `registry.addCronJob(name, job); job.start()` runs it on tscron. Its own timer is stopped first.
 * `nextDate()` and `nextDates()` stay the `cron` package's (luxon `DateTime`s); its `threshold` is
 * not carried over.
 */
export function adoptCronPackageJob(foreign: CronPackageJob, name: string): CronJob {
  const where = `SchedulerRegistry.addCronJob("${name}")`;
  const time = foreign.cronTime;
  const fireOnTick = foreign.fireOnTick;
  const adopted = CronJob.from({
    cronTime: time.source,
    // The `cron` package sets its CronTime's zone to the process's zone when none was given.
    ...(time.utcOffset !== undefined && time.utcOffset !== null
      ? { utcOffset: time.utcOffset }
      : { timeZone: time.timeZone ?? null }),
    onTick: async () => {
      foreign.lastExecution = adopted.lastExecution;
      await fireOnTick.call(foreign);
    },
    onComplete: () => {
      const onComplete = foreign.onComplete;
      return typeof onComplete === 'function' ? onComplete.call(foreign.context ?? foreign) : undefined;
    },
    // Not its threshold: the cron package sets 250 ms on every job, and its start() never finds an
    // occurrence already passed, so carrying it over as startAtGrace would add runs.
    waitForCompletion: foreign.waitForCompletion === true,
  });
  const wasActive = foreign.isActive ?? foreign.running ?? false;
  if (wasActive) stopQuietly(foreign, where);
  const redirect = (method: string, value: (...args: never[]) => unknown): void => {
    Object.defineProperty(foreign, method, { value, configurable: true, writable: true });
  };
  redirect('start', () => adopted.start());
  redirect('stop', () => adopted.stop());
  redirect('setTime', (time: CronTimeLike) => {
    adopted.setTime(time);
    foreign.cronTime = time as CronPackageJob['cronTime'];
  });
  for (const flag of ['isActive', 'running']) {
    Object.defineProperty(foreign, flag, { get: () => adopted.isActive, configurable: true });
  }
  if (wasActive) adopted.start();
  return adopted;
}

/** Stops the job's own timer without calling its `onComplete` (the job is not ending, it moves). */
function stopQuietly(foreign: CronPackageJob, where: string): void {
  const onComplete = foreign.onComplete;
  foreign.onComplete = undefined;
  let stopped: unknown;
  try {
    stopped = foreign.stop();
  } catch (error) {
    foreign.onComplete = onComplete;
    throw new TscronError('ERR_INVALID_ARGUMENT', `${where}: stopping the job's own timer threw`, {
      cause: error,
    });
  }
  const restore = (): void => {
    foreign.onComplete = onComplete;
  };
  if (stopped instanceof Promise) stopped.then(restore, restore);
  else restore();
}
