// `tscron run --dashboard`: the web dashboard over the runner's schedulers. @tscron/dashboard is
// imported only when the flag is given, so that the CLI runs without it.
import type { RunHistory, Scheduler } from 'tscron';
import type { ListenAddress } from './listen-address.js';
import { UsageError } from './problems.js';

/** A dashboard that is listening. */
export interface RunningDashboard {
  readonly url: string;
  close(): Promise<void>;
}

/** The dashboard package, loaded before anything starts so that a missing one stops the run at once. */
export type DashboardModule = typeof import('@tscron/dashboard');

/** Imports @tscron/dashboard, or says what to install. */
export async function loadDashboard(): Promise<DashboardModule> {
  try {
    return await import('@tscron/dashboard');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError('--dashboard needs the package @tscron/dashboard: npm install @tscron/dashboard');
    }
    throw error;
  }
}

/** Opens the dashboard; `schedulers` is read on every request, so zones added by a reload show. */
export async function openDashboard(
  module: DashboardModule,
  schedulers: readonly Scheduler[],
  history: RunHistory,
  address: ListenAddress,
  token: string | undefined,
): Promise<RunningDashboard> {
  const dashboard = module.createDashboard({
    scheduler: schedulers,
    history,
    ...(token === undefined ? {} : { token }),
  });
  const server = await dashboard.listen(address);
  return { url: server.url, close: () => server.close() };
}
