// Lockers and electors from URLs. A backend's package is imported only when its URL is used, so
// that the CLI runs without the packages of backends nobody asked for.
import { type Elector, type Locker, MemoryElector, MemoryLocker } from 'tscron';
import { UsageError } from './problems.js';

/** A locker or elector, and how to release what it holds and the connection it uses. */
export interface Backend<T> {
  readonly value: T;
  close(): Promise<void>;
}

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

/** A backend that owns its client: closing it closes the locker or elector, then the client. */
function withClient<T extends { close(): Promise<void> }>(value: T, closeClient: () => unknown): Backend<T> {
  return {
    value,
    close: async () => {
      await value.close();
      await closeClient();
    },
  };
}

/**
 * Opens a locker or elector for a URL: `memory:`, `redis://`, `rediss://`, `postgres://`,
 * `postgresql://`, `nats://` (JetStream KV; `?bucket=`), `mysql://` (MySQL or MariaDB). An elector's lease is named by the URL's `name` query parameter (default `tscron`).
 */
export async function openBackend<R extends Role>(
  role: R,
  url: string,
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
