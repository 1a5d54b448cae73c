// `tscron next`: the next runs of a cron expression or of a file's jobs, from the core's nextRuns.
import { existsSync } from 'node:fs';
import { type JobDefinition, nextRuns } from 'tscron';
import { checkCron, checkTimeZone, messageOf } from './checks.js';
import { formatInZone } from './format-time.js';
import { upcomingRuns } from './job-options.js';
import { loadFilesOrThrow } from './load.js';
import { UsageError } from './problems.js';

/** Options of `tscron next`. */
export interface NextOptions {
  readonly count: number;
  readonly timeZone: string | undefined;
  readonly seconds: boolean;
  readonly from: Date | undefined;
  readonly json: boolean;
}

interface Listed {
  readonly job: string | undefined;
  readonly zone: string | undefined;
  readonly runs: Date[] | string;
}

const RANDOM = 'random (no fixed schedule)';

function runsOf(definition: JobDefinition, options: NextOptions, zone: string | undefined): Date[] | string {
  if (definition.kind === 'durationRandom') return RANDOM;
  return nextRuns(definition, options.count, {
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(zone === undefined ? {} : { timeZone: zone }),
  });
}

/** Prints the next runs; returns the exit code. */
export async function nextCommand(target: string, options: NextOptions): Promise<number> {
  if (options.timeZone !== undefined) {
    const why = checkTimeZone(options.timeZone);
    if (why !== undefined) throw new UsageError(`--time-zone: ${why}`);
  }
  const listed: Listed[] = [];
  if (existsSync(target)) {
    for (const job of (await loadFilesOrThrow([target])).jobs) {
      const zone = options.timeZone ?? job.timeZone;
      listed.push({
        job: job.name,
        zone,
        runs:
          job.definition.kind === 'durationRandom'
            ? RANDOM
            : upcomingRuns(job, options.count, options.from, zone),
      });
    }
  } else {
    const checked = checkCron(target, options.seconds);
    if (!checked.ok) {
      const hint = !/\s/.test(target) && !target.startsWith('@') ? ` (and no file ${target} exists)` : '';
      throw new UsageError(`${checked.message}${hint}`);
    }
    try {
      listed.push({
        job: undefined,
        zone: options.timeZone,
        runs: runsOf(checked.definition, options, options.timeZone),
      });
    } catch (error) {
      throw new UsageError(messageOf(error));
    }
  }
  if (options.json) {
    const shown = listed.map((entry) => ({
      ...(entry.job === undefined ? {} : { job: entry.job }),
      timeZone: entry.zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      runs: typeof entry.runs === 'string' ? entry.runs : entry.runs.map((run) => run.toISOString()),
    }));
    process.stdout.write(
      `${JSON.stringify(listed.length === 1 && listed[0]?.job === undefined ? shown[0] : shown, null, 2)}\n`,
    );
    return 0;
  }
  for (const entry of listed) {
    const prefix = entry.job === undefined ? '' : `${entry.job}  `;
    if (typeof entry.runs === 'string') {
      process.stdout.write(`${prefix}${entry.runs}\n`);
      continue;
    }
    if (entry.runs.length === 0) process.stdout.write(`${prefix}no run ahead\n`);
    for (const run of entry.runs) process.stdout.write(`${prefix}${formatInZone(run, entry.zone)}\n`);
  }
  return 0;
}
