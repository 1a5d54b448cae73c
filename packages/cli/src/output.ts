// Where job output and tscron's own messages go: prefixed lines, or JSON lines.

/** One line of output or one message, with what it belongs to. */
export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly job?: string | undefined;
  readonly scheduledAt?: Date | undefined;
  /** `stdout` or `stderr` for a command's output; absent for tscron's own messages. */
  readonly stream?: 'stdout' | 'stderr' | undefined;
  /** More fields of a JSON line, after the usual ones (the ready line's `jobs` and `nextRun`). */
  readonly fields?: Readonly<Record<string, unknown>> | undefined;
}

/** Writes records to stdout and stderr in the chosen format. */
export interface Output {
  write(record: LogRecord): void;
}

/** Output settings from the command line. */
export interface OutputOptions {
  json: boolean;
  /** Only job output and errors, no lifecycle messages. */
  quiet: boolean;
  debug: boolean;
}

/**
 * Text: a command's lines as `[name] line` (stderr lines to stderr), tscron's messages as
 * `[tscron] message`. JSON: one object a line on stdout.
 */
export function createOutput(options: OutputOptions): Output {
  return {
    write(record) {
      if (record.level === 'debug' && !options.debug) return;
      if (options.quiet && record.stream === undefined && record.level === 'info') return;
      if (options.json) {
        const line = JSON.stringify({
          time: new Date().toISOString(),
          level: record.level,
          job: record.job,
          scheduledAt: record.scheduledAt?.toISOString(),
          stream: record.stream,
          msg: record.msg,
          ...record.fields,
        });
        process.stdout.write(`${line}\n`);
        return;
      }
      const prefix = record.stream === undefined ? '[tscron] ' : `[${record.job}] `;
      const toStderr =
        record.stream === 'stderr' ||
        (record.stream === undefined && record.level !== 'info' && record.level !== 'debug');
      (toStderr ? process.stderr : process.stdout).write(`${prefix}${record.msg}\n`);
    },
  };
}
