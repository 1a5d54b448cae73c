// Checks shared by the crontab and schedule-file readers, made through the core's public API so
// that a file is judged exactly as the scheduler would judge it.
import { createHash } from 'node:crypto';
import { type CronJobDefinition, cronJob, durationJob, isTscronError, nextRuns } from 'tscron';

/** Lock keys are job names; backends refuse longer ones. */
const MAX_NAME_LENGTH = 200;

const FIELDS_5 = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
const FIELDS_6 = ['second', ...FIELDS_5];

/** The message of a core error, or the text of anything else thrown. */
export function messageOf(error: unknown): string {
  if (isTscronError(error) || error instanceof Error) return error.message;
  return String(error);
}

/** Undefined when the zone is a known IANA name, else the core's message. */
export function checkTimeZone(zone: string): string | undefined {
  try {
    nextRuns(durationJob(1000), 0, { timeZone: zone });
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

/** Undefined when the name can be a job name (and a lock key), else why not. */
export function checkName(name: string): string | undefined {
  if (name.trim() === '') return 'a job name must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `a job name must be at most ${MAX_NAME_LENGTH} characters`;
  return undefined;
}

/** The result of compiling a cron expression: its definition, or why not and where in it. */
export type CronCheck =
  | { ok: true; definition: CronJobDefinition }
  | { ok: false; message: string; offset: number };

/**
 * Compiles a cron expression with the core's `cronJob`. On failure, `offset` is where in the text the
 * field that the core's message names starts (0 when it names none), so that the error points at it.
 */
export function checkCron(expression: string, withSeconds: boolean): CronCheck {
  try {
    return { ok: true, definition: cronJob(expression, { withSeconds }) };
  } catch (error) {
    const message = messageOf(error);
    const field = /^CronJob: ([a-z-]+) field:/.exec(message)?.[1];
    const index = field === undefined ? -1 : (withSeconds ? FIELDS_6 : FIELDS_5).indexOf(field);
    return { ok: false, message, offset: index < 0 ? 0 : fieldOffset(expression, index) };
  }
}

/** Where the `index`-th whitespace-separated field of a cron expression starts (a zone prefix skipped). */
function fieldOffset(expression: string, index: number): number {
  const fields = [...expression.matchAll(/\S+/g)].filter((m) => !/^(CRON_)?TZ=/.test(m[0]));
  return fields[index]?.index ?? 0;
}

/**
 * A name for a job its file does not name: the command's program and a hash of the schedule and
 * the command. Every replica and every restart derives the same name from the same line, so the
 * name can be the lock key; moving the line or editing a comment does not change it.
 */
export function derivedName(schedule: string, command: string): string {
  const hash = createHash('sha256').update(`${schedule}\n${command}`).digest('hex').slice(0, 8);
  const program = command.trim().split(/\s+/)[0] ?? '';
  const slug = (program.split('/').pop() ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 24);
  return slug === '' ? `job-${hash}` : `${slug}-${hash}`;
}
