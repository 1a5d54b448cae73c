import { type Duration, type Scheduler, TscronError } from 'tscron';
import { FakeClock } from 'tscron/testing';
import { describeValue } from '../describe-value.js';
import {
  type ResolvedModuleOptions,
  resolveModuleOptions,
  TSCRON_RESOLVED_OPTIONS,
} from '../module-options.js';
import { SchedulerRegistry } from '../scheduler-registry.js';
import { TSCRON_MODULE_OPTIONS, TSCRON_SCHEDULER } from '../tokens.js';

/** Options of {@link ScheduleTester}. */
export interface ScheduleTesterOptions {
  /** When the fake clock starts (a `Date` or epoch milliseconds). @default the time the tester is made */
  now?: Date | number;
  /**
   * Keep the module's `locker`, `elector` and `fleet`. By default they are dropped, so that jobs
   * run in the test without a server. @default false
   */
  keepBackends?: boolean;
}

/** What {@link ScheduleTester.install} needs of Nest's `TestingModuleBuilder`. */
export interface OverridableBuilder<T> {
  overrideProvider(token: unknown): {
    useFactory(options: { factory: (...args: never[]) => unknown; inject?: unknown[] }): T;
  };
}

/**
 * Drives the `TscronModule` (or `ScheduleModule`) of a Nest testing module on a `FakeClock`: install
 * it on the `Test.createTestingModule(...)` builder, then move time with {@link ScheduleTester.advance}
 * (due jobs run in order, their promises settled in between) or run one job by name with
 * {@link ScheduleTester.run}. The application module stays as it is.
 *
 * @example
 * ```ts
 * const tester = new ScheduleTester({ now: new Date('2027-01-01T00:00:00Z') });
 * const moduleRef = await tester.install(Test.createTestingModule({ imports: [AppModule] })).compile();
 * await moduleRef.init();
 * await tester.advance('1h');     // every job due in that hour runs
 * await tester.run('daily-report'); // runs it now; rejects with what it threw
 * await moduleRef.close();
 * ```
 */
export class ScheduleTester {
  /** The fake clock the module's scheduler runs on. */
  readonly clock: FakeClock;
  readonly #keepBackends: boolean;
  #registry: SchedulerRegistry | undefined;

  constructor(options: ScheduleTesterOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `ScheduleTester: the options must be an object, got ${describeValue(options)}`,
      );
    }
    this.clock = new FakeClock(options.now);
    this.#keepBackends = options.keepBackends === true;
  }

  /**
   * Makes the builder's `TscronModule` use this tester's clock (and, unless `keepBackends`, no
   * locker, elector or fleet); returns the builder.
   */
  install<T extends OverridableBuilder<T>>(builder: T): T {
    const resolve = (options: unknown): ResolvedModuleOptions => this.#resolve(options);
    const registry = (scheduler: Scheduler, options: ResolvedModuleOptions): SchedulerRegistry => {
      this.#registry = new SchedulerRegistry(scheduler, options);
      return this.#registry;
    };
    return builder
      .overrideProvider(TSCRON_RESOLVED_OPTIONS)
      .useFactory({ factory: resolve as (...args: never[]) => unknown, inject: [TSCRON_MODULE_OPTIONS] })
      .overrideProvider(SchedulerRegistry)
      .useFactory({
        factory: registry as (...args: never[]) => unknown,
        inject: [TSCRON_SCHEDULER, TSCRON_RESOLVED_OPTIONS],
      });
  }

  /** Moves the clock forward by `duration`, running every job that falls due on the way. */
  advance(duration: Duration): Promise<void> {
    return this.clock.advance(duration);
  }

  /**
   * Runs the job named `name` (a cron job, interval or timeout of the registry) now, outside its
   * schedule and without a lock; resolves when it ended and rejects with what it threw.
   */
  run(name: string): Promise<void> {
    return Promise.resolve().then(() => this.#installed('run').run(name));
  }

  /** The tscron scheduler of the module, once the testing module is compiled. */
  get scheduler(): Scheduler {
    return this.#installed('scheduler').scheduler;
  }

  #installed(what: string): SchedulerRegistry {
    if (this.#registry === undefined) {
      throw new TscronError(
        'ERR_INVALID_ARGUMENT',
        `ScheduleTester.${what}: install(builder) the tester and compile the testing module first`,
      );
    }
    return this.#registry;
  }

  #resolve(options: unknown): ResolvedModuleOptions {
    const resolved = resolveModuleOptions(options);
    const scheduler: Record<string, unknown> = { ...resolved.scheduler, clock: this.clock };
    if (!this.#keepBackends) {
      delete scheduler.locker;
      delete scheduler.elector;
      delete scheduler.fleet;
    }
    return { ...resolved, scheduler, clock: this.clock };
  }
}
