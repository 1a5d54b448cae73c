// Reads a YAML or JSON schedule file (JSON is read as YAML, which it is a subset of, so that both
// get positions for every value).
import { dirname, resolve } from 'node:path';
import {
  type AtTime,
  atTime,
  createScheduler,
  dailyJob,
  durationJob,
  durationRandomJob,
  type JobDefinition,
  type JobOptions,
  monthlyJob,
  oneTimeJob,
  type RetryOptions,
  type Scheduler,
  toMilliseconds,
  type Weekday,
  weeklyJob,
} from 'tscron';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { checkCron, checkName, checkTimeZone, messageOf } from './checks.js';
import { coreJobOptions } from './job-options.js';
import type { Problem } from './problems.js';
import type { Action, JobSpec, Position, ScheduleFile } from './spec.js';
import { didYouMean } from './suggest.js';

const TOP_KEYS = ['timeZone', 'locker', 'jobs'];
const SCHEDULE_KEYS = ['cron', 'every', 'randomEvery', 'daily', 'weekly', 'monthly', 'once'];
const ACTION_KEYS = ['run', 'command', 'module'];
const OPTION_KEYS = [
  'timeZone',
  'timeout',
  'retry',
  'singletonMode',
  'tags',
  'limitedRuns',
  'startAt',
  'stopAt',
  'missedRuns',
  'catchUpWithin',
  'jitter',
  'dstPolicy',
  'locker',
  'cwd',
  'env',
  'seconds',
];
const JOB_KEYS = ['name', ...SCHEDULE_KEYS, ...ACTION_KEYS, ...OPTION_KEYS];
const WEEKDAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** Signals that a problem was recorded and the value cannot be used. */
class Reported extends Error {}

/** Reads one file's YAML tree, recording problems at the positions of the nodes they concern. */
class Reader {
  readonly problems: Problem[] = [];
  readonly #file: string;
  readonly #lines: LineCounter;
  readonly #scratch = new Map<string, Scheduler>();

  constructor(file: string, lines: LineCounter) {
    this.#file = file;
    this.#lines = lines;
  }

  position(node: Node | Pair | null | undefined, fallback?: Node | null): Position {
    const target = node !== null && node !== undefined && 'range' in node ? node : fallback;
    const offset =
      target !== null && target !== undefined && 'range' in target ? (target.range?.[0] ?? 0) : 0;
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.#file, line, column: col };
  }

  /** A scheduler that is never started, to let the core check a job's options (one per zone). */
  scratch(timeZone: string | undefined): Scheduler {
    const key = timeZone ?? '';
    let scheduler = this.#scratch.get(key);
    if (scheduler === undefined) {
      scheduler = createScheduler({ ...(timeZone === undefined ? {} : { timeZone }) });
      this.#scratch.set(key, scheduler);
    }
    return scheduler;
  }

  report(node: Node | null | undefined, message: string, columnShift = 0): void {
    const at = this.position(node);
    this.problems.push({ ...at, column: at.column + columnShift, message });
  }

  /** Records a problem and abandons the value. */
  fail(node: Node | null | undefined, message: string, columnShift = 0): never {
    this.report(node, message, columnShift);
    throw new Reported();
  }

