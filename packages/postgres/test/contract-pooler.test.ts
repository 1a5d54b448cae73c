import type pg from 'pg';
import { electorContract, lockerContract } from 'tscron/testing';
import { afterAll, describe, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { electorFactory, lockerFactory, openProbe, url, viaPooler } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const probe: pg.Pool | undefined = up ? await openProbe() : undefined;
afterAll(() => probe?.end());

describe.skipIf(!up)('PostgresLocker through a pooler passes the locker contract', () => {
  for (const c of lockerContract(lockerFactory(viaPooler, probe as pg.Pool), { batch: true }))
    it(c.name, c.run, c.timeout);
});

describe.skipIf(!up)('PostgresElector through a pooler passes the elector contract', () => {
  for (const c of electorContract(electorFactory(viaPooler))) it(c.name, c.run, c.timeout);
});
