// Reading the options every class of the package shares: the client and the key prefix.
import { TscronError } from 'tscron';
import { connectionOf, type RedisConnection } from './connection.js';

/**
 * The connection for the `client` option of `owner` (e.g. `'RedisFleet'`); throws
 * `ERR_INVALID_OPTION` when it is no client of either library.
 */
export function clientOption(owner: string, client: unknown): RedisConnection {
  const connection = connectionOf(client);
  if (connection === undefined) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner}: \`client\` must be an ioredis Redis or Cluster client, or a node-redis client or cluster`,
    );
  }
  return connection;
}

/**
 * The `keyPrefix` option, `fallback` when absent. Throws `ERR_INVALID_OPTION` for a non-string or
 * one with `{` or `}`: the keys put a hash tag right after the prefix, and a brace in the prefix
 * would change which part of the key Redis Cluster hashes.
 */
export function keyPrefixOption(owner: string, prefix: unknown, fallback: string): string {
  if (prefix === undefined) return fallback;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new TscronError(
      'ERR_INVALID_OPTION',
      `${owner} keyPrefix must be a string without { or }, got ${shown(prefix)}`,
    );
  }
  return prefix;
}

/** A bad option's value as a message shows it: strings quoted, anything else by its kind or text. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
