// The options of createDashboard and listen, checked once, eagerly.
import { type RunHistory, type Scheduler, TscronError } from 'tscron';

/** A value as a message shows it: strings quoted, objects named by kind (tokens are never printed). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /**
   * The scheduler to show, or several (the replicas of one process, or one per tenant): their jobs
   * are listed together, each with its scheduler's `replica`.
   */
  scheduler: Scheduler | readonly Scheduler[];
  /**
   * Where run history is read. The dashboard records a scheduler's runs into it unless that scheduler
   * already does (its own `history` option is this very store).
   * @default each scheduler's own `history`, else one `MemoryRunHistory` the dashboard fills
   */
  history?: RunHistory | undefined;
  /**
   * A secret every API request must carry as `Authorization: Bearer <token>`; `/healthz`, the page
   * and its assets stay public. Required to `listen` on anything but a loopback address.
   * @default no authentication
   */
  token?: string | undefined;
  /**
   * Refuse every action (run now, pause, resume) with 403: the dashboard only watches.
   * @default false
   */
  readOnly?: boolean | undefined;
  /**
   * The path the dashboard lives under, e.g. `'/cron'`: the page at `/cron/`, the API at `/cron/api/...`.
   * @default '/'
   */
  basePath?: string | undefined;
}

/** Options of {@link Dashboard.listen}. */
export interface ListenOptions {
  /** The TCP port; `0` picks a free one (read it from `url`). */
  port: number;
  /**
   * The address to bind. Anything but a loopback address (`127.0.0.1`, `::1`, `localhost`) needs a
   * `token`: the dashboard can run jobs.
   * @default '127.0.0.1'
   */
  host?: string | undefined;
}

/** The options, checked and normalised. */
export interface DashboardConfig {
  readonly schedulers: readonly Scheduler[];
  readonly history: RunHistory | undefined;
  readonly token: string | undefined;
  readonly readOnly: boolean;
  /** `''` for the root, else `/a/b` without a trailing slash. */
  readonly basePath: string;
}

const KNOWN = new Set(['scheduler', 'history', 'token', 'readOnly', 'basePath']);

function invalid(message: string): TscronError {
  return new TscronError('ERR_INVALID_OPTION', `createDashboard: ${message}`);
}

function isScheduler(value: unknown): value is Scheduler {
  const candidate = value as Partial<Scheduler> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.jobs === 'function' &&
    typeof candidate.subscribe === 'function'
  );
}

/** Validates the options; throws `ERR_INVALID_OPTION` naming the option and the value. */
export function resolveDashboardOptions(options: DashboardOptions): DashboardConfig {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalid(`unknown option ${JSON.stringify(key)}`);
  }
  const list: readonly unknown[] = Array.isArray(options.scheduler) ? options.scheduler : [options.scheduler];
  if (list.length === 0 || !list.every(isScheduler)) {
    throw invalid(
      `scheduler must be a tscron Scheduler or a non-empty array of them, got ${describeValue(options.scheduler)}`,
    );
  }
  const { history, token, readOnly = false } = options;
  if (
    history !== undefined &&
    (typeof history?.list !== 'function' || typeof history?.record !== 'function')
  ) {
    throw invalid(`history must be a RunHistory (record and list), got ${describeValue(history)}`);
  }
  // Visible ASCII only: the token travels in a header, and whitespace would not survive it.
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))) {
    throw invalid(
      `token must be a non-empty string of visible ASCII characters, got ${typeof token === 'string' ? `a string of ${token.length} with other characters` : describeValue(token)}`,
    );
  }
  if (typeof readOnly !== 'boolean')
    throw invalid(`readOnly must be a boolean, got ${describeValue(readOnly)}`);
  return {
    schedulers: list as Scheduler[],
    history,
    token,
    readOnly,
    basePath: normaliseBasePath(options.basePath ?? '/'),
  };
}

function normaliseBasePath(basePath: unknown): string {
  if (typeof basePath !== 'string' || !/^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+\/?)*$/.test(basePath)) {
    throw invalid(
      `basePath must be a path starting with "/" (like "/cron"), without query or fragment, got ${describeValue(basePath)}`,
    );
  }
  return basePath.replace(/\/+$/, '');
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3})$/i;

/** Whether binding `host` keeps the dashboard on this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** Validates the options of `listen`; a public address without a token is refused. */
export function resolveListenOptions(
  options: ListenOptions,
  token: string | undefined,
): { port: number; host: string } {
  if (typeof options !== 'object' || options === null) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `listen: options must be an object, got ${describeValue(options)}`,
    );
  }
  const { port, host = '127.0.0.1' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `listen: port must be an integer 0-65535, got ${describeValue(port)}`,
    );
  }
  if (typeof host !== 'string' || host === '') {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `listen: host must be a non-empty string, got ${describeValue(host)}`,
    );
  }
  if (token === undefined && !isLoopback(host)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `listen: host ${JSON.stringify(host)} is not a loopback address; set the dashboard's token to serve it beyond this machine`,
    );
  }
  return { port, host };
}
