// The statements of PostgresLocker, each one round trip, built once per locker from its table names.
import type { Names } from './schema.js';

/** The SQL texts a {@link PostgresLocker} sends; `$n` parameters are documented per statement. */
export interface LockerSql {
  /** $1 key, $2 name, $3 token, $4 lifetime ms. Returns `fence` when the claim was won. */
  acquire: string;
  /**
   * $1 keys, $2 names (text arrays, same length), $3 token shared by the batch, $4 lifetime ms.
   * Returns `key, fence` of each claim won.
   */
  acquireBatch: string;
  /** $1 keys, $2 `<token> <key>` of each, $3 ttl ms. Returns `key, token` of each claim renewed. */
  extend: string;
  /** $1 keys, $2 `<token> <key>` of each, $3 minHold ms, $4 how many expired claims to sweep at most. */
  release: string;
}

const MS = "* interval '1 millisecond'";

/** Builds the statements for the tables `n`. */
export function lockerSql(n: Names): LockerSql {
  const L = `${n.schema}.${n.locks}`;
  const Q = `${n.schema}.${n.fenceSequence}`.replaceAll("'", "''");
  const onConflict = `ON CONFLICT (key) DO UPDATE SET token = excluded.token, fence = excluded.fence,
  acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE l.expires_at <= now()`;
  return {
    acquire: `INSERT INTO ${L} AS l (key, name, token, fence, acquired_at, expires_at)
VALUES ($1, $2, $3, nextval('${Q}'), now(), now() + $4::bigint ${MS})
${onConflict}
RETURNING l.fence::text AS fence`,
    // Occurrences another instance holds are dropped by the NOT EXISTS probe (one index lookup,
    // no row lock, no fence drawn) before the insert, so losing a claim costs the server little.
    // The rest go in one order by key, the same in every instance, so that two batches racing
    // over the same keys queue behind each other instead of deadlocking.
    acquireBatch: `INSERT INTO ${L} AS l (key, name, token, fence, acquired_at, expires_at)
SELECT c.key, c.name, $3, nextval('${Q}'), now(), now() + $4::bigint ${MS}
FROM unnest($1::text[], $2::text[]) AS c(key, name)
WHERE NOT EXISTS (SELECT 1 FROM ${L} h WHERE h.key = c.key AND h.expires_at > now())
ORDER BY c.key COLLATE "C"
${onConflict}
RETURNING l.key, l.fence::text AS fence`,
    // Every statement that locks several rows locks them in the order of acquireBatch (by key,
    // bytewise) before it writes: a batch that raced this instance for the same burst holds its
    // rows until it commits, and the planner would otherwise lock in the order of whatever join it
    // picks (a hash join over a sequential scan for large batches), which can deadlock with it.
    // The token as well as the key identifies a claim: a stale lock and the one that took its
    // occurrence over may renew in the same statement.
    extend: `WITH mine AS (
  SELECT l.key FROM ${L} l
  WHERE l.key = ANY($1::text[]) AND l.token || ' ' || l.key = ANY($2::text[]) AND l.expires_at > now()
  ORDER BY l.key COLLATE "C" FOR UPDATE
)
UPDATE ${L} AS l SET expires_at = greatest(l.expires_at, now() + $3::bigint ${MS})
FROM mine WHERE l.key = mine.key
RETURNING l.key, l.token`,
    // A released claim younger than minHold stays, tokenless, until minHold after its acquisition;
    // an older one goes (an expired one is free already and left to the sweep). The same statement
    // deletes long-expired claims of any job (finished ones kept for minHold, and those of holders
    // that died), skipping rows others have locked so that it never waits, by row address so that
    // it reads no other index.
    release: `WITH mine AS (
  SELECT l.key, l.acquired_at + $3::bigint ${MS} <= now() AS done FROM ${L} l
  WHERE l.key = ANY($1::text[]) AND l.token || ' ' || l.key = ANY($2::text[]) AND l.expires_at > now()
  ORDER BY l.key COLLATE "C" FOR UPDATE
), gone AS (
  DELETE FROM ${L} l USING mine WHERE l.key = mine.key AND mine.done
), kept AS (
  UPDATE ${L} l SET token = '', expires_at = l.acquired_at + $3::bigint ${MS}
  FROM mine WHERE l.key = mine.key AND NOT mine.done
), swept AS (
  DELETE FROM ${L} WHERE expires_at < now() - interval '1 second' AND ctid = ANY(ARRAY(
    SELECT ctid FROM ${L} WHERE expires_at < now() - interval '1 second'
    ORDER BY expires_at LIMIT $4 FOR UPDATE SKIP LOCKED
  ))
)
SELECT 1`,
  };
}
