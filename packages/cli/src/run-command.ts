// `tscron run`: validate, open the backends, run until a stop signal.
import { hostname } from 'node:os';
import { formatDuration, MemoryRunHistory, toMilliseconds } from 'tscron';
import { messageOf } from './checks.js';
import { loadDashboard, openDashboard, type RunningDashboard } from './dashboard-server.js';
import { announceFleet, type FleetFlags, fleetChoice } from './fleet-flags.js';
import { type ListenAddress, parseListenAddress } from './listen-address.js';
import { loadFilesOrThrow } from './load.js';
import { openMetrics } from './metrics-server.js';
import type { Output } from './output.js';
import { UsageError } from './problems.js';
import { openBackends, Runner } from './run.js';
import { handleSignals } from './signals.js';

/** Options of `tscron run`, from flags and the environment. */
export interface RunCommandOptions extends FleetFlags {
  readonly locker: string | undefined;
  readonly elector: string | undefined;
  readonly timeZone: string | undefined;
  readonly replica: string | undefined;
  readonly watch: boolean;
  readonly shutdownTimeout: string | undefined;
  /** `--dashboard [HOST:]PORT`. */
  readonly dashboard: string | undefined;
  /** `--dashboard-token`, else `TSCRON_DASHBOARD_TOKEN`. */
  readonly dashboardToken: string | undefined;
  /** `--metrics [HOST:]PORT`. */
  readonly metrics: string | undefined;
  readonly output: Output;
}

function shutdownTimeoutMs(text: string | undefined): number {
  if (text === undefined) return 10_000;
  let ms: number;
  try {
    ms = toMilliseconds(text, '--shutdown-timeout');
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
  if (!(ms > 0)) throw new UsageError(`--shutdown-timeout must be > 0, got ${text}`);
  return ms;
}

/** Runs until stopped; resolves the exit code. */
export async function runCommand(files: readonly string[], options: RunCommandOptions): Promise<number> {
  const timeout = shutdownTimeoutMs(options.shutdownTimeout);
  const dashboardAt = dashboardAddress(options);
  const dashboardToken = options.dashboardToken ?? nonEmpty(process.env.TSCRON_DASHBOARD_TOKEN);
  const metricsAt =
    options.metrics === undefined ? undefined : parseListenAddress('--metrics', options.metrics);
  const dashboardModule = dashboardAt === undefined ? undefined : await loadDashboard();
  // Refuses an invalid file before anything starts or connects.
  const schedule = await loadFilesOrThrow(files);
  const lockerUrl = options.locker ?? process.env.TSCRON_LOCKER ?? schedule.locker;
  const fleet = fleetChoice(options, lockerUrl);
  // Before the backends: a missing package or a port taken refuses the run before it connects.
  const metrics = metricsAt === undefined ? undefined : await openMetrics(metricsAt);
  let backends: Awaited<ReturnType<typeof openBackends>>;
  try {
    backends = await openBackends(lockerUrl, options.elector, fleet);
  } catch (error) {
    await metrics?.close();
    throw error;
  }
  const { locker, elector } = backends;
  const output = options.output;
  // The fleet's shared history holds every replica's runs; without one the dashboard keeps its own.
  const history = locker?.fleet?.history ?? (dashboardAt === undefined ? undefined : new MemoryRunHistory());
  announceFleet(output, locker?.fleet?.fleet, lockerUrl, schedule.jobs);
  const runner = new Runner({
    files,
    output,
    replica: options.replica ?? `${hostname()}:${process.pid}`,
    timeZone: options.timeZone,
    shutdownTimeoutMs: timeout,
    watch: options.watch,
    locker,
    elector,
    history,
    fleet: locker?.fleet?.fleet,
    monitor: metrics?.monitor,
  });
  if (metrics !== undefined) {
    output.write({ level: 'info', msg: `metrics: ${metrics.url}`, fields: { metrics: metrics.url } });
  }
  let dashboard: RunningDashboard | undefined;
  return new Promise<number>((resolve, reject) => {
    let exiting = false;
    const remove = handleSignals({
      drain: async (signal) => {
        output.write({
          level: 'info',
          msg: `${signal}: stopping; waiting up to ${formatDuration(timeout)} for running jobs (send it again to kill them)`,
        });
        const closing = dashboard?.close();
        const clean = await runner.shutdown();
        // After the drain, so that a last scrape sees the runs that ended during it.
        await Promise.all([closing, metrics?.close()]);
        if (!clean)
          output.write({ level: 'warn', msg: 'jobs still running at the shutdown timeout were killed' });
        return 0;
      },
      kill: () => {
        output.write({ level: 'warn', msg: 'second signal: killing running jobs' });
        runner.kill();
      },
      reload: () => runner.reload('SIGHUP'),
      exit: (code) => {
        if (exiting) return;
        exiting = true;
        resolve(code);
        // Not at once: the executable exits right after this, and a signal arriving in between (a
        // parent forwarding its Ctrl-C late) must find a handler rather than kill the process.
        setTimeout(remove, 1000).unref();
      },
    });
    try {
      runner.start(schedule);
    } catch (error) {
      remove();
      void runner.closeBackends();
      void metrics?.close();
      throw error;
    }
    if (dashboardModule !== undefined && dashboardAt !== undefined && history !== undefined) {
      openDashboard(dashboardModule, runner.schedulerList, history, dashboardAt, dashboardToken).then(
        (opened) => {
          dashboard = opened;
          output.write({ level: 'info', msg: `dashboard: ${opened.url}`, fields: { dashboard: opened.url } });
        },
        (error: unknown) => {
          // Asked for and not there (port taken, no token on a public host): the run stops, its jobs signalled.
          output.write({ level: 'error', msg: `--dashboard: ${messageOf(error)}` });
          void runner.shutdown().then(() => reject(error));
        },
      );
    }
  });
}

function dashboardAddress(options: RunCommandOptions): ListenAddress | undefined {
  if (options.dashboard === undefined) {
    if (options.dashboardToken !== undefined) throw new UsageError('--dashboard-token needs --dashboard');
    return undefined;
  }
  return parseListenAddress('--dashboard', options.dashboard);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
