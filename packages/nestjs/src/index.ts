// The public API of @tscron/nestjs. Every name is listed by hand so that nothing internal leaks out.
export { CronDate } from './cron-date.js';
export { CronExpression } from './cron-expression.js';
export type { CronCallback, CronJobParams, CronTimeLike } from './cron-job.js';
export { CronJob } from './cron-job.js';
export type { CronFields } from './cron-options.js';
export type { CronPackageJob } from './cron-package.js';
export type { CronTimeSource, DateTimeLike } from './cron-time.js';
export { CronTime } from './cron-time.js';
export type { CronOptions, CronOptionsBase } from './decorators/cron.js';
export { Cron } from './decorators/cron.js';
export { Interval } from './decorators/interval.js';
export { Timeout } from './decorators/timeout.js';
export type {
  ScheduleModuleAsyncOptions,
  ScheduleModuleOptions,
  ScheduleModuleOptionsFactory,
  TscronModuleAsyncOptions,
  TscronModuleOptions,
  TscronModuleOptionsFactory,
} from './module-options.js';
export { SchedulerRegistry } from './scheduler-registry.js';
export { TSCRON_MODULE_OPTIONS, TSCRON_SCHEDULER } from './tokens.js';
export { ScheduleModule, TscronModule } from './tscron.module.js';
