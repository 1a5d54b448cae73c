import { SetMetadata } from '@nestjs/common';
import { type JobDefinition, type JobOptions, TscronError } from 'tscron';
import { describeValue, isRecord } from '../describe-value.js';
import { SCHEDULED_METHOD } from '../tokens.js';

/** What a decorator records on a method, for the module to schedule at bootstrap. */
export type ScheduledMethod =
  | {
      readonly kind: 'cron';
      readonly name: string | undefined;
      readonly definition: JobDefinition;
      /** The `CronJob.from` parameters besides `onTick`. */
      readonly params: Readonly<Record<string, unknown>>;
      readonly disabled: boolean;
      readonly initialDelay: number | undefined;
    }
  | {
      readonly kind: 'interval' | 'timeout';
      readonly name: string | undefined;
      /** The interval, or the delay after bootstrap, in milliseconds. */
      readonly ms: number;
      readonly options: JobOptions;
    };

/** `@Cron on ReportService.send`, as error messages name a decorated method. */
function describeMethod(decorator: string, target: object, key: string | symbol): string {
  const owner = typeof target === 'function' ? target.name : target.constructor.name;
  return `${decorator} on ${owner}.${String(key)}`;
}

/**
 * A method decorator that records what `build` returns; `build` gets the method's description for
 * error messages and checks the decorator's arguments, so that bad ones throw when the class is
 * defined.
 */
export function scheduledMethod(
  decorator: string,
  build: (where: string) => ScheduledMethod,
): MethodDecorator {
  return (target, key, descriptor) => {
    const where = describeMethod(decorator, target, key);
    if (typeof descriptor.value !== 'function') {
      throw new TscronError('ERR_INVALID_ARGUMENT', `${where}: only methods can be scheduled`);
    }
    return SetMetadata(SCHEDULED_METHOD, build(where))(target, key, descriptor);
  };
}

/** Checks an optional name: a non-empty string. */
export function checkName(name: unknown, where: string): string | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TscronError(
      'ERR_WITH_NAME_EMPTY',
      `${where}: the name must be a non-empty string, got ${describeValue(name)}`,
    );
  }
  return name;
}

/** Checks an options argument: an object, or absent. */
export function checkOptions(options: unknown, where: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isRecord(options)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${where}: the options must be an object, got ${describeValue(options)}`,
    );
  }
  return options;
}