  /** Runs `read`, turning a reported failure into `undefined` so that reading goes on. */
  attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (error instanceof Reported) return undefined;
      throw error;
    }
  }

  /** The map's pairs by key, reporting unknown and repeated keys. */
  keys(map: YAMLMap, known: readonly string[], where: string): Map<string, Pair<Node, Node>> {
    const found = new Map<string, Pair<Node, Node>>();
    for (const pair of map.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        this.report(pair.key, `${where}: keys must be plain names`);
      } else if (!known.includes(key)) {
        this.report(pair.key, `${where}: unknown key "${key}"${didYouMean(key, known)}`);
      } else if (found.has(key)) {
        this.report(pair.key, `${where}: "${key}" is given twice`);
      } else {
        found.set(key, pair);
      }
    }
    return found;
  }

  string(node: Node | null, what: string): string {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    return this.fail(node, `${what} must be a string`);
  }

  integer(node: Node | null, what: string, min: number): number {
    if (
      isScalar(node) &&
      typeof node.value === 'number' &&
      Number.isInteger(node.value) &&
      node.value >= min
    ) {
      return node.value;
    }
    return this.fail(node, `${what} must be an integer >= ${min}`);
  }

  oneOf<T extends string>(node: Node | null, what: string, values: readonly T[]): T {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    return this.fail(node, `${what} must be one of ${values.map((v) => `"${v}"`).join(', ')}`);
  }

  duration(node: Node | null, what: string): string | number {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      return this.fail(node, `${what} must be a duration such as "30s" or "1h30m"`);
    }
    try {
      toMilliseconds(value, what);
    } catch (error) {
      this.fail(node, messageOf(error));
    }
    return value;
  }

  /** A duration above zero. */
  positiveDuration(node: Node | null, what: string): string | number {
    const value = this.duration(node, what);
    if (toMilliseconds(value, what) <= 0)
      return this.fail(node, `${what} must be longer than 0, got ${String(value)}`);
    return value;
  }

  instant(node: Node | null, what: string): number {
    const value = isScalar(node) ? node.value : undefined;
    const ms =
      typeof value === 'string' ? Date.parse(value) : value instanceof Date ? value.getTime() : Number.NaN;
    if (Number.isNaN(ms))
      return this.fail(node, `${what} must be an ISO 8601 instant such as "2026-01-31T09:00:00Z"`);
    return ms;
  }

  list(node: Node | null): Node[] {
    if (isSeq(node)) return node.items as Node[];
    return [node as Node];
  }

  map(node: Node | null, what: string): YAMLMap {
    if (isMap(node)) return node;
    return this.fail(node, `${what} must be a mapping`);
  }

  atTimes(node: Node | null, what: string): AtTime[] {
    if (node === null) return this.fail(node, `${what}: "at" is required`);
    return this.list(node).map((item) => {
      const text = isScalar(item) ? String(item.value) : '';
      const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
      if (match === null) return this.fail(item, `${what}: at must be "HH:MM" or "HH:MM:SS", got "${text}"`);
      return atTime(Number(match[1]), Number(match[2]), Number(match[3] ?? 0));
    });
  }
}

/** Parses a YAML or JSON schedule file, collecting every problem with its position. */
export function parseScheduleFile(
  file: string,
  text: string,
): { schedule: ScheduleFile; problems: Problem[] } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const reader = new Reader(file, lines);
  const empty = { schedule: { file, jobs: [], locker: undefined }, problems: reader.problems };
  for (const error of document.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    reader.problems.push({ file, line, column: col, message: error.message.split('\n')[0] ?? error.message });
  }
  if (document.errors.length > 0) return empty;
  const root = document.contents;
  if (!isMap(root)) {
    reader.report(root, 'a schedule file must be a mapping with a "jobs" list');
    return empty;
  }
  const top = reader.keys(root, TOP_KEYS, 'schedule file');
  const zonePair = top.get('timeZone');
  const defaultZone = zonePair === undefined ? undefined : reader.attempt(() => zone(reader, zonePair.value));
  const locker = reader.attempt(() => {
    const pair = top.get('locker');
    return pair === undefined ? undefined : reader.string(pair.value, 'locker');
  });
  const jobsPair = top.get('jobs');
  if (jobsPair === undefined || !isSeq(jobsPair.value)) {
    reader.report(jobsPair?.value ?? root, 'a schedule file needs a "jobs" list');
    return { schedule: { file, jobs: [], locker }, problems: reader.problems };
  }
  const jobs: JobSpec[] = [];
  for (const item of jobsPair.value.items as Node[]) {
    const job = reader.attempt(() => readJob(reader, item, file, defaultZone));
    if (job !== undefined) jobs.push(job);
  }
  return { schedule: { file, jobs, locker }, problems: reader.problems };
}

function zone(reader: Reader, node: Node | null, where?: string): string {
  const prefix = where === undefined ? '' : `${where}: `;
  const name = reader.string(node, `${prefix}timeZone`);
  const why = checkTimeZone(name);
  return why === undefined ? name : reader.fail(node, `${prefix}${why}`);
}

