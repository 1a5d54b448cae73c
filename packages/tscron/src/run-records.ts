import type { JobRecord } from './job.js';
import type { RunRecord, RunStatus } from './run-history.js';

/** The record of a run whose task just started. */
export function startedRecord(
  job: JobRecord,
  scheduledAt: Date,
  startedAt: number,
  replica: string,
): RunRecord {
  return {
    jobId: job.id,
    jobName: job.name,
    scheduledAt,
    startedAt: new Date(startedAt),
    status: 'running',
    replica,
  };
}

/** The record of a run that ended; `error` only on failure, `output` where the task reported some. */
export function endedRecord(
  job: JobRecord,
  run: { scheduledAt: Date; startedAt: number; attempt: number },
  endedAt: number,
  failed: boolean,
  error: unknown,
  output: string | undefined,
  replica: string,
): RunRecord {
  const record: RunRecord = {
    jobId: job.id,
    jobName: job.name,
    scheduledAt: run.scheduledAt,
    startedAt: new Date(run.startedAt),
    endedAt: new Date(endedAt),
    status: failed ? 'fail' : 'success',
    attempts: run.attempt + 1,
    replica,
  };
  if (failed) record.error = errorMessage(error);
  if (output !== undefined) record.output = output;
  return record;
}

/** The record of an occurrence dropped before its task started. */
export function droppedRecord(
  job: JobRecord,
  scheduledAt: Date,
  now: number,
  status: RunStatus,
  replica: string,
): RunRecord {
  const at = new Date(now);
  return { jobId: job.id, jobName: job.name, scheduledAt, startedAt: at, endedAt: at, status, replica };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}
