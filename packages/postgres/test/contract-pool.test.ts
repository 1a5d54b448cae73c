import type pg from 'pg';
import { electorContract, lockerContract } from 'tscron/testing';
import { afterAll, describe, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { electorFactory, lockerFactory, openProbe, url, viaPool } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const probe: pg.Pool | undefined = up ? await openProbe() : undefined;
afterAll(() => probe?.end());

describe.skipIf(!up)('PostgresLocker through a pool passes the locker contract', () => {
  for (const c of lockerContract(lockerFactory(viaPool, probe as pg.Pool), { batch: true }))
    it(c.name, c.run, c.timeout);
});

describe.skipIf(!up)('PostgresElector through a pool passes the elector contract', () => {
  for (const c of electorContract(electorFactory(viaPool))) it(c.name, c.run, c.timeout);
});
