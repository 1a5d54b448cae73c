import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getJobs, getReplicas, getRuns, getState, type JobAction, postAction } from './api.js';
import { followEvents } from './events.js';
import { applyFilter, type Filter, Filters } from './filters.js';
import { Header } from './header.js';
import { html } from './html.js';
import { JobCard } from './job-card.js';
import { JobDetail } from './job-detail.js';
import { type LiveUpdate, readEvent } from './live-update.js';
import { ReplicasPanel } from './replicas-panel.js';
import { upsertRun } from './runs.js';
import { saveToken } from './token.js';
import { TokenForm } from './token-form.js';
import type { JobView, ReplicaView, RunView, StateView } from './types.js';

/**
 * Jobs in the first render. A thousand cards take a few hundred milliseconds to build; the first
 * screenful is painted first, and the rest follows in the next task, off the first view's path.
 */
const firstBatch = 60;
/** How many runs the open job's history shows. */
export const historyLimit = 50;
/** Run events change next runs and counts the event does not carry: the list is re-read, at most this often. */
const refreshDelay = 1000;
/**
 * With a fleet, the replicas, the list and the open history are re-read every heartbeat (the other
 * replicas' runs reach the shared history, not this page's event stream), within these bounds.
 */
const fleetPollMin = 1000;
const fleetPollMax = 30_000;

/** `checking`: a token was just entered and is being tried; a 401 then means it was wrong. */
type Auth = 'unknown' | 'ok' | 'needed' | 'checking' | 'refused';

