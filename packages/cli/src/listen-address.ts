// `[HOST:]PORT` arguments of the flags that open a server (--dashboard, --metrics).
import { UsageError } from './problems.js';

/** Where a server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Reads `PORT`, `HOST:PORT` or `[IPV6]:PORT`; the host defaults to 127.0.0.1, so that nothing is
 * reachable from other machines unless asked for.
 */
export function parseListenAddress(flag: string, text: string): ListenAddress {
  const match = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65_535) {
    throw new UsageError(`${flag} must be [HOST:]PORT with a port from 0 to 65535, got "${text}"`);
  }
  const host = match[1] === undefined ? '127.0.0.1' : match[1].replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}
