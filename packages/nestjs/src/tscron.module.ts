import type { DynamicModule, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { createScheduler, type Scheduler } from 'tscron';
import {
  checkAsyncOptions,
  type ResolvedModuleOptions,
  resolveModuleOptions,
  TSCRON_RESOLVED_OPTIONS,
  type TscronModuleAsyncOptions,
  type TscronModuleOptions,
  type TscronModuleOptionsFactory,
} from './module-options.js';
import { ScheduleExplorer } from './schedule-explorer.js';
import { SchedulerRegistry } from './scheduler-registry.js';
import { TSCRON_MODULE_OPTIONS, TSCRON_SCHEDULER } from './tokens.js';

/** The providers both `forRoot` and `forRootAsync` add beside the options. */
const PROVIDERS: Provider[] = [
  {
    provide: TSCRON_RESOLVED_OPTIONS,
    useFactory: (options: unknown) => resolveModuleOptions(options),
    inject: [TSCRON_MODULE_OPTIONS],
  },
  {
    provide: TSCRON_SCHEDULER,
    useFactory: (options: ResolvedModuleOptions) => createScheduler(options.scheduler),
    inject: [TSCRON_RESOLVED_OPTIONS],
  },
  {
    provide: SchedulerRegistry,
    useFactory: (scheduler: Scheduler, options: ResolvedModuleOptions) =>
      new SchedulerRegistry(scheduler, options),
    inject: [TSCRON_SCHEDULER, TSCRON_RESOLVED_OPTIONS],
  },
  {
    provide: ScheduleExplorer,
    useFactory: (
      registry: SchedulerRegistry,
      discovery: DiscoveryService,
      scanner: MetadataScanner,
      reflector: Reflector,
      options: ResolvedModuleOptions,
    ) => new ScheduleExplorer(registry, discovery, scanner, reflector, options),
    inject: [SchedulerRegistry, DiscoveryService, MetadataScanner, Reflector, TSCRON_RESOLVED_OPTIONS],
  },
];

/**
 * Runs the `@Cron`, `@Interval` and `@Timeout` methods of the application on a tscron scheduler:
 * each occurrence once across replicas with a `locker` (or only on the leader with an `elector`),
 * with a graceful stop when the application shuts down. Global, like `@nestjs/schedule`'s
 * `ScheduleModule`, which is this class under its old name.
 *
 * @example
 * ```ts
 * @Module({ imports: [TscronModule.forRoot({ locker: new RedisLocker({ client }) })], providers: [Reports] })
 * class AppModule {}
 * ```
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest identifies a module by its class.
export class TscronModule {
  /**
   * The module with the given options: every tscron `SchedulerOptions` field plus `cronJobs`,
   * `intervals` and `timeouts`. Bad options make the application's initialisation throw a
   * `TscronError` naming them.
   */
  static forRoot(options: TscronModuleOptions = {}): DynamicModule {
    return {
      global: true,
      module: TscronModule,
      imports: [DiscoveryModule],
      providers: [{ provide: TSCRON_MODULE_OPTIONS, useValue: options }, ...PROVIDERS],
      exports: [SchedulerRegistry, TSCRON_SCHEDULER, TSCRON_MODULE_OPTIONS],
    };
  }

  /**
   * The module with options made at initialisation, from injected providers: `useFactory` with
   * `inject`, or a class (`useClass`, `useExisting`) answering `createScheduleOptions()`.
   */
  static forRootAsync(options: TscronModuleAsyncOptions): DynamicModule {
    checkAsyncOptions(options);
    const providers: Provider[] = [];
    if (options.useFactory !== undefined) {
      providers.push({
        provide: TSCRON_MODULE_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => unknown,
        inject: options.inject ?? [],
      });
    } else {
      const factory = (options.useClass ?? options.useExisting) as new () => TscronModuleOptionsFactory;
      if (options.useClass !== undefined) providers.push({ provide: factory, useClass: factory });
      providers.push({
        provide: TSCRON_MODULE_OPTIONS,
        useFactory: (made: TscronModuleOptionsFactory) => made.createScheduleOptions(),
        inject: [factory],
      });
    }
    return {
      global: true,
      module: TscronModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [...providers, ...PROVIDERS],
      exports: [SchedulerRegistry, TSCRON_SCHEDULER, TSCRON_MODULE_OPTIONS],
    };
  }
}

/** `@nestjs/schedule`'s name of {@link TscronModule}: changing the import is the whole migration. */
export { TscronModule as ScheduleModule };
