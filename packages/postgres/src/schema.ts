// Table names, the numbered migrations in ./migrations, and applying them under an advisory lock.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscronError } from 'tscron';
import { backendFailure, callerDirectory } from 'tscron/backend';
import { describeValue } from './sql-values.js';

/** The part of a `pg` Pool, Client or PoolClient tscron uses. */
export interface Queryable {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

/** A `pg` Pool: hands out a client for a transaction. */
interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
  totalCount: number;
}

/** A `pg.Pool`, `pg.Client` or checked-out `PoolClient` (or anything that quacks like one). */
export type PgClient = Queryable;

/**
 * Each component keeps its own numbered migrations and its own bookkeeping table, so that adding
 * the fleet or the run history never raises the schema version of the claims (an older
 * `@tscron/postgres` refuses a newer version, and a rollback must not leave replicas unable to start).
 * Files: `0001_locks.sql` (locks), `fleet_0001_tables.sql` (fleet), `history_0001_runs.sql` (history).
 */
export type Track = 'locks' | 'fleet' | 'history';

const TRACK_FILES: Readonly<Record<Track, RegExp>> = {
  locks: /^(\d+)_[\w-]+\.sql$/,
  fleet: /^fleet_(\d+)_[\w-]+\.sql$/,
  history: /^history_(\d+)_[\w-]+\.sql$/,
};

const TRACK_OWNER: Readonly<Record<Track, string>> = {
  locks: 'PostgresLocker and PostgresElector',
  fleet: 'PostgresFleet',
  history: 'PostgresRunHistory',
};

/** Tables migrated together: one component's tables under one base name. */
export interface TableSet {
  readonly track: Track;
  /** The schema, quoted. */
  readonly schema: string;
  /** The schema's name unquoted. */
  readonly schemaName: string;
  /** The bookkeeping table `<table>_migrations`, quoted. */
  readonly migrations: string;
  /** Identifies this schema + table set (for the advisory lock and the migration cache). */
  readonly id: string;
  /** What each `{{placeholder}}` of the track's files stands for (quoted names). */
  readonly placeholders: Readonly<Record<string, string>>;
}

/** Where the claims and leases live. */
export interface Names extends TableSet {
  locks: string;
  fenceSequence: string;
  leases: string;
  locksNameIndex: string;
  locksExpiresIndex: string;
}

/** Double-quotes an identifier for SQL. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * Validates `schema` and the base name `table` and names each table of a set: `parts` maps a
 * placeholder of the track's files to the suffix its table carries after `table` (`''` for `table`
 * itself). `<table>_migrations` keeps the bookkeeping. Throws `ERR_INVALID_OPTION` for a name that
 * is empty, holds a NUL or would make a name longer than PostgreSQL's 63 bytes.
 */
