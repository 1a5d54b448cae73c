import { type Duration, type JobOptions, TscronError } from 'tscron';
import { delayArguments } from './delay-arguments.js';
import { scheduledMethod } from './scheduled-method.js';

/**
 * Runs the method once, `ms` milliseconds after bootstrap (tscron `oneTimeJob`). The delay counts
 * from this process's start, so by default the run takes no lock (`locker: false`): each replica
 * runs its own, as `setTimeout` did; pass `locker` to change that. `options` takes every tscron
 * `JobOptions` field.
 *
 * @example
 * ```ts
 * @Timeout('warm-cache', 5_000)
 * async warm() {}
 * ```
 */
export function Timeout(ms: number, options?: JobOptions): MethodDecorator;
/** Runs the method once, `after` (milliseconds or a duration such as `'30s'`) after bootstrap, as job `name`. */
export function Timeout(name: string, after: Duration, options?: JobOptions): MethodDecorator;
export function Timeout(...args: unknown[]): MethodDecorator {
  return scheduledMethod('@Timeout', (where) => {
    const { name, ms, options } = delayArguments(args, where);
    if (ms < 0 || !Number.isInteger(ms)) {
      throw new TscronError(
        'ERR_INVALID_DURATION',
        `${where}: the delay must be a whole number of milliseconds >= 0, got ${ms}`,
      );
    }
    return { kind: 'timeout', name, ms, options };
  });
}
