import { authHeaders } from './token.js';
import type { JobView, ReplicaView, RunView, StateView } from './types.js';

/** A response that was not 2xx; `status` 401 means the token is missing or wrong. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The page is served from the dashboard's basePath, so API paths are relative to the page's URL. */
export function apiUrl(path: string): string {
  return new URL(`api/${path}`, document.baseURI).toString();
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(apiUrl(path), {
    ...init,
    headers: { accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string>) },
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: unknown; message?: unknown };
      const text = body.message ?? body.error;
      if (typeof text === 'string') message = text;
    } catch {
      // Not JSON: the status line says enough.
    }
    throw new ApiError(response.status, message);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const getJobs = () => request<JobView[]>('jobs');

export const getState = () => request<StateView>('state');

export const getReplicas = () => request<ReplicaView[]>('replicas');

export const getRuns = (jobId: string, limit: number) =>
  request<RunView[]>(`jobs/${encodeURIComponent(jobId)}/runs?limit=${limit}`);

export type JobAction = 'run' | 'pause' | 'resume';

/** POSTs an action with a JSON body (a cross-site form cannot send one without a CORS preflight). */
export const postAction = (jobId: string, action: JobAction) =>
  request<unknown>(`jobs/${encodeURIComponent(jobId)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
