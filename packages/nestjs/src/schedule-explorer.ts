import { Logger } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { durationJob, type JobContext, type JobOptions, oneTimeJob, TscronError } from 'tscron';
import { CronJob } from './cron-job.js';
import type { ScheduledMethod } from './decorators/scheduled-method.js';
import type { ResolvedModuleOptions } from './module-options.js';
import type { SchedulerRegistry } from './scheduler-registry.js';
import { SCHEDULED_METHOD } from './tokens.js';

/** What Nest's discovery gives for each provider and controller (its `InstanceWrapper`). */
interface Discovered {
  readonly name: unknown;
  readonly instance: unknown;
  isDependencyTreeStatic(): boolean;
}

/** A decorated method found on an instance, with the job name it runs under. */
interface Found {
  readonly name: string;
  readonly method: ScheduledMethod;
  readonly task: (context: JobContext) => unknown;
}

const DECORATOR = { cron: '@Cron', interval: '@Interval', timeout: '@Timeout' } as const;

/**
 * Finds the `@Cron`, `@Interval` and `@Timeout` methods of every static provider and controller when
 * the modules initialise, schedules them when the application bootstraps, and shuts the scheduler
 * down (waiting for running jobs) when it closes.
 */
export class ScheduleExplorer {
  readonly #registry: SchedulerRegistry;
  readonly #discovery: DiscoveryService;
  readonly #scanner: MetadataScanner;
  readonly #reflector: Reflector;
  readonly #options: ResolvedModuleOptions;
  readonly #logger = new Logger('Scheduler');
  #found: Found[] = [];

  constructor(
    registry: SchedulerRegistry,
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    reflector: Reflector,
    options: ResolvedModuleOptions,
  ) {
    this.#registry = registry;
    this.#discovery = discovery;
    this.#scanner = scanner;
    this.#reflector = reflector;
    this.#options = options;
  }

  onModuleInit(): void {
    const found: Found[] = [];
    const names = new Map<string, string>();
    const wrappers = [...this.#discovery.getControllers(), ...this.#discovery.getProviders()] as Discovered[];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null) continue;
      for (const key of this.#scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[key];
        if (typeof method !== 'function') continue;
        const scheduled = this.#reflector.get<ScheduledMethod | undefined>(SCHEDULED_METHOD, method);
        if (scheduled === undefined || !this.#enabled(scheduled.kind)) continue;
        const owner = instance.constructor.name;
        if (!wrapper.isDependencyTreeStatic()) {
          this.#logger.warn(
            `${DECORATOR[scheduled.kind]} method ${owner}.${key} is not scheduled: its provider is not static (request or transient scope)`,
          );
          continue;
        }
        const name = scheduled.name ?? `${owner}.${key}`;
        const where = `${DECORATOR[scheduled.kind]} on ${owner}.${key}`;
        const taken = names.get(name);
        if (taken !== undefined) {
          throw new TscronError(
            'ERR_INVALID_OPTION',
            `${where}: the job name "${name}" is taken by ${taken}; give one of them another name (a job's name is its lock key across replicas)`,
          );
        }
        names.set(name, where);
        found.push({ name, method: scheduled, task: (context) => method.call(instance, context) });
      }
    }
    this.#found = found;
  }

  onApplicationBootstrap(): void {
    const registry = this.#registry;
    // In @nestjs/schedule's order: timeouts, intervals, then cron jobs.
    for (const kind of ['timeout', 'interval', 'cron'] as const) {
      for (const { name, method, task } of this.#found) {
        if (method.kind !== kind) continue;
        const where = `${DECORATOR[kind]} "${name}"`;
        if (method.kind === 'cron') {
          const job = CronJob.from({ ...method.params, onTick: task } as Parameters<typeof CronJob.from>[0]);
          registry.addCronJob(name, job);
          if (method.disabled) continue;
          if (method.initialDelay !== undefined && method.initialDelay > 0) {
            registry.startLater(name, job, method.initialDelay);
          } else {
            job.start();
          }
          continue;
        }
        registry.checkFree(method.kind, name, where);
        const definition =
          method.kind === 'interval'
            ? durationJob(method.ms)
            : oneTimeJob(method.ms === 0 ? 'immediately' : this.#options.clock.now() + method.ms);
        // A timeout counts from this process's start, so it is this process's own by default.
        const options: JobOptions =
          method.kind === 'timeout' && method.options.locker === undefined
            ? { ...method.options, locker: false, name }
            : { ...method.options, name };
        registry.addScheduled(method.kind, name, registry.scheduler.newJob(definition, task, options), task);
      }
    }
    this.#found = [];
    registry.scheduler.start();
  }

  /**
   * Nest calls a global module's `onModuleDestroy` after the application's own ones and before any
   * `beforeApplicationShutdown`: the earliest moment it offers to stop scheduling and wait.
   */
  onModuleDestroy(): Promise<void> {
    return this.#registry.close();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.#registry.close();
  }

  #enabled(kind: ScheduledMethod['kind']): boolean {
    const options = this.#options;
    return kind === 'cron' ? options.cronJobs : kind === 'interval' ? options.intervals : options.timeouts;
  }
}
