import type { JobContext } from './job.js';

/** The output each run's task reported, by the run's context; read once, when the run's record is made. */
const outputs = new WeakMap<JobContext, string>();

/** The most of a run's output a record keeps: its last 8 KB. */
export const OUTPUT_LIMIT = 8 * 1024;

/**
 * Attaches what a run printed to its {@link RunRecord} (`output`): a runner that captures a task's
 * output (the CLI does, for commands) calls it before the task ends. Only the last 8 KB are kept.
 *
 * @example
 * ```ts
 * import { setRunOutput, type JobContext } from 'tscron';
 *
 * async function task(context: JobContext) {
 *   const printed = 'rows copied: 42\n';
 *   setRunOutput(context, printed);
 * }
 * ```
 */
export function setRunOutput(context: JobContext, output: string): void {
  outputs.set(context, output.length > OUTPUT_LIMIT ? output.slice(-OUTPUT_LIMIT) : output);
}

/** @internal The output attached to a run's context, if any. */
export function runOutputOf(context: JobContext | undefined): string | undefined {
  return context === undefined ? undefined : outputs.get(context);
}
