// What a schedule file says about one job, before it is given to a scheduler.
import type { JobDefinition, JobOptions } from 'tscron';

/** What a job runs. */
export type Action =
  /** A shell command line, run with `sh -c`. */
  | { readonly kind: 'shell'; readonly script: string }
  /** A program and its arguments, run without a shell. */
  | { readonly kind: 'argv'; readonly argv: readonly string[] }
  /** A named export of a JavaScript module, called with the JobContext. */
  | { readonly kind: 'module'; readonly path: string; readonly exportName: string };

/** Where something was written: 1-based line and column. */
export interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One job of a schedule file: plain data, ready for a scheduler. */
export interface JobSpec {
  readonly name: string;
  readonly definition: JobDefinition;
  /** The schedule as written, for `tscron list`. */
  readonly scheduleText: string;
  /** The IANA zone its wall-clock schedule is read in; undefined: the process's local zone. */
  readonly timeZone: string | undefined;
  readonly action: Action;
  /** Variables added to the process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory; undefined: the directory of the schedule file. */
  readonly cwd: string;
  /** The job options that make sense in a file (no listeners, signals or lockers). */
  readonly options: Omit<JobOptions, 'name' | 'locker' | 'eventListeners' | 'signal'>;
  /** `locker: false`: this job runs on every replica. */
  readonly noLocker: boolean;
  readonly position: Position;
}

/** A parsed schedule file. */
export interface ScheduleFile {
  readonly file: string;
  readonly jobs: JobSpec[];
  /** A `locker:` URL the file asks for (flags and TSCRON_LOCKER win). */
  readonly locker: string | undefined;
}
