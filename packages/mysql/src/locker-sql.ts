// The statements of MySqlLocker, built once per locker from its table name. Each is one round trip;
// MySQL 8 and MariaDB accept all of them (no RETURNING, no sequences, no VALUES() or row aliases in
// ON DUPLICATE KEY UPDATE).
import type { Names } from './schema.js';

const NOW = 'UTC_TIMESTAMP(3)';

/** `count` placeholder groups such as `(?, ?)`, joined by commas. */
export function groups(count: number, group: string): string {
  return Array.from({ length: count }, () => group).join(', ');
}

/** The SQL texts a {@link MySqlLocker} sends; parameters are documented per statement. */
export interface LockerSql {
  /**
   * key, name, token, lifetime µs. The insert id says what happened: the fence (2 or more) of the
   * new claim; 1 when the key exists but has expired (take it over: {@link LockerSql.takeOver},
   * then try again); 0 when another holder has it.
   */
  acquire: string;
  /** key. Deletes the claim of `key` if it has expired. */
  takeOver: (count: number) => string;
  /** `count` × (key, name, token, lifetime µs). Inserts the claims that are free; leaves the rest. */
  acquireBatch: (count: number) => string;
  /** token, `count` keys. Who holds each of the keys, and whether its claim has expired. */
  holders: (count: number) => string;
  /** ttl µs, `count` keys, `count` × (key, token). Renews the live claims among them. */
  extend: (count: number) => string;
  /** `count` keys, `count` × (key, token). Which of the claims are still held. */
  held: (count: number) => string;
  /** `count` keys, `count` × (key, token), minHold µs. Deletes the claims held at least minHold. */
  releaseDone: (count: number) => string;
  /** minHold µs, `count` keys, `count` × (key, token). Keeps the claims, tokenless, until minHold. */
  releaseKept: (count: number) => string;
  /** how many at most. Deletes claims expired over a second ago, oldest first. */
  sweep: string;
}

/** Builds the statements for the tables `n`. */
export function lockerSql(n: Names): LockerSql {
  const L = n.locks;
  const keyed = (count: number) =>
    `lock_key IN (${groups(count, '?')}) AND (lock_key, token) IN (${groups(count, '(?, ?)')})`;
  return {
    // The fence stays as it is on a duplicate; LAST_INSERT_ID(x) only reports x through the insert
    // id, so a lost claim costs one index lookup and no write of any column.
    acquire: `INSERT INTO ${L} (lock_key, name, token, acquired_at, expires_at)
VALUES (?, ?, ?, ${NOW}, ${NOW} + INTERVAL ? MICROSECOND)
ON DUPLICATE KEY UPDATE fence = fence + 0 * LAST_INSERT_ID(IF(expires_at <= ${NOW}, 1, 0))`,
    takeOver: (count) =>
      `DELETE FROM ${L} WHERE lock_key IN (${groups(count, '?')}) AND expires_at <= ${NOW}`,
    // Rows go in key order, the same in every instance, so that two batches racing over the same
    // burst queue behind each other instead of deadlocking.
    acquireBatch: (count) => `INSERT INTO ${L} (lock_key, name, token, acquired_at, expires_at)
VALUES ${groups(count, `(?, ?, ?, ${NOW}, ${NOW} + INTERVAL ? MICROSECOND)`)}
ON DUPLICATE KEY UPDATE fence = fence`,
    holders: (
      count,
    ) => `SELECT lock_key, CAST(fence AS CHAR) AS fence, token = ? AS mine, expires_at <= ${NOW} AS expired
FROM ${L} WHERE lock_key IN (${groups(count, '?')})`,
    // renewals changes on every renewal, so that every renewed row counts as changed whatever the
    // client's FOUND_ROWS flag (expires_at may stay as it is when minHold is longer than ttl).
    extend: (count) => `UPDATE ${L} SET expires_at = GREATEST(expires_at, ${NOW} + INTERVAL ? MICROSECOND),
  renewals = renewals + 1
WHERE ${keyed(count)} AND expires_at > ${NOW}`,
    held: (count) => `SELECT lock_key, token FROM ${L} WHERE ${keyed(count)} AND expires_at > ${NOW}`,
    releaseDone: (count) =>
      `DELETE FROM ${L} WHERE ${keyed(count)} AND acquired_at <= ${NOW} - INTERVAL ? MICROSECOND`,
    releaseKept: (count) => `UPDATE ${L} SET token = '', expires_at = acquired_at + INTERVAL ? MICROSECOND
WHERE ${keyed(count)} AND expires_at > ${NOW}`,
    sweep: `DELETE FROM ${L} WHERE expires_at < ${NOW} - INTERVAL 1 SECOND ORDER BY expires_at LIMIT ?`,
  };
}
