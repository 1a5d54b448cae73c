import { type Duration, durationJob, type JobOptions } from 'tscron';
import { located } from '../located.js';
import { delayArguments } from './delay-arguments.js';
import { scheduledMethod } from './scheduled-method.js';

/**
 * Runs the method every `ms` milliseconds (tscron `durationJob`), the first time `ms` after
 * bootstrap; under a locker, at the multiples of `ms` since the epoch, so that replicas agree on
 * occurrences. `options` takes every tscron `JobOptions` field. The method gets the run's
 * `JobContext`.
 *
 * @example
 * ```ts
 * @Interval('poll', 10_000, { singletonMode: 'reschedule', timeout: '9s' })
 * async poll({ signal }: JobContext) {}
 * ```
 */
export function Interval(ms: number, options?: JobOptions): MethodDecorator;
/** Runs the method every `every` (milliseconds or a duration such as `'5m'`) under the job name `name`. */
export function Interval(name: string, every: Duration, options?: JobOptions): MethodDecorator;
export function Interval(...args: unknown[]): MethodDecorator {
  return scheduledMethod('@Interval', (where) => {
    const { name, ms, options } = delayArguments(args, where);
    located(where, () => durationJob(ms));
    return { kind: 'interval', name, ms, options };
  });
}