function readJob(reader: Reader, node: Node, file: string, defaultZone: string | undefined): JobSpec {
  const map = reader.map(node, 'a job');
  const keys = reader.keys(map, JOB_KEYS, 'job');
  const value = (key: string): Node | null => (keys.get(key)?.value as Node | undefined) ?? null;
  const has = (key: string) => keys.has(key);
  const namePair = keys.get('name');
  const name = reader.attempt(() => {
    if (namePair === undefined) return reader.fail(map, 'job: "name" is required');
    const text = reader.string(namePair.value, 'name');
    const why = checkName(text);
    return why === undefined ? text : reader.fail(namePair.value, why);
  });
  const where = `job "${name ?? '?'}"`;
  // In the order the file gives them, so that the second one written is the one reported.
  const kinds = [...keys.keys()].filter((key) => SCHEDULE_KEYS.includes(key));
  const actions = [...keys.keys()].filter((key) => ACTION_KEYS.includes(key));
  let ok = name !== undefined;
  if (kinds.length === 0) {
    reader.report(map, `${where}: no schedule; give one of ${SCHEDULE_KEYS.join(', ')}`);
    ok = false;
  }
  for (const extra of kinds.slice(1)) {
    reader.report(
      keys.get(extra)?.key as Node,
      `${where}: two schedule kinds, "${kinds[0]}" and "${extra}"; keep one`,
    );
    ok = false;
  }
  if (actions.length === 0) {
    reader.report(map, `${where}: missing command; give one of run, command or module`);
    ok = false;
  }
  for (const extra of actions.slice(1)) {
    reader.report(keys.get(extra)?.key as Node, `${where}: both "${actions[0]}" and "${extra}"; keep one`);
    ok = false;
  }
  if (has('seconds') && kinds[0] !== 'cron') {
    reader.report(keys.get('seconds')?.key as Node, `${where}: "seconds" applies to cron schedules only`);
    ok = false;
  }
  const seconds = has('seconds')
    ? reader.attempt(() => {
        const node = value('seconds');
        if (isScalar(node) && typeof node.value === 'boolean') return node.value;
        return reader.fail(node, `${where}: seconds must be true or false`);
      })
    : false;
  const kind = kinds[0];
  const schedule =
    kind === undefined || seconds === undefined
      ? undefined
      : reader.attempt(() => readSchedule(reader, kind, value(kind), seconds, where));
  const action =
    actions[0] === undefined
      ? undefined
      : reader.attempt(() =>
          readAction(reader, actions[0] as string, value(actions[0] as string), file, where),
        );
  const timeZone = has('timeZone')
    ? reader.attempt(() => zone(reader, value('timeZone'), where))
    : defaultZone;
  const options = readOptions(reader, keys, where);
  const env = has('env') ? reader.attempt(() => readEnv(reader, value('env'), where)) : {};
  const cwd = has('cwd')
    ? reader.attempt(() => resolve(dirname(file), reader.string(value('cwd'), `${where}: cwd`)))
    : dirname(file);
  let noLocker = false;
  if (has('locker')) {
    const node = value('locker');
    if (isScalar(node) && node.value === false) noLocker = true;
    else
      reader.report(
        node,
        `${where}: locker can only be false (the job runs on every replica); set the locker URL at the top or with --locker`,
      );
  }
  if (
    !ok ||
    schedule === undefined ||
    action === undefined ||
    options === undefined ||
    env === undefined ||
    cwd === undefined ||
    (has('timeZone') && timeZone === undefined)
  ) {
    throw new Reported();
  }
  // The core judges the options together (startAt before stopAt, a start in the past...): ask it on
  // a scheduler that is never started, one per zone and file, the job removed again at once.
  try {
    const scratch = reader.scratch(timeZone);
    scratch.newJob(
      schedule.definition,
      () => undefined,
      coreJobOptions({ name: name as string, definition: schedule.definition, options, noLocker }),
    );
    scratch.removeJob(name as string);
  } catch (error) {
    reader.fail(map, `${where}: ${messageOf(error)}`);
  }
  return {
    name: name as string,
    definition: schedule.definition,
    scheduleText: schedule.text,
    timeZone,
    action,
    env,
    cwd,
    options,
    noLocker,
    position: reader.position(map),
  };
}

