// The MySQL/MariaDB contract factories: lockers and electors over a pool or a single connection.
import mysql from 'mysql2/promise';
import type {
  ContractElector,
  ContractLocker,
  ElectorContractFactory,
  LockerContractFactory,
  LockerContractSettings,
} from 'tscron/testing';
import { mysqlUrl, sparePort } from '../../../test-support/services.js';
import { type MySqlClient, MySqlElector, MySqlLocker } from '../src/index.js';

export const url = mysqlUrl;
export const table = 'tscron_contract';

/** How an instance connects: its own handle, and how to drop it. */
export interface Connection {
  client: MySqlClient;
  end(): Promise<void>;
}

export type Connect = () => Promise<Connection>;

export const viaPool: Connect = async () => {
  const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
  let ended = false;
  return {
    client: pool,
    end: async () => {
      if (!ended) await pool.end().catch(() => undefined);
      ended = true;
    },
  };
};

export const viaConnection: Connect = async () => {
  const connection = await mysql.createConnection({ uri: url });
  connection.on('error', () => undefined);
  let ended = false;
  return {
    client: connection,
    end: async () => {
      if (!ended) connection.destroy();
      ended = true;
    },
  };
};

export function lockerFactory(connect: Connect, probe: mysql.Pool): LockerContractFactory {
  const keys = new MySqlLocker({ client: probe, table });
  const instance = (
    connection: Connection,
    settings: LockerContractSettings,
    owned: boolean,
  ): ContractLocker => {
    const locker = new MySqlLocker({ client: connection.client, table, ...settings });
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
    create: async (settings) => instance(await connect(), settings, true),
    createSharing: async (settings) => {
      const connection = await connect();
      return [instance(connection, settings, false), instance(connection, settings, true)];
    },
    createUnreachable: async (settings) => {
      const pool = mysql.createPool({ host: '127.0.0.1', port: await sparePort(), user: 'nobody' });
      return instance({ client: pool, end: () => pool.end().catch(() => undefined) }, settings, true);
    },
    isHeld: async (key, at) => {
      const [rows] = await probe.query(
        `SELECT 1 FROM ${table} WHERE lock_key = ? AND expires_at > UTC_TIMESTAMP(3)`,
        [keys.occurrenceKey(key, at)],
      );
      return (rows as unknown[]).length === 1;
    },
    expire: async (key, at) => {
      await probe.query(`DELETE FROM ${table} WHERE lock_key = ?`, [keys.occurrenceKey(key, at)]);
    },
    remainingTtl: async (key, at) => {
      const [rows] = await probe.query(
        `SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) / 1000 AS ms FROM ${table} WHERE lock_key = ? AND expires_at > UTC_TIMESTAMP(3)`,
        [keys.occurrenceKey(key, at)],
      );
      const row = (rows as Array<{ ms: unknown }>)[0];
      return row ? Number(row.ms) : -1;
    },
  };
}

export function electorFactory(connect: Connect): ElectorContractFactory {
  return {
    create: async (name, settings): Promise<ContractElector> => {
      const connection = await connect();
      const elector = new MySqlElector({ client: connection.client, name, table, ...settings });
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

/** A probe pool, with the tables migrated. */
export async function openProbe(): Promise<mysql.Pool> {
  const probe = mysql.createPool({ uri: url, connectionLimit: 2 });
  await new MySqlLocker({ client: probe, table }).migrate();
  return probe;
}
