// Runs one job's action: a process in its own process group, or a module's export.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type JobContext, setRunOutput } from 'tscron';
import { forEachLine } from './lines.js';
import type { Output } from './output.js';
import { OutputRing } from './ring.js';
import type { JobSpec } from './spec.js';

/** How long a process group has between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 5000;

/**
 * After the main process exits, its output is read until both pipes close. A background child that
 * keeps them open is not waited for: once no data came for this long, the pipes are dropped. (The
 * exit is often seen before the last output is read, so this wait is needed, and is refreshed by
 * each chunk so that a loaded machine loses nothing.)
 */
const DRAIN_MS = 1000;

/** The process groups of running commands, so that a second signal can kill them all. */
export class ProcessGroups {
  readonly #groups = new Set<number>();

  add(pid: number): void {
    this.#groups.add(pid);
  }

  delete(pid: number): void {
    this.#groups.delete(pid);
  }

  get size(): number {
    return this.#groups.size;
  }

  /** Sends `signal` to every group still known. */
  signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.#groups) signalGroup(pid, signal);
  }
}

/** Signals a whole process group; a group that is gone already is no error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/** A failed run: what the error says, plus the tail of the output for whoever records history. */
export class RunFailure extends Error {
  override readonly name = 'RunFailure';
  readonly exitCode: number;
  readonly outputTail: string;

  constructor(message: string, exitCode: number, outputTail: string) {
    super(message);
    this.exitCode = exitCode;
    this.outputTail = outputTail;
  }
}

/** What a run needs besides its job. */
export interface RunEnvironment {
  readonly output: Output;
  readonly groups: ProcessGroups;
  readonly replica: string;
  /**
   * How long an aborted command has before SIGKILL; undefined: no timer of its own (at shutdown,
   * the runner kills what is left when the shutdown timeout ends). @default {@link KILL_GRACE_MS}
   */
  readonly killGraceMs?: () => number | undefined;
}

/** The environment a command runs with: the process's, the file's, then the run's own variables. */
export function commandEnv(
  job: JobSpec,
  context: Pick<JobContext, 'scheduledAt' | 'attempt'>,
  replica: string,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...job.env,
    TSCRON_JOB: job.name,
    TSCRON_SCHEDULED_AT: context.scheduledAt.toISOString(),
    TSCRON_REPLICA: replica,
    TSCRON_ATTEMPT: String(context.attempt),
  };
}

/**
 * Runs a job once. Resolves on success (exit code 0, or the export returned); rejects with a
 * {@link RunFailure} naming the exit code or signal otherwise. When `context.signal` aborts, the
 * command's whole process group gets SIGTERM, then SIGKILL after the grace.
 */
export function runAction(job: JobSpec, context: JobContext, env: RunEnvironment): Promise<void> {
  if (job.action.kind === 'module') return runModule(job.action.path, job.action.exportName, context);
  const [file, ...args] = job.action.kind === 'shell' ? ['sh', '-c', job.action.script] : job.action.argv;
  return runProcess(job, file as string, args, context, env);
}

async function runModule(path: string, exportName: string, context: JobContext): Promise<void> {
  // The file's modification time in the URL: a module edited before a reload is imported afresh,
  // an unchanged one comes from the import cache.
  const url = `${pathToFileURL(path).href}?mtime=${statSync(path).mtimeMs}`;
  const module = (await import(url)) as Record<string, unknown>;
  const task = module[exportName];
  if (typeof task !== 'function') {
    throw new RunFailure(`${path} has no exported function "${exportName}"`, 1, '');
  }
  await task(context);
}

function runProcess(
  job: JobSpec,
  file: string,
  args: string[],
  context: JobContext,
  env: RunEnvironment,
): Promise<void> {
  const { output, groups } = env;
  const ring = new OutputRing();
  const scheduledAt = context.scheduledAt;
  return new Promise((resolve, reject) => {
    // Its own process group (detached), so that a signal reaches the shell's children too.
    const child = spawn(file, args, {
      cwd: job.cwd,
      env: commandEnv(job, context, env.replica),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    let aborted = false;
    const onAbort = () => {
      if (pid === undefined || aborted) return;
      aborted = true;
      signalGroup(pid, 'SIGTERM');
      const grace = env.killGraceMs === undefined ? KILL_GRACE_MS : env.killGraceMs();
      if (grace === undefined) return;
      const killTimer = setTimeout(() => {
        signalGroup(pid, 'SIGKILL');
        groups.delete(pid);
      }, grace);
      killTimer.unref();
    };
    if (pid !== undefined) groups.add(pid);
    for (const stream of ['stdout', 'stderr'] as const) {
      forEachLine(
        child[stream],
        (chunk) => ring.write(chunk),
        (line) =>
          output.write({
            level: stream === 'stdout' ? 'info' : 'warn',
            msg: line,
            job: job.name,
            scheduledAt,
            stream,
          }),
      );
    }
    child.once('error', (error) => {
      context.signal.removeEventListener('abort', onAbort);
      if (pid !== undefined) groups.delete(pid);
      setRunOutput(context, ring.toString());
      reject(new RunFailure(`cannot start ${JSON.stringify(file)}: ${error.message}`, 127, ring.toString()));
    });
    child.once('exit', (code, signal) => {
      context.signal.removeEventListener('abort', onAbort);
      // An aborted group stays known until its SIGKILL, in case children outlive the main process.
      if (pid !== undefined && !aborted) groups.delete(pid);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        child.stdout.destroy();
        child.stderr.destroy();
        // The run's record in the history keeps the tail of what it printed.
        setRunOutput(context, ring.toString());
        if (code === 0) return resolve();
        const exitCode = code ?? 128;
        const why = signal === null ? `exited with code ${code}` : `killed by ${signal}`;
        reject(new RunFailure(`command ${why}`, exitCode, ring.toString()));
      };
      // Read what is still in the pipes, but do not wait for background children holding them open.
      let closed = 0;
      const timer = setTimeout(finish, DRAIN_MS);
      const stillWriting = () => timer.refresh();
      child.stdout.on('data', stillWriting);
      child.stderr.on('data', stillWriting);
      const onClose = () => {
        closed++;
        if (closed === 2) {
          clearTimeout(timer);
          finish();
        }
      };
      child.stdout.once('close', onClose);
      child.stderr.once('close', onClose);
      if (child.stdout.closed) onClose();
      if (child.stderr.closed) onClose();
    });
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
  });
}
