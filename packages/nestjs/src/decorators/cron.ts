import type { JobOptions } from 'tscron';
import { type CronFields, checkBoolean, checkMilliseconds, jobOptionsOf } from '../cron-options.js';
import { type CronTimeSource, definitionOf } from '../cron-time.js';
import { checkName, checkOptions, scheduledMethod } from './scheduled-method.js';

/** `@Cron`'s options besides the zone: `@nestjs/schedule`'s, plus every tscron `JobOptions` field. */
export interface CronOptionsBase
  extends Omit<CronFields, 'timeZone' | 'utcOffset'>,
    Omit<JobOptions, 'name'> {
  /**
   * The job's name: its key in `SchedulerRegistry`, and the lock key that replicas agree on.
   * @default `<class name>.<method name>`
   */
  name?: string;
  /** Register the job stopped: it runs once `registry.getCronJob(name).start()` is called. @default false */
  disabled?: boolean;
  /** Milliseconds after bootstrap before the job starts; the first run is the next occurrence after that. @default 0 */
  initialDelay?: number;
}

/**
 * Options of {@link Cron}. `timeZone` and `utcOffset` exclude each other (see {@link CronFields}).
 *
 * @example
 * ```ts
 * @Cron('0 0 9 * * MON-FRI', { name: 'digest', timeZone: 'Europe/Paris', retry: { attempts: 2 } })
 * ```
 */
export type CronOptions = CronOptionsBase &
  (
    | { timeZone?: CronFields['timeZone']; utcOffset?: never }
    | { timeZone?: never; utcOffset?: CronFields['utcOffset'] }
  );

/**
 * Runs the method on a cron expression (five fields, or six with the seconds first; `TZ=` prefix,
 * `L`, `W`, `#`), or once at a `Date` or luxon `DateTime`. The method gets the run's tscron
 * `JobContext` (`signal`, `scheduledAt`, `lock`). Bad arguments throw a `TscronError` when the class
 * is defined.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Reports {
 *   @Cron(CronExpression.EVERY_DAY_AT_9AM, { name: 'daily-report', timeZone: 'Europe/London' })
 *   async send({ signal }: JobContext) {
 *     await fetch('https://example.com/report', { method: 'POST', signal });
 *   }
 * }
 * ```
 */
export function Cron(cronTime: CronTimeSource, options?: CronOptions): MethodDecorator {
  return scheduledMethod('@Cron', (where) => {
    const given = checkOptions(options, where);
    const { name, disabled, initialDelay, ...params } = given;
    const definition = definitionOf(cronTime, params.timeZone, params.utcOffset, where);
    // Checked now so that a bad value names the method; the job is made from `params` at bootstrap.
    jobOptionsOf(params, where);
    return {
      kind: 'cron',
      name: checkName(name, where),
      definition,
      params: { ...params, cronTime },
      disabled: checkBoolean(disabled, 'disabled', where),
      initialDelay: checkMilliseconds(initialDelay, 'initialDelay', where),
    };
  });
}
