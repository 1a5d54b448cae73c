// The public API of tscron. Every name is listed by hand so that nothing internal leaks out.
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type {
  AtTime,
  CronJobDefinition,
  DailyJobDefinition,
  DurationJobDefinition,
  DurationRandomJobDefinition,
  JobDefinition,
  MonthlyJobDefinition,
  OneTimeJobDefinition,
  WeeklyJobDefinition,
} from './definitions.js';
export {
  atTime,
  cronJob,
  dailyJob,
  durationJob,
  durationRandomJob,
  monthlyJob,
  oneTimeJob,
  Weekday,
  weeklyJob,
} from './definitions.js';
export type { Elector, Lock, LockClaim, Locker, LockOptions } from './distributed.js';
export type { Duration } from './duration.js';
export { formatDuration, toMilliseconds } from './duration.js';
export type { TscronErrorCode } from './errors.js';
export { isTscronError, TscronError } from './errors.js';
export type { Fleet, FleetSettings, FleetState, Heartbeat, ReplicaInfo } from './fleet.js';
export type { Job, JobContext, Task } from './job.js';
export type { JobOptions, LimitMode, MissedRunPolicy, RetryOptions } from './job-options.js';
export type { EventListeners } from './listeners.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { MemoryElectorOptions } from './memory-elector.js';
export { MemoryElector } from './memory-elector.js';
export type { MemoryFleetOptions } from './memory-fleet.js';
export { MemoryFleet } from './memory-fleet.js';
export type { MemoryLockerOptions } from './memory-locker.js';
export { MemoryLocker } from './memory-locker.js';
export { MemoryRunHistory } from './memory-run-history.js';
export type { JobStatus, Monitor, RunTrace, TracedRun } from './monitor.js';
export type { MemoryRunHistoryOptions, RunHistory, RunQuery, RunRecord, RunStatus } from './run-history.js';
export { setRunOutput } from './run-output.js';
export type { DstPolicy, NextRunsOptions } from './schedule.js';
export { nextRuns } from './schedule.js';
export type { Scheduler, StopOptions } from './scheduler.js';
export { createScheduler } from './scheduler.js';
export type { JobChange, SchedulerEvent, SchedulerListener } from './scheduler-events.js';
export type { SchedulerOptions } from './scheduler-options.js';
