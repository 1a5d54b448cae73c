// Lockers and electors from URLs. A backend's package is imported only when its URL is used, so
// that the CLI runs without the packages of backends nobody asked for.
import { type Elector, type Fleet, type Locker, MemoryElector, MemoryLocker, type RunHistory } from 'tscron';
import { UsageError } from './problems.js';

/** A locker or elector, and how to release what it holds and the connection it uses. */
export interface Backend<T> {
  readonly value: T;
  /**
   * A locker's fleet and shared run history on the same client (redis://, rediss://, postgres://,
   * postgresql://), unless the fleet was turned off; absent for an elector and the other URLs.
   */
  readonly fleet?: { readonly fleet: Fleet; readonly history: RunHistory } | undefined;
  close(): Promise<void>;
}

/** How the locker's fleet is made: off (`--no-fleet`), or with these options. */
export type FleetChoice = false | { readonly heartbeat?: string; readonly balance?: boolean };

/** The URL schemes whose locker brings a fleet and a shared history. */
export const FLEET_SCHEMES = ['redis:', 'rediss:', 'postgres:', 'postgresql:'];

type Role = 'locker' | 'elector';

/** The URL schemes known, and for those not built yet, what the user is told. */
const PLANNED: Record<string, string> = {};

/** Imports a backend's packages, or says what to install. */
async function load<T>(specifier: string, needed: string, role: Role, url: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const names = needed.split(' ').join(' and ');
      throw new UsageError(
        `the ${role} URL ${redact(url)} needs the packages ${names}, and ${specifier} is not installed: npm install ${needed}`,
      );
    }
    throw error;
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

interface Closable {
  close?(): Promise<void>;
}

/**
 * A backend that owns its client: closing it lets the fleet and the history finish their writes,
 * closes the locker or elector, then the client.
 */
function withClient<T extends { close(): Promise<void> }>(
  value: T,
  closeClient: () => unknown,
  fleet?: { fleet: Fleet & Closable; history: RunHistory & Closable },
): Backend<T> {
  return {
    value,
    fleet,
    close: async () => {
      await Promise.allSettled([fleet?.history.close?.(), fleet?.fleet.close?.()]);
      await value.close();
      await closeClient();
    },
  };
}

/** The fleet options a backend's fleet takes (heartbeat, balance), without those left unset. */
function fleetOptions(choice: Exclude<FleetChoice, false>): { heartbeat?: string; balance?: boolean } {
  return {
    ...(choice.heartbeat === undefined ? {} : { heartbeat: choice.heartbeat }),
    ...(choice.balance === undefined ? {} : { balance: choice.balance }),
  };
}

/**
 * Opens a locker or elector for a URL: `memory:`, `redis://`, `rediss://`, `postgres://`,
 * `postgresql://`, `nats://` (JetStream KV; `?bucket=`), `mysql://` (MySQL or MariaDB). An elector's
 * lease is named by the URL's `name` query parameter (default `tscron`). A Redis or PostgreSQL
 * locker also brings, on the same client, the fleet (`RedisFleet`, `PostgresFleet`, made with
 * `fleet`'s options) and the shared history (`RedisRunHistory`, `PostgresRunHistory`), unless
 * `fleet` is false.
 */
