// Table names, the numbered migrations in ./migrations, and applying them under a named lock.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TscronError } from 'tscron';
import { backendFailure, callerDirectory } from 'tscron/backend';
import { isPool, type MySqlQueryable } from './client.js';

/** Where the tables live, quoted and qualified. */
export interface Names {
  locks: string;
  leases: string;
  migrations: string;
  fenceIndex: string;
  expiresIndex: string;
  /** Identifies this database + table set (for the named lock and the migration cache). */
  id: string;
}

/** MySQL's longest identifier, minus the longest suffix added to the table name. */
const SUFFIXES = ['_leases', '_migrations', '_expires', '_fence'];
const MAX_IDENTIFIER = 64;

function quote(identifier: string): string {
  return `\`${identifier.replaceAll('`', '``')}\``;
}

/** Validates `database` and `table` and builds the quoted names. */
export function names(owner: string, database: string | undefined, table = 'tscron_locks'): Names {
  const longest = Math.max(...SUFFIXES.map((s) => s.length));
  const checks: Array<[string, unknown, number]> = [['table', table, MAX_IDENTIFIER - longest]];
  if (database !== undefined) checks.push(['database', database, MAX_IDENTIFIER]);
  for (const [what, value, max] of checks) {
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > max ||
      value.includes('\u0000') ||
      value.endsWith(' ')
    ) {
      throw new TscronError(
        'ERR_INVALID_OPTION',
        `${owner} ${what}: must be 1 to ${max} characters, got ${JSON.stringify(value)}`,
      );
    }
  }
  const qualify = (name: string) =>
    database === undefined ? quote(name) : `${quote(database)}.${quote(name)}`;
  return {
    locks: qualify(table),
    leases: qualify(`${table}_leases`),
    migrations: qualify(`${table}_migrations`),
    fenceIndex: quote(`${table}_fence`),
    expiresIndex: quote(`${table}_expires`),
    id: database === undefined ? table : `${database}.${table}`,
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
    known = readdirSync(migrationsFolder())
      .map((file) => ({ file, match: /^(\d+)_[\w-]+\.sql$/.exec(file) }))
      .filter((m) => m.match !== null)
      .map(({ file, match }) => ({ file, version: Number(match?.[1]) }))
      .sort((a, b) => a.version - b.version);
  }
  return known;
}

/**
 * The statements of one migration file with its names filled in. mysql2 sends one statement per
 * call unless the user turned `multipleStatements` on, so the file is split at each `;` that ends
 * a line; comments are dropped.
 */
export function statements(sql: string, n: Names): string[] {
  return sql
    .replaceAll('{{locks}}', n.locks)
    .replaceAll('{{leases}}', n.leases)
    .replaceAll('{{fence_index}}', n.fenceIndex)
    .replaceAll('{{expires_index}}', n.expiresIndex)
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

const NO_SUCH_TABLE = 1146;

function newer(n: Names, found: number, latest: number): TscronError {
  return new TscronError(
    'ERR_INVALID_OPTION',
    `@tscron/mysql: the tables ${n.id} are at schema version ${found}, newer than the ${latest} this version knows; upgrade @tscron/mysql`,
  );
}

async function version(client: MySqlQueryable, n: Names): Promise<number> {
  const [rows] = await client.query(`SELECT MAX(version) AS version FROM ${n.migrations}`);
  return Number((rows as Array<{ version: unknown }>)[0]?.version ?? 0);
}

/** How long a replica waits for another one's migrations before it gives up, in seconds. */
const MIGRATION_LOCK_WAIT = 60;

/**
 * Applies the pending migrations under a named lock (`GET_LOCK`, held on one connection for the
 * few statements of a migration, never for claims), so that replicas starting together apply each
 * once. MySQL commits every DDL statement on its own, so each statement is written to be repeatable
 * (`IF NOT EXISTS`) and a migration cut short is completed by the next attempt. Throws
 * `ERR_INVALID_OPTION` when the database is at a newer schema version than this package.
 */
export async function applyMigrations(client: MySqlQueryable, n: Names): Promise<void> {
  const all = migrations();
  const latest = all.at(-1)?.version ?? 0;
  try {
    const found = await version(client, n);
    if (found > latest) throw newer(n, found, latest);
    if (found === latest) return;
  } catch (error) {
    if ((error as { errno?: unknown }).errno !== NO_SUCH_TABLE) throw error;
  }
  const pooled = isPool(client) ? await client.getConnection() : undefined;
  const connection: MySqlQueryable = pooled ?? client;
  // GET_LOCK names are limited to 64 characters: hash the table set's name.
  const lockName = `tscron:migrate:${createHash('sha1').update(n.id).digest('hex')}`;
  let locked = false;
  try {
    const [rows] = await connection.query('SELECT GET_LOCK(?, ?) AS got', [lockName, MIGRATION_LOCK_WAIT]);
    locked = Number((rows as Array<{ got: unknown }>)[0]?.got) === 1;
    if (!locked) {
      throw new Error(
        `waited ${MIGRATION_LOCK_WAIT}s for the migration lock ${lockName} held by another session`,
      );
    }
    await connection.query(
      `CREATE TABLE IF NOT EXISTS ${n.migrations} (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE = InnoDB`,
    );
    const found = await version(connection, n);
    if (found > latest) throw newer(n, found, latest);
    for (const migration of all) {
      if (migration.version <= found) continue;
      for (const statement of statements(readMigration(migration.file), n)) await connection.query(statement);
      await connection.query(`INSERT INTO ${n.migrations} (version, name) VALUES (?, ?)`, [
        migration.version,
        migration.file,
      ]);
    }
  } finally {
    if (locked) await connection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    pooled?.release();
  }
}

const applied = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Applies the migrations once per client and table set; a failure is retried by the next call.
 * Rejects with `ERR_INVALID_OPTION` (a newer schema) or `ERR_LOCK_BACKEND_FAILED` (the driver's
 * error as `cause`).
 */
export function ensureSchema(client: MySqlQueryable, n: Names): Promise<void> {
  let perClient = applied.get(client);
  if (perClient === undefined) {
    perClient = new Map();
    applied.set(client, perClient);
  }
  let pending = perClient.get(n.id);
  if (pending === undefined) {
    pending = applyMigrations(client, n).catch((error: unknown) => {
      throw backendFailure(`@tscron/mysql: applying the migrations of ${n.id}`, error);
    });
    perClient.set(n.id, pending);
    const cache = perClient;
    pending.catch(() => cache.delete(n.id));
  }
  return pending;
}