export function App() {
  const [auth, setAuth] = useState<Auth>('unknown');
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [state, setState] = useState<StateView | null>(null);
  const [live, setLive] = useState(false);
  const [filter, setFilter] = useState<Filter>({ search: '', tag: '' });
  const [openId, setOpenId] = useState<string | null>(null);
  const [runs, setRuns] = useState<RunView[] | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [shown, setShown] = useState(firstBatch);
  const [replicas, setReplicas] = useState<ReplicaView[] | null>(null);
  const [replicaError, setReplicaError] = useState<string | null>(null);
  const openRef = useRef(openId);
  openRef.current = openId;

  const fail = useCallback((error: unknown): boolean => {
    if (error instanceof ApiError && error.status === 401) {
      setAuth((previous) => (previous === 'checking' ? 'refused' : 'needed'));
      return true;
    }
    return false;
  }, []);

  const load = useCallback(async () => {
    try {
      const [list, status] = await Promise.all([getJobs(), getState().catch(() => null)]);
      setJobs(list);
      setState(status);
      setAuth('ok');
      setLoadError(null);
    } catch (error) {
      if (!fail(error)) setLoadError(error instanceof Error ? error.message : String(error));
    }
  }, [fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const loadReplicas = useCallback(async () => {
    try {
      setReplicas(await getReplicas());
      setReplicaError(null);
    } catch (error) {
      if (!fail(error)) setReplicaError(error instanceof Error ? error.message : String(error));
    }
  }, [fail]);

  /** Re-reads the open job's history in place (no "Loading" flash), for runs of other replicas. */
  const refreshRuns = useCallback(async () => {
    const id = openRef.current;
    if (id === null) return;
    try {
      const list = await getRuns(id, historyLimit);
      if (openRef.current === id) setRuns(list);
    } catch (error) {
      fail(error);
    }
  }, [fail]);

  const heartbeat = auth === 'ok' ? state?.fleet?.heartbeatInterval : undefined;
  useEffect(() => {
    if (heartbeat === undefined) return;
    void loadReplicas();
    const every = Math.min(Math.max(heartbeat, fleetPollMin), fleetPollMax);
    const timer = setInterval(() => {
      // A hidden tab reads nothing; it catches up when shown (the stream's reconnect re-reads too).
      if (document.hidden) return;
      void loadReplicas();
      void load();
      void refreshRuns();
    }, every);
    return () => clearInterval(timer);
  }, [heartbeat, loadReplicas, load, refreshRuns]);

  // Re-reading the list (and a fleet's replicas) after events, throttled: a burst of runs costs one
  // request each.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const fleetRef = useRef(false);
  fleetRef.current = heartbeat !== undefined;
  const scheduleRefresh = useCallback(() => {
    if (refreshTimer.current !== undefined) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      void load();
      if (fleetRef.current) void loadReplicas();
    }, refreshDelay);
  }, [load, loadReplicas]);

  const apply = useCallback(
    (update: LiveUpdate) => {
      if (update.type === 'run') {
        const run = update.run;
        setJobs((list) =>
          list
            ? list.map((job) =>
                job.id === run.jobId ? { ...job, lastRun: run, running: run.status === 'running' } : job,
              )
            : list,
        );
        if (openRef.current === run.jobId) setRuns((list) => upsertRun(list ?? [], run, historyLimit));
      } else if (update.type === 'job') {
        const { id, job: changed, change } = update;
        setJobs((list) => {
          if (!list) return list;
          if (change === 'removed') return list.filter((job) => job.id !== id);
          if (!changed) return list;
          const index = list.findIndex((job) => job.id === id);
          return index < 0 ? [...list, changed] : list.map((job, i) => (i === index ? changed : job));
        });
      }
      scheduleRefresh();
    },
    [scheduleRefresh],
  );

  useEffect(() => {
    if (auth !== 'ok') return;
    const stream = followEvents({
      onOpen: () => {
        setLive(true);
        void load();
      },
      onMessage: (message) => {
        const update = readEvent(message);
        if (update) apply(update);
      },
      onUnauthorized: () => {
        setLive(false);
        setAuth('needed');
      },
    });
    return () => {
      stream.close();
      setLive(false);
    };
  }, [auth, apply, load]);

  useEffect(() => {
    setRuns(null);
    if (openId === null || auth !== 'ok') return;
    let current = true;
    getRuns(openId, historyLimit).then(
      (list) => current && setRuns(list),
      (error) => current && !fail(error) && setRuns([]),
    );
    return () => {
      current = false;
    };
  }, [openId, auth, fail]);

  const act = useCallback(
    async (job: JobView, action: JobAction) => {
      setBusy((set) => new Set(set).add(job.id));
      try {
        const result = await postAction(job.id, action);
        if (action !== 'run') {
          const paused = action === 'pause';
          const returned =
            result && typeof result === 'object' && 'id' in result ? (result as JobView) : null;
          setJobs((list) =>
            list ? list.map((j) => (j.id === job.id ? (returned ?? { ...j, paused }) : j)) : list,
          );
        }
        const everywhere = state?.fleet ? ' on every replica' : '';
        const done = { run: 'Run started', pause: `Paused${everywhere}`, resume: `Resumed${everywhere}` }[
          action
        ];
        setMessage({ text: `${done}: ${job.name}`, error: false });
      } catch (error) {
        if (!fail(error)) {
          const text =
            error instanceof ApiError && error.status === 403
              ? 'this dashboard is read-only'
              : String((error as Error).message);
          setMessage({
            text: `Could not ${action === 'run' ? 'run' : action} ${job.name}: ${text}`,
            error: true,
          });
        }
      } finally {
        setBusy((set) => {
          const next = new Set(set);
          next.delete(job.id);
          return next;
        });
      }
    },
    [fail, state],
  );

  const visible = useMemo(() => (jobs ? applyFilter(jobs, filter) : []), [jobs, filter]);

  useEffect(() => {
    if (jobs === null || shown === Number.POSITIVE_INFINITY) return;
    // After the frame with the first batch is out: requestAnimationFrame runs before that paint, and
    // a task queued from it runs after.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setShown(Number.POSITIVE_INFINITY), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [jobs, shown]);

  if (auth === 'needed' || auth === 'refused' || auth === 'checking') {
    return html`<main class="page">
      <${TokenForm}
        refused=${auth === 'refused'}
        onSubmit=${(token: string) => {
          saveToken(token);
          setAuth('checking');
          void load();
        }}
      />
    </main>`;
  }

  const readOnly = state?.readOnly === true;
  const fleet = state?.fleet ?? null;
  return html`<div class="page">
    <${Header} state=${state} jobs=${jobs ?? []} live=${live} replicas=${fleet ? (replicas?.length ?? '…') : undefined} />
    <main>
      ${
        fleet
          ? html`<${ReplicasPanel} replicas=${replicas} error=${replicaError} heartbeatInterval=${fleet.heartbeatInterval} />`
          : null
      }
      <${Filters} jobs=${jobs ?? []} filter=${filter} onChange=${setFilter} />
      <p class=${`status-line${message?.error ? ' error-text' : ''}`} role="status" aria-live="polite">${message?.text ?? ''}</p>
      ${loadError ? html`<p class="error-text" role="alert">Could not load the jobs: ${loadError}</p>` : null}
      ${
        jobs === null
          ? html`<p class="muted">Loading…</p>`
          : html`<h2 class="visually-hidden">Jobs</h2>
            <p class="muted count">${visible.length === jobs.length ? `${jobs.length} jobs` : `${visible.length} of ${jobs.length} jobs`}</p>
            <ul class="jobs" aria-label="Jobs">
              ${visible.slice(0, shown).map(
                (job) => html`<${JobCard}
                  key=${job.id}
                  job=${job}
                  open=${openId === job.id}
                  busy=${busy.has(job.id)}
                  readOnly=${readOnly}
                  fleet=${fleet !== null}
                  onToggle=${(j: JobView) => setOpenId((id) => (id === j.id ? null : j.id))}
                  onAction=${act}
                >
                  ${openId === job.id ? html`<${JobDetail} job=${job} runs=${runs} />` : null}
                <//>`,
              )}
            </ul>`
      }
    </main>
  </div>`;
}
