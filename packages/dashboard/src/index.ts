// @tscron/dashboard: a web page, a JSON API and Server-Sent Events for tscron schedulers.
export type { Dashboard, DashboardServer } from './dashboard.js';
export { createDashboard } from './dashboard.js';
export { describeCron } from './describe-cron.js';
export { describeSchedule, scheduleText } from './describe-schedule.js';
export type { ReplicaJson } from './fleets.js';
export type { JobJson } from './job-json.js';
export type { DashboardOptions, ListenOptions } from './options.js';
export type { SchedulerStateJson, StateJson } from './state.js';
