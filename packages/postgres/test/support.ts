// The PostgreSQL contract factories: lockers and electors over a Pool, a Client or a transaction pooler.
import pg from 'pg';
import type {
  ContractElector,
  ContractFleet,
  ContractLocker,
  ElectorContractFactory,
  FleetContractFactory,
  LockerContractFactory,
  LockerContractSettings,
} from 'tscron/testing';
import { sparePort } from '../../../test-support/services.js';
import { type PgClient, PostgresElector, PostgresFleet, PostgresLocker } from '../src/index.js';
import { TransactionPooler } from './transaction-pooler.js';

export const url = withUser(process.env.POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test');

/** The URL with a user name: PGUSER, else `postgres` (trust auth on the test machines). */
function withUser(raw: string): string {
  const parsed = new URL(raw);
  if (!parsed.username) parsed.username = process.env.PGUSER ?? 'postgres';
  return parsed.toString();
}
export const schema = 'tscron_test';
export const table = 'tscron_locks';

/** How an instance connects: its own handle, and how to drop it. */
export interface Connection {
  client: PgClient;
  end(): Promise<void>;
}

export type Connect = (applicationName: string) => Promise<Connection>;

export const viaPool: Connect = async (applicationName) => {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    idleTimeoutMillis: 0,
    application_name: applicationName,
  });
  pool.on('error', () => undefined);
  let ended = false;
  return {
    client: pool,
    end: async () => {
      if (!ended) await pool.end();
      ended = true;
    },
  };
};

export const viaClient: Connect = async (applicationName) => {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  let ended = false;
  return {
    client,
    end: async () => {
      if (!ended) await client.end().catch(() => undefined);
      ended = true;
    },
  };
};

export const viaPooler: Connect = async (applicationName) => {
  const pooler = new TransactionPooler(url, 3, applicationName);
  return { client: pooler, end: () => pooler.end() };
};

export function lockerFactory(connect: Connect, probe: pg.Pool): LockerContractFactory {
  const keys = new PostgresLocker({ client: probe, schema, table });
  const L = `"${schema}"."${table}"`;
  const instance = (
    connection: Connection,
    settings: LockerContractSettings,
    owned: boolean,
  ): ContractLocker => {
    const locker = new PostgresLocker({ client: connection.client, schema, table, ...settings });
    return {
      locker,
      kill: () => connection.end(),
      disconnect: () => connection.end(),
      close: async () => {
        await locker.close();
        if (owned) await connection.end();
      },
    };
  };
  return {
    create: async (settings) => instance(await connect('tscron-contract'), settings, true),
    createSharing: async (settings) => {
      const connection = await connect('tscron-contract');
      return [instance(connection, settings, false), instance(connection, settings, true)];
    },
    createUnreachable: async (settings) => {
      const pool = new pg.Pool({ host: '127.0.0.1', port: await sparePort(), idleTimeoutMillis: 0 });
      pool.on('error', () => undefined);
      return instance({ client: pool, end: () => pool.end() }, settings, true);
    },
    isHeld: async (key, at) =>
      (
        await probe.query(`SELECT 1 FROM ${L} WHERE key = $1 AND expires_at > now()`, [
          keys.occurrenceKey(key, at),
        ])
      ).rowCount === 1,
    expire: async (key, at) => {
      await probe.query(`DELETE FROM ${L} WHERE key = $1`, [keys.occurrenceKey(key, at)]);
    },
    remainingTtl: async (key, at) => {
      const { rows } = await probe.query(
        `SELECT extract(epoch FROM expires_at - now()) * 1000 AS ms FROM ${L} WHERE key = $1 AND expires_at > now()`,
        [keys.occurrenceKey(key, at)],
      );
      return rows[0] ? Number(rows[0].ms) : -1;
    },
  };
}

export function electorFactory(connect: Connect): ElectorContractFactory {
  return {
    create: async (name, settings): Promise<ContractElector> => {
      const connection = await connect('tscron-contract');
      const elector = new PostgresElector({ client: connection.client, name, schema, table, ...settings });
      return {
        elector,
        kill: () => connection.end(),
        disconnect: () => connection.end(),
        close: async () => {
          await elector.close();
          await connection.end();
        },
      };
    },
  };
}

/** A probe pool, with the schema migrated, or undefined when the server is down. */
export async function openProbe(): Promise<pg.Pool> {
  const probe = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
  await new PostgresLocker({ client: probe, schema, table }).migrate();
  return probe;
}

/** A schema of one test file's own, so that files running in parallel never share tables. */
export function fileSchema(what: string): string {
  return `tscron_${what}_${process.pid}`;
}

/** An admin pool for a test file; drops `schemas` when ended. */
export function adminPool(...schemas: string[]): { pool: pg.Pool; end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  return {
    pool,
    end: async () => {
      for (const name of schemas) {
        await pool.query(`DROP SCHEMA IF EXISTS "${name.replaceAll('"', '""')}" CASCADE`);
      }
      await pool.end();
    },
  };
}

/** Fleets over `connect`, one base table name per contract namespace, in `schema`. */
export function fleetFactory(connect: Connect, schema: string): FleetContractFactory {
  return {
    create: async (namespace): Promise<ContractFleet> => {
      const connection = await connect('tscron-fleet-contract');
      const fleet = new PostgresFleet({ client: connection.client, schema, table: namespace });
      return { fleet, close: () => connection.end() };
    },
  };
}
