import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import { type Clock, type SchedulerOptions, systemClock, TscronError } from 'tscron';
import { describeValue, isRecord } from './describe-value.js';
import { nestLogger } from './nest-logger.js';

/**
 * Options of `TscronModule.forRoot` (alias `ScheduleModule.forRoot`): every tscron `SchedulerOptions`
 * field (`locker`, `elector`, `history`, `timeZone`, `stopTimeout`, `globalJobOptions`, ...), plus
 * the three switches of `@nestjs/schedule`.
 *
 * @example
 * ```ts
 * TscronModule.forRoot({ locker: new RedisLocker({ client }), timeZone: 'Europe/Paris', stopTimeout: '30s' })
 * ```
 */
export interface TscronModuleOptions extends SchedulerOptions {
  /** Schedule the `@Cron` methods found on providers and controllers. @default true */
  cronJobs?: boolean;
  /** Schedule the `@Interval` methods. @default true */
  intervals?: boolean;
  /** Schedule the `@Timeout` methods. @default true */
  timeouts?: boolean;
}

/** `@nestjs/schedule`'s name of {@link TscronModuleOptions}. */
export type ScheduleModuleOptions = TscronModuleOptions;

/** A class that makes the module's options, for `forRootAsync({ useClass })` or `useExisting`. */
export interface TscronModuleOptionsFactory {
  /** Returns (or resolves to) the module's options. */
  createScheduleOptions(): Promise<TscronModuleOptions> | TscronModuleOptions;
}

/** `@nestjs/schedule`'s name of {@link TscronModuleOptionsFactory}. */
export type ScheduleModuleOptionsFactory = TscronModuleOptionsFactory;

/**
 * Options of `TscronModule.forRootAsync`: exactly one of `useFactory`, `useClass` or `useExisting`.
 *
 * @example
 * ```ts
 * TscronModule.forRootAsync({
 *   imports: [RedisModule],
 *   inject: [REDIS_CLIENT],
 *   useFactory: (client: Redis) => ({ locker: new RedisLocker({ client }) }),
 * })
 * ```
 */
export interface TscronModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Makes the options from the providers listed in `inject`. */
  useFactory?: (...args: never[]) => Promise<TscronModuleOptions> | TscronModuleOptions;
  /** What `useFactory` receives, in order. @default [] */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class the module instantiates and asks `createScheduleOptions()`. */
  useClass?: Type<TscronModuleOptionsFactory>;
  /** A provider, from `imports`, that the module asks `createScheduleOptions()`. */
  useExisting?: Type<TscronModuleOptionsFactory>;
}

/** `@nestjs/schedule`'s name of {@link TscronModuleAsyncOptions}. */
export type ScheduleModuleAsyncOptions = TscronModuleAsyncOptions;

/** @internal The module's options, checked, with defaults. */
export interface ResolvedModuleOptions {
  /** What `createScheduler` gets: the user's options, with Nest's logger unless one was given. */
  readonly scheduler: SchedulerOptions;
  readonly clock: Clock;
  readonly cronJobs: boolean;
  readonly intervals: boolean;
  readonly timeouts: boolean;
}

/** @internal Injection token of the {@link ResolvedModuleOptions}. */
export const TSCRON_RESOLVED_OPTIONS = 'TSCRON_RESOLVED_OPTIONS';

const SWITCHES = ['cronJobs', 'intervals', 'timeouts'] as const;

/**
 * @internal Checks the module's own switches and splits them from the scheduler's options, which
 * `createScheduler` checks (an unknown or bad option throws a `TscronError` naming it).
 */
export function resolveModuleOptions(options: unknown): ResolvedModuleOptions {
  if (options === undefined || options === null) options = {};
  if (!isRecord(options)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `TscronModule: the options must be an object, got ${describeValue(options)}`,
    );
  }
  const switches = { cronJobs: true, intervals: true, timeouts: true };
  const scheduler: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((SWITCHES as readonly string[]).includes(key)) {
      if (value === undefined) continue;
      if (typeof value !== 'boolean') {
        throw new TscronError(
          'ERR_INVALID_OPTION',
          `TscronModule: ${key} must be a boolean, got ${describeValue(value)}`,
        );
      }
      switches[key as (typeof SWITCHES)[number]] = value;
    } else {
      scheduler[key] = value;
    }
  }
  scheduler.logger ??= nestLogger();
  return {
    scheduler: scheduler as SchedulerOptions,
    clock: (scheduler.clock as Clock | undefined) ?? systemClock,
    ...switches,
  };
}

/** @internal Checks `forRootAsync`'s options: exactly one way to make the module's options. */
export function checkAsyncOptions(options: unknown): asserts options is TscronModuleAsyncOptions {
  if (!isRecord(options)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `TscronModule.forRootAsync: the options must be an object, got ${describeValue(options)}`,
    );
  }
  const ways = (['useFactory', 'useClass', 'useExisting'] as const).filter(
    (way) => options[way] !== undefined,
  );
  if (ways.length !== 1) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `TscronModule.forRootAsync: give exactly one of useFactory, useClass and useExisting, got ${ways.length === 0 ? 'none' : ways.join(' and ')}`,
    );
  }
  const [way] = ways as [(typeof ways)[number]];
  if (typeof options[way] !== 'function') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `TscronModule.forRootAsync: ${way} must be a ${way === 'useFactory' ? 'function' : 'class'}, got ${describeValue(options[way])}`,
    );
  }
  if (options.inject !== undefined && !Array.isArray(options.inject)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `TscronModule.forRootAsync: inject must be an array, got ${describeValue(options.inject)}`,
    );
  }
}
