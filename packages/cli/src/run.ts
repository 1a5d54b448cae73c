// `tscron run`: schedule files on core schedulers, one per time zone, with reload and shutdown.
import {
  createScheduler,
  type Elector,
  type Fleet,
  type Locker,
  type Logger,
  type Monitor,
  type RunHistory,
  type Scheduler,
  type Task,
} from 'tscron';
import { type Backend, type FleetChoice, openBackend } from './backends.js';
import { messageOf } from './checks.js';
import { KILL_GRACE_MS, ProcessGroups, runAction } from './command.js';
import { coreJobOptions } from './job-options.js';
import { type LoadedSchedule, loadFiles } from './load.js';
import type { Output } from './output.js';
import { formatProblem, sortProblems } from './problems.js';
import type { JobSpec } from './spec.js';
import { watchFiles } from './watch.js';

/** Settings of a {@link Runner}. */
export interface RunnerOptions {
  readonly files: readonly string[];
  readonly output: Output;
  readonly replica: string;
  /** Zone of jobs whose file names none; undefined: the process's local zone. */
  readonly timeZone: string | undefined;
  readonly shutdownTimeoutMs: number;
  /** Where every scheduler records its runs (the dashboard reads it): the fleet's shared history, if any. */
  readonly history?: RunHistory | undefined;
  /** The fleet every scheduler is a replica of (from a Redis or PostgreSQL locker URL). */
  readonly fleet?: Fleet | undefined;
  /** Given to every scheduler (the /metrics endpoint's monitor). */
  readonly monitor?: Monitor | undefined;
  readonly watch: boolean;
  readonly locker: Backend<Locker> | undefined;
  readonly elector: Backend<Elector> | undefined;
}

interface Installed {
  readonly job: JobSpec;
  readonly zone: string;
}

/** What a reload compares: the job without where it is written (moving a line is no change). */
function fingerprint(job: JobSpec, zone: string): string {
  const { position: _position, ...content } = job;
  return JSON.stringify([content, zone]);
}

/**
 * Opens the locker and elector the flags, the environment or the first file ask for; a Redis or
 * PostgreSQL locker brings its fleet and shared history too, unless `fleet` is false.
 */
export async function openBackends(
  lockerUrl: string | undefined,
  electorUrl: string | undefined,
  fleet: FleetChoice = false,
): Promise<{ locker: Backend<Locker> | undefined; elector: Backend<Elector> | undefined }> {
  const locker = await openBackend('locker', lockerUrl ?? 'memory:', fleet);
  try {
    const elector = electorUrl === undefined ? undefined : await openBackend('elector', electorUrl);
    return { locker, elector };
  } catch (error) {
    await locker.close();
    throw error;
  }
}

/**
 * Keeps a set of schedulers in step with the schedule files: jobs are added, updated and removed by
 * name, so that a reload leaves unchanged jobs (and their running commands) alone.
 */