function readSchedule(
  reader: Reader,
  kind: string,
  node: Node | null,
  seconds: boolean,
  where: string,
): { definition: JobDefinition; text: string } {
  const core = <T>(make: () => T): T => {
    try {
      return make();
    } catch (error) {
      return reader.fail(node, `${where}: ${messageOf(error)}`);
    }
  };
  switch (kind) {
    case 'cron': {
      const expression = reader.string(node, `${where}: cron`);
      const checked = checkCron(expression, seconds);
      if (checked.ok) return { definition: checked.definition, text: expression };
      // Point into the scalar at the bad field; a quoted scalar starts one column earlier.
      const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
      return reader.fail(node, `${where}: ${checked.message}`, checked.offset + quoted);
    }
    case 'every': {
      const every = reader.duration(node, `${where}: every`);
      return { definition: core(() => durationJob(every)), text: `every ${every}` };
    }
    case 'randomEvery': {
      const items = isSeq(node) ? (node.items as Node[]) : [];
      if (items.length !== 2) return reader.fail(node, `${where}: randomEvery must be [min, max]`);
      const min = reader.duration(items[0] as Node, `${where}: randomEvery min`);
      const max = reader.duration(items[1] as Node, `${where}: randomEvery max`);
      return { definition: core(() => durationRandomJob(min, max)), text: `randomly every ${min} to ${max}` };
    }
    case 'once': {
      const text = isScalar(node) ? String(node.value) : undefined;
      if (text === 'immediately') return { definition: oneTimeJob('immediately'), text: 'once immediately' };
      const instants = reader.list(node).map((item) => reader.instant(item, `${where}: once`));
      return {
        definition: core(() => oneTimeJob(instants)),
        text: `once at ${instants.map((ms) => new Date(ms).toISOString()).join(', ')}`,
      };
    }
    default:
      return readCalendar(reader, kind, node, where, core);
  }
}

function readCalendar(
  reader: Reader,
  kind: string,
  node: Node | null,
  where: string,
  core: <T>(make: () => T) => T,
): { definition: JobDefinition; text: string } {
  const map = reader.map(node, `${where}: ${kind}`);
  const known = kind === 'daily' ? ['interval', 'at'] : ['interval', 'days', 'at'];
  const keys = reader.keys(map, known, `${where}: ${kind}`);
  const field = (key: string): Node | null => (keys.get(key)?.value as Node | undefined) ?? null;
  const interval = keys.has('interval')
    ? reader.integer(field('interval'), `${where}: ${kind}.interval`, 1)
    : 1;
  const at = reader.atTimes(keys.has('at') ? field('at') : null, `${where}: ${kind}`);
  const atText = at
    .map((t) => `${pad(t.hours)}:${pad(t.minutes)}${t.seconds ? `:${pad(t.seconds)}` : ''}`)
    .join(',');
  const every = interval === 1 ? '' : ` every ${interval}`;
  if (kind === 'daily')
    return { definition: core(() => dailyJob(interval, at)), text: `daily${every} at ${atText}` };
  if (!keys.has('days')) reader.fail(map, `${where}: ${kind}: "days" is required`);
  const dayNodes = reader.list(field('days'));
  if (kind === 'weekly') {
    const days = dayNodes.map((item) => weekday(reader, item, where));
    return {
      definition: core(() => weeklyJob(interval, days, at)),
      text: `weekly${every} on ${dayNodes.map((n) => String((n as { value?: unknown }).value)).join(',')} at ${atText}`,
    };
  }
  const days = dayNodes.map((item) => reader.integer(item, `${where}: monthly.days`, -31));
  return {
    definition: core(() => monthlyJob(interval, days, at)),
    text: `monthly${every} on ${days.join(',')} at ${atText}`,
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function weekday(reader: Reader, node: Node, where: string): Weekday | 7 {
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 7)
    return value as Weekday | 7;
  const day = typeof value === 'string' ? WEEKDAYS[value.slice(0, 3).toLowerCase()] : undefined;
  if (day !== undefined && typeof value === 'string' && value.length >= 3) return day as Weekday;
  return reader.fail(node, `${where}: weekly.days: "${String(value)}" is not a weekday (Mon, Tuesday, 0-7)`);
}

function readAction(reader: Reader, key: string, node: Node | null, file: string, where: string): Action {
  if (key === 'run') {
    const script = reader.string(node, `${where}: run`);
    if (script.trim() === '') return reader.fail(node, `${where}: run must not be empty`);
    return { kind: 'shell', script };
  }
  if (key === 'command') {
    const items = isSeq(node) ? (node.items as Node[]) : [];
    if (items.length === 0)
      return reader.fail(
        node,
        `${where}: command must be a non-empty list (the program, then its arguments)`,
      );
    const argv = items.map((item) => {
      if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number'))
        return String(item.value);
      return reader.fail(item, `${where}: command items must be strings`);
    });
    return { kind: 'argv', argv };
  }
  const text = reader.string(node, `${where}: module`);
  const hash = text.lastIndexOf('#');
  const path = hash < 0 ? text : text.slice(0, hash);
  const exportName = hash < 0 ? 'default' : text.slice(hash + 1);
  if (path === '' || exportName === '') {
    return reader.fail(node, `${where}: module must be "./file.mjs#exportName"`);
  }
  return { kind: 'module', path: resolve(dirname(file), path), exportName };
}

function readEnv(reader: Reader, node: Node | null, where: string): Record<string, string> {
  const map = reader.map(node, `${where}: env`);
  const env: Record<string, string> = {};
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      reader.report(pair.key, `${where}: env: "${key}" is not a variable name`);
    } else if (value === null || typeof value === 'object' || value === undefined) {
      reader.report(pair.value ?? pair.key, `${where}: env.${key} must be a string, number or boolean`);
    } else {
      env[key] = String(value);
    }
  }
  return env;
}

