// `tscron exec`: one job of a file, once, now; the process exits with the job's exit code.
import { constants } from 'node:os';
import { createScheduler, oneTimeJob } from 'tscron';
import { messageOf } from './checks.js';
import { ProcessGroups, RunFailure, runAction } from './command.js';
import { loadFilesOrThrow } from './load.js';
import type { Output } from './output.js';
import { UsageError } from './problems.js';
import { didYouMean } from './suggest.js';

/** The exit code a failure stands for: the command's own, 128 + a signal's number, else 1. */
function exitCodeOf(error: unknown): number {
  if (error instanceof RunFailure) {
    const signal = /killed by (SIG[A-Z0-9]+)/.exec(error.message)?.[1];
    const number =
      signal === undefined ? undefined : constants.signals[signal as keyof typeof constants.signals];
    return number === undefined ? error.exitCode : 128 + number;
  }
  return 1;
}

/**
 * Runs the job through a scheduler of its own (no locker), so that its timeout and retries apply as
 * in `tscron run`. Resolves the exit code.
 */
export async function execCommand(
  file: string,
  name: string,
  options: { timeZone: string | undefined; replica: string; output: Output },
): Promise<number> {
  const jobs = (await loadFilesOrThrow([file])).jobs;
  const job = jobs.find((candidate) => candidate.name === name);
  if (job === undefined) {
    throw new UsageError(
      `${file} has no job "${name}"${didYouMean(
        name,
        jobs.map((j) => j.name),
      )}`,
    );
  }
  const zone = job.timeZone ?? options.timeZone;
  const scheduler = createScheduler({ ...(zone === undefined ? {} : { timeZone: zone }) });
  const groups = new ProcessGroups();
  const outcome = new Promise<number>((resolve) => {
    scheduler.newJob(
      oneTimeJob('immediately'),
      (context) => runAction(job, context, { output: options.output, groups, replica: options.replica }),
      {
        ...(job.options.timeout === undefined ? {} : { timeout: job.options.timeout }),
        ...(job.options.retry === undefined ? {} : { retry: job.options.retry }),
        name: job.name,
        eventListeners: {
          afterJobRuns: () => resolve(0),
          afterJobRunsWithError: (_id, jobName, error) => {
            options.output.write({
              level: 'error',
              job: jobName,
              msg: `job "${jobName}" failed: ${messageOf(error)}`,
            });
            resolve(exitCodeOf(error));
          },
        },
      },
    );
  });
  const stop = () => void scheduler.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  scheduler.start();
  // The core's retry timer does not hold the process (its timers are unref'd), so a run waiting to
  // be retried would let Node exit with the job unfinished: hold it until the run ends.
  const hold = setInterval(() => undefined, 1 << 30);
  const code = await outcome.finally(() => clearInterval(hold));
  await scheduler.shutdown().catch(() => undefined);
  groups.signalAll('SIGKILL');
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  return code;
}
