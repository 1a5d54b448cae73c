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
    };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = [
    ['NAME', 'SCHEDULE', 'TIME ZONE', 'NEXT RUN'],
    ...rows.map((r) => [r.name, r.schedule, r.timeZone, r.nextRun]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => (row[column] as string).length)));
  for (const row of table) {
    const cells = row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] as number) : cell));
    process.stdout.write(`${cells.join('  ')}\n`);
  }
  return 0;
}
