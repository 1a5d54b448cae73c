// How RedisRunHistory stores a RunRecord: a compact JSON array, and a short id per run.
import { createHash } from 'node:crypto';
import type { RunRecord, RunStatus } from 'tscron';
import { TscronError } from 'tscron';
import { checkJobName, checkScheduledAt } from 'tscron/backend';
import { shown } from './options.js';

/** Characters of `output` kept: its tail, as the CLI keeps the last 8 KB of what a run printed. */
export const OUTPUT_KEPT = 8192;
/** Characters of `error` kept: its head, where a message says what went wrong. */
export const ERROR_KEPT = 8192;

/** The first element of every stored record, so that later versions can read older ones. */
const FORMAT = 1;

const STATUSES: ReadonlySet<string> = new Set<RunStatus>([
  'running',
  'success',
  'fail',
  'skip',
  'singleton_rescheduled',
  'missed',
]);

/** A record as stored: `[1, jobId, jobName, scheduledAt, startedAt, status, replica, endedAt, error, attempts, output]`. */
type Stored = [
  typeof FORMAT,
  string,
  string,
  number,
  number,
  RunStatus,
  string,
  number | null,
  string | null,
  number | null,
  string | null,
];

/** Throws `ERR_INVALID_OPTION` naming the first field of `run` that is not a valid RunRecord's. */
export function checkRunRecord(run: RunRecord): void {
  const bad = (field: string, value: unknown, want: string) =>
    new TscronError(
      'ERR_INVALID_OPTION',
      `RedisRunHistory.record: ${field} must be ${want}, got ${shown(value)}`,
    );
  if (typeof run !== 'object' || run === null) throw bad('the record', run, 'an object');
  checkJobName('RedisRunHistory', 'record', run.jobName);
  if (typeof run.jobId !== 'string' || run.jobId.length === 0)
    throw bad('jobId', run.jobId, 'a non-empty string');
  if (typeof run.replica !== 'string') throw bad('replica', run.replica, 'a string');
  if (!STATUSES.has(run.status)) throw bad('status', run.status, `one of ${[...STATUSES].join(', ')}`);
  checkScheduledAt('RedisRunHistory', 'record', run.scheduledAt);
  if (!(run.startedAt instanceof Date) || Number.isNaN(run.startedAt.getTime())) {
    throw bad('startedAt', run.startedAt, 'a valid Date');
  }
  if (run.endedAt !== undefined && (!(run.endedAt instanceof Date) || Number.isNaN(run.endedAt.getTime()))) {
    throw bad('endedAt', run.endedAt, 'a valid Date or absent');
  }
  if (run.error !== undefined && typeof run.error !== 'string')
    throw bad('error', run.error, 'a string or absent');
  if (run.output !== undefined && typeof run.output !== 'string') {
    throw bad('output', run.output, 'a string or absent');
  }
  if (run.attempts !== undefined && !Number.isSafeInteger(run.attempts)) {
    throw bad('attempts', run.attempts, 'an integer or absent');
  }
}

/**
 * The id of the run `run` belongs to: a run's `running` record and its final one (same job id and
 * name, occurrence, start and replica) share it. 128 bits of a SHA-256, in 22 characters: three
 * copies of it are stored per run, so it is kept short.
 */
export function runId(run: RunRecord): string {
  const identity = JSON.stringify([
    run.jobId,
    run.jobName,
    run.scheduledAt.getTime(),
    run.startedAt.getTime(),
    run.replica,
  ]);
  return createHash('sha256').update(identity).digest('base64url').slice(0, 22);
}

/** The stored text of a checked record; `error` and `output` are cut to what is kept. */
export function encodeRunRecord(run: RunRecord): string {
  const stored: Stored = [
    FORMAT,
    run.jobId,
    run.jobName,
    run.scheduledAt.getTime(),
    run.startedAt.getTime(),
    run.status,
    run.replica,
    run.endedAt === undefined ? null : run.endedAt.getTime(),
    run.error === undefined ? null : head(run.error, ERROR_KEPT),
    run.attempts ?? null,
    run.output === undefined ? null : tail(run.output, OUTPUT_KEPT),
  ];
  return JSON.stringify(stored);
}

/** A stored record back as a RunRecord, optional fields absent when absent; undefined when unreadable. */
export function decodeRunRecord(text: string): RunRecord | undefined {
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(stored) || stored[0] !== FORMAT) return undefined;
  const [, jobId, jobName, scheduledAt, startedAt, status, replica, endedAt, error, attempts, output] =
    stored as Stored;
  const run: RunRecord = {
    jobId,
    jobName,
    scheduledAt: new Date(scheduledAt),
    startedAt: new Date(startedAt),
    status,
    replica,
  };
  if (endedAt !== null) run.endedAt = new Date(endedAt);
  if (error !== null) run.error = error;
  if (attempts !== null) run.attempts = attempts;
  if (output !== null) run.output = output;
  return run;
}

/** The first `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return text.slice(0, cut);
}

/** The last `max` UTF-16 units of `text`, never starting with half a surrogate pair. */
function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  let start = text.length - max;
  if (isLowSurrogate(text.charCodeAt(start))) start++;
  return text.slice(start);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
