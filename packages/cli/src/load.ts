// Loads schedule files by extension and checks what spans files: names must be unique.
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseCrontab } from './crontab.js';
import { InvalidScheduleError, type Problem } from './problems.js';
import type { JobSpec, ScheduleFile } from './spec.js';

/** Every job of a set of files, and the locker URL the first file naming one asks for. */
export interface LoadedSchedule {
  readonly files: ScheduleFile[];
  readonly jobs: JobSpec[];
  readonly locker: string | undefined;
  /** The files' texts, to tell a real change from a touch when watching. */
  readonly texts: readonly string[];
}

/** Whether a path is read as a schedule file (YAML/JSON) rather than a crontab. */
export function isScheduleFile(path: string): boolean {
  return ['.yaml', '.yml', '.json'].includes(extname(path).toLowerCase());
}

/**
 * Parses one file's text as its extension says. The YAML reader is imported only for a schedule
 * file: a crontab-only start skips loading the YAML parser.
 */
export async function parseFile(
  file: string,
  text: string,
): Promise<{ schedule: ScheduleFile; problems: Problem[] }> {
  if (!isScheduleFile(file)) return parseCrontab(file, text);
  const { parseScheduleFile } = await import('./schedule-file.js');
  return parseScheduleFile(file, text);
}

/**
 * Reads and checks schedule files; returns the schedule and every problem found (empty when valid).
 * Never throws for a bad file: an unreadable one is a problem too.
 */
export async function loadFiles(
  paths: readonly string[],
): Promise<{ schedule: LoadedSchedule; problems: Problem[] }> {
  const problems: Problem[] = [];
  const files: ScheduleFile[] = [];
  const texts: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
      problems.push({ file: path, line: 1, column: 1, message: `cannot read the file: ${reason}` });
      continue;
    }
    texts.push(text);
    const parsed = await parseFile(path, text);
    problems.push(...parsed.problems);
    files.push(parsed.schedule);
  }
  const jobs: JobSpec[] = [];
  const seen = new Map<string, JobSpec>();
  for (const job of files.flatMap((file) => file.jobs)) {
    const first = seen.get(job.name);
    if (first !== undefined) {
      const { file, line, column } = first.position;
      problems.push({
        ...job.position,
        message: `duplicate job name "${job.name}" (first at ${file}:${line}:${column})`,
      });
      continue;
    }
    if (job.action.kind === 'module' && !existsSync(job.action.path)) {
      problems.push({
        ...job.position,
        message: `job "${job.name}": module ${job.action.path} does not exist`,
      });
      continue;
    }
    seen.set(job.name, job);
    jobs.push(job);
  }
  const locker = files.find((file) => file.locker !== undefined)?.locker;
  return { schedule: { files, jobs, locker, texts }, problems };
}

/** As {@link loadFiles}, but throws an {@link InvalidScheduleError} holding every problem. */
export async function loadFilesOrThrow(paths: readonly string[]): Promise<LoadedSchedule> {
  const { schedule, problems } = await loadFiles(paths);
  if (problems.length > 0) throw new InvalidScheduleError(problems);
  return schedule;
}
