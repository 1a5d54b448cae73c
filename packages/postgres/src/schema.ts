// Table names, the numbered migrations in ./migrations, and applying them under an advisory lock.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscronError } from 'tscron';
import { backendFailure, callerDirectory } from 'tscron/backend';

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

/** Where the tables live. */
export interface Names {
  schema: string;
  /** The schema's name unquoted. */
  schemaName: string;
  locks: string;
  fenceSequence: string;
  leases: string;
  migrations: string;
  locksNameIndex: string;
  locksExpiresIndex: string;
  /** Identifies this schema + table set (for the advisory lock and the migration cache). */
  id: string;
}

const SUFFIXES = ['_fence', '_leases', '_migrations', '_name_expires', '_expires'];

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Validates `schema` and `table` and builds the quoted names. */
export function names(owner: string, schema = 'public', table = 'tscron_locks'): Names {
  const longest = Math.max(...SUFFIXES.map((s) => s.length));
  for (const [what, value, max] of [
    ['schema', schema, 63],
    ['table', table, 63 - longest],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\u0000')) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${owner} ${what}: must be 1 to ${max} characters, got ${JSON.stringify(value)}`,
      );
    }
  }
  return {
    schema: quote(schema),
    schemaName: schema,
    locks: quote(table),
    fenceSequence: quote(`${table}_fence`),
    leases: quote(`${table}_leases`),
    migrations: quote(`${table}_migrations`),
    locksNameIndex: quote(`${table}_name_expires`),
    locksExpiresIndex: quote(`${table}_expires`),
    id: `${schema}.${table}`,
  };
}

interface Migration {
  version: number;
  file: string;
}

let known: Migration[] | undefined;
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

/** The numbered `.sql` files shipped in `migrations/`, in order. */
export function migrations(): Migration[] {
  if (known === undefined) {
    const folder = migrationsFolder();
    known = readdirSync(folder)
      .map((file) => ({ file, match: /^(\d+)_[\w-]+\.sql$/.exec(file) }))
      .filter((m) => m.match !== null)
      .map(({ file, match }) => ({ file, version: Number(match?.[1]) }))
      .sort((a, b) => a.version - b.version);
  }
  return known;
}

function render(sql: string, n: Names): string {
  return sql
    .replaceAll('{{schema}}', n.schema)
    .replaceAll('{{locks}}', n.locks)
    .replaceAll('{{fence_sequence}}', n.fenceSequence)
    .replaceAll('{{leases}}', n.leases)
    .replaceAll('{{locks_name_index}}', n.locksNameIndex)
    .replaceAll('{{locks_expires_index}}', n.locksExpiresIndex);
}

const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA = '3F000';

function newer(n: Names, found: number, latest: number): TscronError {
  return new TscronError(
    'ERR_INVALID_OPTION',
    `@tscron/postgres: the tables ${n.id} are at schema version ${found}, newer than the ${latest} this version knows; upgrade @tscron/postgres`,
  );
}

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock
 * (so concurrent replicas apply each once, and it works through transaction-pooling proxies).
 * Throws `ERR_INVALID_OPTION` when the database is at a newer schema version than this package.
 */
export async function applyMigrations(client: PgClient, n: Names): Promise<void> {
  const all = migrations();
  const latest = all.at(-1)?.version ?? 0;
  try {
    const { rows } = await client.query(`SELECT max(version) AS version FROM ${n.schema}.${n.migrations}`);
    const found = Number(rows[0]?.version ?? 0);
    if (found > latest) throw newer(n, found, latest);
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
    await connection.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tscron:migrate:${n.id}`]);
    // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS.
    const schema = await connection.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [n.schemaName]);
    if (schema.rowCount === 0) await connection.query(`CREATE SCHEMA IF NOT EXISTS ${n.schema}`);
    await connection.query(
      `CREATE TABLE IF NOT EXISTS ${n.schema}.${n.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await connection.query(
      `SELECT coalesce(max(version), 0) AS version FROM ${n.schema}.${n.migrations}`,
    );
    const found = Number(rows[0]?.version ?? 0);
    if (found > latest) throw newer(n, found, latest);
    for (const migration of all) {
      if (migration.version <= found) continue;
      await connection.query(render(readMigration(migration.file), n));
      await connection.query(`INSERT INTO ${n.schema}.${n.migrations} (version, name) VALUES ($1, $2)`, [
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
export function ensureSchema(client: PgClient, n: Names): Promise<void> {
  let perClient = applied.get(client);
  if (perClient === undefined) {
    perClient = new Map();
    applied.set(client, perClient);
  }
  let pending = perClient.get(n.id);
  if (pending === undefined) {
    pending = serial(client, () => applyMigrations(client, n)).catch((error: unknown) => {
      throw backendFailure(`@tscron/postgres: applying the migrations of ${n.id}`, error);
    });
    perClient.set(n.id, pending);
    const cache = perClient;
    pending.catch(() => cache.delete(n.id));
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