export class Runner {
  readonly groups = new ProcessGroups();
  readonly #options: RunnerOptions;
  readonly #schedulers = new Map<string, Scheduler>();
  /**
   * The same schedulers as a list that only grows: the dashboard reads it on every request, so a zone
   * that a reload adds shows there too.
   */
  readonly schedulerList: Scheduler[] = [];
  readonly #installed = new Map<string, Installed>();
  readonly #logger: Logger;
  #texts: readonly string[] = [];
  #unwatch: (() => void) | undefined;
  #shuttingDown = false;
  #reloading: Promise<void> = Promise.resolve();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
    // The core names the job in its messages; JSON output gets it as a field of its own.
    const log =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (message: string, ...args: unknown[]) => {
        const msg = [message.replace(/^tscron: /, ''), ...args.map(messageOf)].join(': ');
        const job = /^tscron: job "([^"]+)"/.exec(message)?.[1];
        options.output.write({ level, msg, job });
      };
    this.#logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** Installs a validated schedule and starts scheduling. */
  start(schedule: LoadedSchedule): void {
    this.#apply(schedule);
    for (const scheduler of this.#schedulers.values()) scheduler.start();
    // Stay up with no job scheduled: a reload may bring jobs back.
    this.#keepAlive = setInterval(() => undefined, 1 << 30);
    if (this.#options.watch) this.#watch();
    this.#ready(schedule.jobs.length);
  }

  /**
   * The ready line: every job is scheduled and the first run armed. Its text starts with "ready:", and
   * with --json it also carries `jobs` and `nextRun` (the earliest run, ISO 8601 UTC), so that a
   * script or a probe can wait for it.
   */
  #ready(count: number): void {
    let first: { name: string; at: Date } | undefined;
    for (const scheduler of this.#schedulers.values()) {
      for (const job of scheduler.jobs()) {
        const at = job.nextRun();
        if (at !== undefined && (first === undefined || at < first.at)) first = { name: job.name, at };
      }
    }
    const next =
      first === undefined ? 'no run ahead' : `first run: ${first.name} at ${first.at.toISOString()}`;
    this.#options.output.write({
      level: 'info',
      msg: `ready: running ${count} job(s) from ${this.#options.files.join(', ')}; ${next}`,
      fields: { jobs: count, nextRun: first?.at.toISOString() },
    });
  }

  /** Reads the files again; an invalid schedule is logged and the running one kept. */
  reload(reason: string): void {
    // One reload at a time, in the order asked: a second SIGHUP waits for the first to finish.
    this.#reloading = this.#reloading
      .then(() => this.#reload(reason))
      .catch((error: unknown) => this.#logger.error(`reload (${reason}) failed`, error));
  }

  async #reload(reason: string): Promise<void> {
    if (this.#shuttingDown) return;
    const { schedule, problems } = await loadFiles(this.#options.files);
    if (this.#shuttingDown) return;
    if (this.#options.watch) this.#watch();
    if (problems.length > 0) {
      for (const problem of sortProblems(problems)) {
        this.#options.output.write({ level: 'error', msg: formatProblem(problem) });
      }
      this.#options.output.write({
        level: 'error',
        msg: `reload (${reason}) failed: ${problems.length} problem(s); keeping the previous schedule`,
      });
      return;
    }
    if (reason === 'file change' && sameTexts(schedule.texts, this.#texts)) return;
    this.#apply(schedule);
    this.#options.output.write({
      level: 'info',
      msg: `reloaded (${reason}): ${schedule.jobs.length} job(s)`,
    });
  }

  /**
   * Stops scheduling, signals running commands and waits for them up to the shutdown timeout; then
   * kills what is left. Resolves true when every run ended in time.
   */
  async shutdown(): Promise<boolean> {
    this.#shuttingDown = true;
    this.#unwatch?.();
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    const signal = AbortSignal.timeout(this.#options.shutdownTimeoutMs);
    const results = await Promise.allSettled(
      [...this.#schedulers.values()].map((s) => s.shutdown({ signal })),
    );
    const clean = results.every((result) => result.status === 'fulfilled');
    this.groups.signalAll('SIGKILL');
    await this.closeBackends();
    return clean;
  }

  /** Kills every running command at once (a second signal). */
  kill(): void {
    this.#shuttingDown = true;
    this.groups.signalAll('SIGKILL');
  }

  async closeBackends(): Promise<void> {
    await Promise.allSettled([this.#options.locker?.close(), this.#options.elector?.close()]);
  }

  #watch(): void {
    this.#unwatch?.();
    this.#unwatch = watchFiles(this.#options.files, () => this.reload('file change'));
  }

  #apply(schedule: LoadedSchedule): void {
    this.#texts = schedule.texts;
    const wanted = new Map(schedule.jobs.map((job) => [job.name, job]));
    for (const [name, installed] of this.#installed) {
      const job = wanted.get(name);
      if (job === undefined || this.#zoneOf(job) !== installed.zone) {
        this.#schedulers.get(installed.zone)?.removeJob(name);
        this.#installed.delete(name);
        if (job === undefined) this.#options.output.write({ level: 'info', msg: `removed job ${name}` });
      }
    }
    for (const job of schedule.jobs) {
      const zone = this.#zoneOf(job);
      const installed = this.#installed.get(job.name);
      // Compared only on a reload, so that a start does no per-job serialising.
      if (installed !== undefined && fingerprint(installed.job, installed.zone) === fingerprint(job, zone))
        continue;
      try {
        const scheduler = this.#scheduler(zone);
        if (installed === undefined) scheduler.newJob(job.definition, this.#task(job), coreJobOptions(job));
        else scheduler.update(job.name, job.definition, this.#task(job), coreJobOptions(job));
        this.#installed.set(job.name, { job, zone });
      } catch (error) {
        const { file, line, column } = job.position;
        this.#options.output.write({
          level: 'error',
          job: job.name,
          msg: `${file}:${line}:${column}: job ${job.name} not scheduled: ${messageOf(error)}`,
        });
      }
    }
  }

  #zoneOf(job: JobSpec): string {
    return job.timeZone ?? this.#options.timeZone ?? '';
  }

  #scheduler(zone: string): Scheduler {
    let scheduler = this.#schedulers.get(zone);
    if (scheduler === undefined) {
      const { locker, elector } = this.#options;
      scheduler = createScheduler({
        ...(zone === '' ? {} : { timeZone: zone }),
        ...(locker === undefined ? {} : { locker: locker.value }),
        ...(elector === undefined ? {} : { elector: elector.value }),
        ...(this.#options.fleet === undefined ? {} : { fleet: this.#options.fleet }),
        ...(this.#options.history === undefined ? {} : { history: this.#options.history }),
        ...(this.#options.monitor === undefined ? {} : { monitor: this.#options.monitor }),
        replica: this.#options.replica,
        logger: this.#logger,
        stopTimeout: this.#options.shutdownTimeoutMs,
      });
      this.#schedulers.set(zone, scheduler);
      this.schedulerList.push(scheduler);
      if (this.#keepAlive !== undefined) scheduler.start();
    }
    return scheduler;
  }

  #task(job: JobSpec): Task {
    const env = {
      output: this.#options.output,
      groups: this.groups,
      replica: this.#options.replica,
      killGraceMs: () => (this.#shuttingDown ? undefined : KILL_GRACE_MS),
    };
    return (context) => runAction(job, context, env);
  }

  /** Failures and lock errors reach the output through the core's logger. */
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((text, index) => text === b[index]);
}
