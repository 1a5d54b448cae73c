// The part of a mysql2 pool or connection tscron uses, and how it sends one statement.
import { TscronError } from 'tscron';

/**
 * A mysql2 promise-API `Pool`, `Connection` or `PoolConnection` (from `mysql2/promise`, or
 * `pool.promise()`), or anything that answers `query` the same way: `[rows, fields]` for a
 * `SELECT`, `[{ affectedRows, insertId }, fields]` for a write.
 */
export interface MySqlQueryable {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2's own signature is generic over the result.
  query(sql: string, values?: any): Promise<[any, any]>;
}

/**
 * What the lockers and electors take: a promise-API pool or connection, or a callback-API one from
 * `mysql2` (anything with a `promise()` method, which tscron calls once).
 */
export type MySqlClient = MySqlQueryable | { promise(): MySqlQueryable };

/** A promise-API pool hands out connections; the migrations need one for their named lock. */
export interface PoolLike extends MySqlQueryable {
  getConnection(): Promise<MySqlQueryable & { release(): void }>;
}

const wrappers = new WeakMap<object, MySqlQueryable>();

/** The promise-API client behind `client`; throws `ERR_INVALID_OPTION` for anything else. */
export function queryable(owner: string, client: MySqlClient | undefined): MySqlQueryable {
  if (client !== null && typeof client === 'object') {
    if (typeof (client as { promise?: unknown }).promise === 'function') {
      // One wrapper per callback-API client, so that instances sharing it share the migration cache.
      let promised = wrappers.get(client);
      if (promised === undefined) {
        promised = (client as { promise(): MySqlQueryable }).promise();
        wrappers.set(client, promised);
      }
      if (typeof promised?.query === 'function') return promised;
    } else if (typeof (client as MySqlQueryable).query === 'function') {
      return client as MySqlQueryable;
    }
  }
  throw new TscronError('ERR_INVALID_OPTION', `${owner}: \`client\` must be a mysql2 Pool or Connection`);
}

/** Whether `client` hands out connections (a pool). */
export function isPool(client: MySqlQueryable): client is PoolLike {
  return typeof (client as Partial<PoolLike>).getConnection === 'function';
}

/** The result of a write: how many rows it touched and the insert id (`LAST_INSERT_ID()`). */
export interface WriteResult {
  affectedRows: number;
  insertId: number | string | bigint;
}

/** InnoDB chose this statement as a deadlock victim and rolled it back: safe to send again. */
const DEADLOCK = 1213;
/** A lock wait timed out (a statement of another instance holds the rows): also rolled back. */
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * Sends one statement; a statement rolled back as a deadlock victim is sent again (each statement
 * here is idempotent as a whole), a few times.
 */
export async function run<T = WriteResult>(
  client: MySqlQueryable,
  sql: string,
  values: unknown[],
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [result] = await client.query(sql, values);
      return result as T;
    } catch (error) {
      const errno = (error as { errno?: unknown }).errno;
      if (attempt >= 4 || (errno !== DEADLOCK && errno !== LOCK_WAIT_TIMEOUT)) throw error;
    }
  }
}
