// The programmatic face of the CLI: what `tscron` does, for tests and wrappers.
export { main } from './cli.js';
export { parseCrontab } from './crontab.js';
export type { LoadedSchedule } from './load.js';
export { isScheduleFile, loadFiles, parseFile } from './load.js';
export type { Problem } from './problems.js';
export { formatProblem, InvalidScheduleError, UsageError } from './problems.js';
export { parseScheduleFile } from './schedule-file.js';
export type { Action, JobSpec, Position, ScheduleFile } from './spec.js';
export { VERSION } from './version.js';