function readOptions(
  reader: Reader,
  keys: Map<string, Pair<Node, Node>>,
  where: string,
): JobSpec['options'] | undefined {
  const options: Record<string, unknown> = {};
  let ok = true;
  const read = (key: string, make: (node: Node | null) => unknown) => {
    const pair = keys.get(key);
    if (pair === undefined) return;
    const result = reader.attempt(() => make(pair.value));
    if (result === undefined) ok = false;
    else options[key] = result;
  };
  read('timeout', (n) => reader.duration(n, `${where}: timeout`));
  read('jitter', (n) => reader.duration(n, `${where}: jitter`));
  read('singletonMode', (n) => reader.oneOf(n, `${where}: singletonMode`, ['reschedule', 'wait']));
  read('missedRuns', (n) => reader.oneOf(n, `${where}: missedRuns`, ['skip', 'once', 'all']));
  read('catchUpWithin', (n) => reader.positiveDuration(n, `${where}: catchUpWithin`));
  read('dstPolicy', (n) => reader.oneOf(n, `${where}: dstPolicy`, ['shift', 'skip']));
  read('limitedRuns', (n) => reader.integer(n, `${where}: limitedRuns`, 1));
  read('tags', (n) => reader.list(n).map((item) => reader.string(item, `${where}: tags`)));
  read('startAt', (n) =>
    isScalar(n) && n.value === 'immediately' ? 'immediately' : reader.instant(n, `${where}: startAt`),
  );
  read('stopAt', (n) => reader.instant(n, `${where}: stopAt`));
  read('retry', (n) => readRetry(reader, n, where));
  return ok ? (options as JobOptions) : undefined;
}

function readRetry(reader: Reader, node: Node | null, where: string): RetryOptions {
  const map = reader.map(node, `${where}: retry`);
  const keys = reader.keys(map, ['attempts', 'delay', 'backoff'], `${where}: retry`);
  const field = (key: string): Node | null => (keys.get(key)?.value as Node | undefined) ?? null;
  if (!keys.has('attempts')) reader.fail(map, `${where}: retry: "attempts" is required`);
  const retry: RetryOptions = { attempts: reader.integer(field('attempts'), `${where}: retry.attempts`, 0) };
  if (keys.has('delay')) retry.delay = reader.duration(field('delay'), `${where}: retry.delay`);
  if (keys.has('backoff')) {
    const backoff = field('backoff');
    if (!(isScalar(backoff) && typeof backoff.value === 'number' && backoff.value >= 1)) {
      reader.fail(backoff, `${where}: retry.backoff must be a number >= 1`);
    }
    retry.backoff = (backoff as { value: number }).value;
  }
  return retry;
}
