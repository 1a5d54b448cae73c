// `tscron validate`: every problem of every file, then exit 2 if there was any.
import { loadFiles } from './load.js';
import { formatProblem, sortProblems } from './problems.js';

/** Prints problems to stderr; returns the exit code. */
export async function validateCommand(files: readonly string[]): Promise<number> {
  const { schedule, problems } = await loadFiles(files);
  for (const problem of sortProblems(problems)) process.stderr.write(`${formatProblem(problem)}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} problem(s) found\n`);
    return 2;
  }
  process.stdout.write(`${files.join(', ')}: ${schedule.jobs.length} job(s), no problems\n`);
  return 0;
}
