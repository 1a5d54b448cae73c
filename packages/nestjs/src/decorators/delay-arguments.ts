import { type Duration, type JobOptions, TscronError, toMilliseconds } from 'tscron';
import { describeValue } from '../describe-value.js';
import { checkName, checkOptions } from './scheduled-method.js';

/**
 * Reads `(ms, options?)` or `(name, ms, options?)`, as `@Interval` and `@Timeout` take them. A
 * leading string is always the name, as in `@nestjs/schedule`; the duration may be a number of
 * milliseconds or a tscron duration string (`'5m'`) after a name.
 */
export function delayArguments(
  args: readonly unknown[],
  where: string,
): { name: string | undefined; ms: number; options: JobOptions } {
  const named = typeof args[0] === 'string';
  const [name, duration, options] = named ? args : [undefined, args[0], args[1]];
  if (duration === undefined || (typeof duration !== 'number' && typeof duration !== 'string')) {
    throw new TscronError(
      'ERR_INVALID_DURATION',
      `${where}: the ${named ? 'second' : 'first'} argument must be milliseconds or a duration such as '5m', got ${describeValue(duration)}`,
    );
  }
  const ms = toMilliseconds(duration as Duration, where);
  const checked = checkOptions(options, where) as JobOptions;
  return { name: checkName(name, where) ?? checkName(checked.name, where), ms, options: checked };
}
