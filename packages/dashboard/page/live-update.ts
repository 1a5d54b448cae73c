import type { SseMessage } from './sse-parser.js';
import type { JobView, RunView } from './types.js';

export type LiveUpdate =
  | { type: 'run'; run: RunView }
  | { type: 'job'; change: string; id: string; job: JobView | undefined }
  | { type: 'scheduler'; change: string };

function isRun(value: unknown): value is RunView {
  const run = value as RunView | null;
  return (
    typeof run === 'object' && run !== null && typeof run.jobId === 'string' && typeof run.status === 'string'
  );
}

function isJob(value: unknown): value is JobView {
  const job = value as JobView | null;
  return (
    typeof job === 'object' && job !== null && typeof job.id === 'string' && typeof job.schedule === 'object'
  );
}

/** Reads one event of `api/events`; unknown or malformed events yield undefined and are ignored. */
export function readEvent(message: SseMessage): LiveUpdate | undefined {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(message.data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const type = message.event !== 'message' ? message.event : data.type;
  if (type === 'run') {
    const run = isRun(data.run) ? data.run : isRun(data) ? data : undefined;
    return run ? { type: 'run', run } : undefined;
  }
  if (type === 'job') {
    const id = (data.job as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') return undefined;
    // A removed job may come as its id and name only; the others as the full JSON of api/jobs.
    return {
      type: 'job',
      change: String(data.change ?? ''),
      id,
      job: isJob(data.job) ? data.job : undefined,
    };
  }
  if (type === 'scheduler') return { type: 'scheduler', change: String(data.change ?? '') };
  return undefined;
}
