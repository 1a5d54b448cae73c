/**
 * Injection token of the options given to `TscronModule.forRoot` (or made by `forRootAsync`).
 *
 * @example
 * ```ts
 * @Injectable()
 * class Jobs {
 *   constructor(@Inject(TSCRON_MODULE_OPTIONS) readonly options: TscronModuleOptions) {}
 * }
 * ```
 */
export const TSCRON_MODULE_OPTIONS = 'TSCRON_MODULE_OPTIONS';

/**
 * Injection token of the tscron `Scheduler` that `TscronModule` runs every job on: inject it to add
 * jobs of any kind (`dailyJob`, `monthlyJob`, ...) or to subscribe to its events.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Reports {
 *   constructor(@Inject(TSCRON_SCHEDULER) scheduler: Scheduler) {
 *     scheduler.newJob(monthlyJob(1, [-1], [atTime(23)]), () => this.close(), { name: 'month-end' });
 *   }
 * }
 * ```
 */
export const TSCRON_SCHEDULER = 'TSCRON_SCHEDULER';

/** Metadata key under which the decorators store what they schedule. */
export const SCHEDULED_METHOD = 'tscron:scheduled-method';