export function tableSet(
  owner: string,
  track: Track,
  schema: unknown,
  table: unknown,
  parts: Readonly<Record<string, string>>,
  id: string,
): TableSet {
  const longest = Math.max('_migrations'.length, ...Object.values(parts).map((suffix) => suffix.length));
  for (const [what, value, max] of [
    ['schema', schema, 63],
    ['table', table, 63 - longest],
  ] as const) {
    // PostgreSQL cuts names at 63 bytes. The claims' tables have always been checked in UTF-16
    // units, and keep that so that no name that worked before is refused now.
    const size = typeof value !== 'string' ? 0 : track === 'locks' ? value.length : Buffer.byteLength(value);
    if (typeof value !== 'string' || size === 0 || size > max || value.includes('\u0000')) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${owner} ${what}: must be 1 to ${max} ${track === 'locks' ? 'characters' : 'bytes'} without NUL, got ${describeValue(value)}`,
      );
    }
  }
  const base = table as string;
  const placeholders: Record<string, string> = { schema: quote(schema as string) };
  for (const [placeholder, suffix] of Object.entries(parts)) placeholders[placeholder] = quote(base + suffix);
  return {
    track,
    schema: quote(schema as string),
    schemaName: schema as string,
    migrations: quote(`${base}_migrations`),
    id,
    placeholders,
  };
}

/** Validates `schema` and `table` and builds the quoted names of the claims and leases. */
export function names(owner: string, schema: unknown = 'public', table: unknown = 'tscron_locks'): Names {
  const set = tableSet(
    owner,
    'locks',
    schema,
    table,
    {
      locks: '',
      fence_sequence: '_fence',
      leases: '_leases',
      locks_name_index: '_name_expires',
      locks_expires_index: '_expires',
    },
    `${String(schema)}.${String(table)}`,
  );
  const p = set.placeholders as Record<string, string>;
  return {
    ...set,
    locks: p.locks as string,
    fenceSequence: p.fence_sequence as string,
    leases: p.leases as string,
    locksNameIndex: p.locks_name_index as string,
    locksExpiresIndex: p.locks_expires_index as string,
  };
}

interface Migration {
  version: number;
  file: string;
}

const known = new Map<Track, Migration[]>();
let folder: string | undefined;

/** The folder of the `.sql` files shipped in `migrations/` beside the compiled code. */
function migrationsFolder(): string {
  folder ??= join(callerDirectory(), 'migrations');
  return folder;
}

/** The text of one migration file, before its names are filled in. */
export function readMigration(file: string): string {
  return readFileSync(join(migrationsFolder(), file), 'utf8');
}

/** The numbered `.sql` files of a track shipped in `migrations/`, in order. */
export function migrations(track: Track = 'locks'): Migration[] {
  let found = known.get(track);
  if (found === undefined) {
    const pattern = TRACK_FILES[track];
    found = readdirSync(migrationsFolder())
      .map((file) => ({ file, match: pattern.exec(file) }))
      .filter((m) => m.match !== null)
      .map(({ file, match }) => ({ file, version: Number(match?.[1]) }))
      .sort((a, b) => a.version - b.version);
    known.set(track, found);
  }
  return found;
}

/** A migration file with its `{{placeholders}}` replaced by the set's quoted names. */
export function render(sql: string, set: TableSet): string {
  const text = sql.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const name = set.placeholders[key];
    if (name === undefined) throw new Error(`@tscron/postgres: unknown placeholder ${whole} in a migration`);
    return name;
  });
  return text;
}

const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA = '3F000';

function newer(set: TableSet, found: number, latest: number): TscronError {
  return new TscronError(
    'ERR_INVALID_OPTION',
    `@tscron/postgres: the tables ${set.id} are at schema version ${found}, newer than the ${latest} this version knows; upgrade @tscron/postgres`,
  );
}

/**
 * Checks one row of a set's bookkeeping: a file of this track, or a newer one of the same track.
 * A row from another track means two components were given the same base table name (their
 * bookkeeping would mix and each would skip the other's migrations).
 */
function checkApplied(set: TableSet, all: readonly Migration[], version: number, name: string): void {
  const own = all.find((migration) => migration.version === version);
  if (own?.file === name) return;
  const latest = all.at(-1)?.version ?? 0;
  const foreign = Object.entries(TRACK_FILES).some(
    ([track, pattern]) => track !== set.track && pattern.test(name),
  );
  if (own === undefined && version > latest && !foreign) throw newer(set, version, latest);
  throw new TscronError(
    'ERR_INVALID_OPTION',
    `@tscron/postgres: ${set.schemaName}.${set.migrations} records the migration ${JSON.stringify(name)}, which is not one of ${TRACK_OWNER[set.track]}; give each component a table name of its own`,
  );
}

/**
 * Applies the pending migrations of a table set in one transaction under a transaction-scoped
 * advisory lock (so concurrent replicas apply each once, and it works through transaction-pooling
 * proxies). Throws `ERR_INVALID_OPTION` when the database is at a newer schema version than this
 * package, or when the set's bookkeeping belongs to another component.
 */
export async function applyMigrations(client: PgClient, set: TableSet): Promise<void> {
  const all = migrations(set.track);
  const latest = all.at(-1)?.version ?? 0;
  const newest = `SELECT version, name FROM ${set.schema}.${set.migrations} ORDER BY version DESC LIMIT 1`;
  try {
    const { rows } = await client.query(newest);
    const found = Number(rows[0]?.version ?? 0);
    if (rows[0] !== undefined) checkApplied(set, all, found, String(rows[0].name));
    if (found === latest) return;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== UNDEFINED_TABLE && code !== INVALID_SCHEMA) throw error;
  }
  const pool = 'totalCount' in client && typeof (client as PoolLike).connect === 'function';
  const pooled = pool ? await (client as PoolLike).connect() : undefined;
  const connection: Queryable = pooled ?? client;
  let failed: Error | undefined;
  try {
    await connection.query('BEGIN');
    await connection.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tscron:migrate:${set.id}`]);
    // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS.
    // IF NOT EXISTS does not stop two sets (the locker's and the fleet's) creating the schema at the
    // same time, so its creation has a lock of its own.
    const exists = 'SELECT 1 FROM pg_namespace WHERE nspname = $1';
    if ((await connection.query(exists, [set.schemaName])).rowCount === 0) {
      await connection.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `tscron:schema:${set.schemaName}`,
      ]);
      if ((await connection.query(exists, [set.schemaName])).rowCount === 0) {
        await connection.query(`CREATE SCHEMA ${set.schema}`);
      }
    }
    await connection.query(
      `CREATE TABLE IF NOT EXISTS ${set.schema}.${set.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await connection.query(
      `SELECT version, name FROM ${set.schema}.${set.migrations} ORDER BY version`,
    );
    for (const row of rows) checkApplied(set, all, Number(row.version), String(row.name));
    const found = Number(rows.at(-1)?.version ?? 0);
    for (const migration of all) {
      if (migration.version <= found) continue;
      await connection.query(render(readMigration(migration.file), set));
      await connection.query(`INSERT INTO ${set.schema}.${set.migrations} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.file,
      ]);
    }
    await connection.query('COMMIT');
  } catch (error) {
    failed = error as Error;
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    pooled?.release(failed);
  }
}

const applied = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Applies the migrations once per client and table set; a failure is retried by the next call.
 * Rejects with `ERR_INVALID_OPTION` (a newer schema) or `ERR_LOCK_BACKEND_FAILED` (the driver's
 * error as `cause`).
 */
export function ensureSchema(client: PgClient, set: TableSet): Promise<void> {
  let perClient = applied.get(client);
  if (perClient === undefined) {
    perClient = new Map();
    applied.set(client, perClient);
  }
  let pending = perClient.get(set.id);
  if (pending === undefined) {
    pending = serial(client, () => applyMigrations(client, set)).catch((error: unknown) => {
      throw backendFailure(`@tscron/postgres: applying the migrations of ${set.id}`, error);
    });
    perClient.set(set.id, pending);
    const cache = perClient;
    pending.catch(() => cache.delete(set.id));
  }
  return pending;
}

const queues = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `work` on the client. A Pool takes work concurrently; a single Client gets one unit at a time
 * (pg deprecates queueing on a busy client, and a transaction must not interleave), in call order.
 */
function serial<T>(client: PgClient, work: () => Promise<T>): Promise<T> {
  if ('totalCount' in client) return work();
  const previous = queues.get(client) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(
    client,
    next.catch(() => undefined),
  );
  return next;
}

/** Runs one statement (see {@link serial}). */
export function run(
  client: PgClient,
  text: string,
  values: unknown[],
): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }> {
  return serial(client, () => client.query(text, values));
}
