// Which RunHistory the dashboard reads for each scheduler, and keeping it filled.
import { MemoryRunHistory, type RunHistory, type Scheduler } from 'tscron';

/** The store each scheduler's runs are read from. */
export interface Histories {
  of(scheduler: Scheduler): RunHistory;
  /** Every distinct store, once. */
  readonly all: readonly RunHistory[];
}

/**
 * Picks a store per scheduler: `given`, else the scheduler's own `history`, else one shared
 * `MemoryRunHistory`. A scheduler that does not record into the store picked for it has its runs
 * recorded by the dashboard, from `subscribe`, for as long as the scheduler lives.
 */
export function resolveHistories(schedulers: readonly Scheduler[], given: RunHistory | undefined): Histories {
  const picked = new Map<Scheduler, RunHistory>();
  // Made only when some scheduler lacks a store: it is filled for as long as the scheduler lives.
  const memory =
    given === undefined && schedulers.some((s) => s.history === undefined)
      ? new MemoryRunHistory()
      : undefined;
  for (const scheduler of schedulers) {
    const history = given ?? scheduler.history ?? (memory as MemoryRunHistory);
    picked.set(scheduler, history);
    if (scheduler.history !== history) record(scheduler, history);
  }
  return {
    // Only the dashboard's own schedulers are ever asked about.
    of: (scheduler) => picked.get(scheduler) as RunHistory,
    all: [...new Set(picked.values())],
  };
}

function record(scheduler: Scheduler, history: RunHistory): void {
  scheduler.subscribe((event) => {
    if (event.type !== 'run') return;
    // A failing store must not break the subscription; the run itself already happened.
    history.record(event.run).catch(() => {});
  });
}