export async function openBackend<R extends Role>(
  role: R,
  url: string,
  fleet: FleetChoice = false,
): Promise<Backend<R extends 'locker' ? Locker : Elector>> {
  type Out = Backend<R extends 'locker' ? Locker : Elector>;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `--${role}: "${url}" is not a URL (memory:, redis://host:6379, postgres://user@host/db)`,
    );
  }
  const name = parsed.searchParams.get('name') ?? 'tscron';
  switch (parsed.protocol) {
    case 'memory:': {
      const value = role === 'locker' ? new MemoryLocker() : new MemoryElector();
      return { value, close: async () => undefined } as unknown as Out;
    }
    case 'redis:':
    case 'rediss:': {
      const needed = '@tscron/redis ioredis';
      const ioredis = await load<typeof import('ioredis')>('ioredis', needed, role, url);
      const backend = await load<typeof import('@tscron/redis')>('@tscron/redis', needed, role, url);
      parsed.searchParams.delete('name');
      const client = new ioredis.Redis(parsed.toString(), { lazyConnect: false });
      // The locker reports failures through lock(); a listener keeps ioredis from printing each retry.
      client.on('error', () => undefined);
      if (role === 'locker' && fleet !== false) {
        // Checked before the locker, so that bad options (a bad --heartbeat) leave nothing behind.
        const made = {
          fleet: new backend.RedisFleet({ client, ...fleetOptions(fleet) }),
          history: new backend.RedisRunHistory({ client }),
        };
        return withClient(
          new backend.RedisLocker({ client }),
          () => client.disconnect(),
          made,
        ) as unknown as Out;
      }
      const value =
        role === 'locker' ? new backend.RedisLocker({ client }) : new backend.RedisElector({ client, name });
      return withClient(value, () => client.disconnect()) as unknown as Out;
    }
    case 'postgres:':
    case 'postgresql:': {
      const needed = '@tscron/postgres pg';
      const pg = await load<{ default: typeof import('pg') }>('pg', needed, role, url);
      const backend = await load<typeof import('@tscron/postgres')>('@tscron/postgres', needed, role, url);
      parsed.searchParams.delete('name');
      const pool = new pg.default.Pool({ connectionString: parsed.toString(), max: 4 });
      pool.on('error', () => undefined);
      if (role === 'locker' && fleet !== false) {
        const made = {
          fleet: new backend.PostgresFleet({ client: pool, ...fleetOptions(fleet) }),
          history: new backend.PostgresRunHistory({ client: pool }),
        };
        return withClient(
          new backend.PostgresLocker({ client: pool }),
          () => pool.end(),
          made,
        ) as unknown as Out;
      }
      const value =
        role === 'locker'
          ? new backend.PostgresLocker({ client: pool })
          : new backend.PostgresElector({ client: pool, name });
      return withClient(value, () => pool.end()) as unknown as Out;
    }
    case 'mysql:': {
      const needed = '@tscron/mysql mysql2';
      const mysql = await load<{ default: typeof import('mysql2/promise') }>(
        'mysql2/promise',
        needed,
        role,
        url,
      );
      const backend = await load<typeof import('@tscron/mysql')>('@tscron/mysql', needed, role, url);
      parsed.searchParams.delete('name');
      const pool = mysql.default.createPool({ uri: parsed.toString(), connectionLimit: 4 });
      const value =
        role === 'locker'
          ? new backend.MySqlLocker({ client: pool })
          : new backend.MySqlElector({ client: pool, name });
      return withClient(value, () => pool.end()) as unknown as Out;
    }
    case 'nats:': {
      const needed = '@tscron/nats @nats-io/transport-node @nats-io/jetstream @nats-io/kv';
      const transport = await load<typeof import('@nats-io/transport-node')>(
        '@nats-io/transport-node',
        needed,
        role,
        url,
      );
      const backend = await load<typeof import('@tscron/nats')>('@tscron/nats', needed, role, url);
      const bucket = parsed.searchParams.get('bucket') ?? undefined;
      const user = decodeURIComponent(parsed.username);
      const pass = decodeURIComponent(parsed.password);
      // A user name without a password is a token, as in the nats CLI's URLs.
      const auth = user === '' ? {} : pass === '' ? { token: user } : { user, pass };
      const client = await transport
        .connect({ servers: `${parsed.hostname}:${parsed.port || 4222}`, maxReconnectAttempts: -1, ...auth })
        .catch((error: unknown) => {
          throw new Error(
            `--${role}: cannot connect to NATS at ${redact(url)}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        });
      const value =
        role === 'locker'
          ? new backend.NatsLocker({ client, ...(bucket ? { bucket } : {}) })
          : new backend.NatsElector({ client, name, ...(bucket ? { bucket } : {}) });
      return withClient(value, () => client.close()) as unknown as Out;
    }
    default: {
      const planned = PLANNED[parsed.protocol];
      throw new UsageError(
        planned ??
          `--${role}: unsupported URL scheme "${parsed.protocol}" (memory:, redis://, rediss://, postgres://, postgresql://, nats://, mysql://)`,
      );
    }
  }
}
