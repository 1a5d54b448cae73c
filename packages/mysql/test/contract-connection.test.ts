import type mysql from 'mysql2/promise';
import { electorContract, lockerContract } from 'tscron/testing';
import { afterAll, describe, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { electorFactory, lockerFactory, openProbe, url, viaConnection } from './support.js';

const up = await serviceAvailable('MariaDB', url, 3306);
const probe: mysql.Pool | undefined = up ? await openProbe() : undefined;
afterAll(() => probe?.end());

describe.skipIf(!up)('MySqlLocker through a single connection passes the locker contract', () => {
  for (const c of lockerContract(lockerFactory(viaConnection, probe as mysql.Pool), { batch: true }))
    it(c.name, c.run, c.timeout);
});

describe.skipIf(!up)('MySqlElector through a single connection passes the elector contract', () => {
  for (const c of electorContract(electorFactory(viaConnection))) it(c.name, c.run, c.timeout);
});
