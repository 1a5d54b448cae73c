// `tscron list`: one line per job with its schedule, zone and next run.
import { formatInZone } from './format-time.js';
import { upcomingRuns } from './job-options.js';
import { loadFilesOrThrow } from './load.js';
import type { JobSpec } from './spec.js';

function nextRunOf(job: JobSpec, zone: string | undefined): string {
  if (job.definition.kind === 'durationRandom') return 'random';
  const [next] = upcomingRuns(job, 1, undefined, zone);
  return next === undefined ? 'none' : formatInZone(next, zone);
}

/** How far ahead `list` looks for a run that a daylight-saving change moves, in days and runs. */
const DST_LOOKAHEAD_DAYS = 366;
const DST_LOOKAHEAD_RUNS = 800;

/**
 * The next run within a year that a DST gap moves (a wall time the clock skips, run after the gap),
 * found as the core decides it: the runs with `dstPolicy: 'shift'` that `'skip'` does not have.
 * Undefined for jobs without a wall-clock schedule, with `dstPolicy: 'skip'`, or with no such run.
 */
function dstMovedRun(job: JobSpec, zone: string | undefined): Date | undefined {
  const kind = job.definition.kind;
  if (!['cron', 'daily', 'weekly', 'monthly'].includes(kind) || job.options.dstPolicy === 'skip') {
    return undefined;
  }
  const until = Date.now() + DST_LOOKAHEAD_DAYS * 86_400_000;
  const within = (runs: Date[]) => runs.filter((run) => run.getTime() < until);
  const shifted = within(upcomingRuns(job, DST_LOOKAHEAD_RUNS, undefined, zone));
  const skipped = new Set(
    within(
      upcomingRuns(
        { ...job, options: { ...job.options, dstPolicy: 'skip' } },
        DST_LOOKAHEAD_RUNS,
        undefined,
        zone,
      ),
    ).map((run) => run.getTime()),
  );
  return shifted.find((run) => !skipped.has(run.getTime()));
}

/** Prints the jobs of the files as a table, or JSON; returns the exit code. */
export async function listCommand(
  files: readonly string[],
  options: { timeZone: string | undefined; json: boolean },
): Promise<number> {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const rows = (await loadFilesOrThrow(files)).jobs.map((job) => {
    const zone = job.timeZone ?? options.timeZone;
    return {
      name: job.name,
      schedule: job.scheduleText,
      timeZone: zone ?? local,
      nextRun: nextRunOf(job, zone),
      dstMoved: ((moved) => (moved === undefined ? undefined : formatInZone(moved, zone)))(
        dstMovedRun(job, zone),
      ),
    };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = [
    ['NAME', 'SCHEDULE', 'TIME ZONE', 'NEXT RUN', 'MOVED BY DST'],
    ...rows.map((r) => [r.name, r.schedule, r.timeZone, r.nextRun, r.dstMoved ?? '-']),
  ];
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(...table.map((row) => (row[column] as string).length)),
  );
  for (const row of table) {
    const cells = row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column] as number) : cell));
    process.stdout.write(`${cells.join('  ')}\n`);
  }
  return 0;
}
