import type { RunView } from './types.js';

/** A run's identity: the history replaces a 'running' record by its end under the same key. */
export function runKey(run: RunView): string {
  return `${run.jobId}\u0000${run.scheduledAt}\u0000${run.startedAt}\u0000${run.replica}`;
}

/** The runs with `run` added or, if a record with its key is there, replaced; newest start first. */
export function upsertRun(runs: readonly RunView[], run: RunView, limit: number): RunView[] {
  const key = runKey(run);
  const next = runs.filter((existing) => runKey(existing) !== key);
  next.push(run);
  next.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  return next.slice(0, limit);
}

export const statusLabels: Record<string, string> = {
  running: 'running',
  success: 'success',
  fail: 'failed',
  skip: 'skipped',
  singleton_rescheduled: 'rescheduled',
  missed: 'missed',
};
