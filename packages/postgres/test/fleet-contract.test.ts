// PostgresFleet passes the fleet contract through a Pool, a single Client and a transaction pooler.
import { fleetContract } from 'tscron/testing';
import { afterAll, describe, it } from 'vitest';
import { serviceAvailable } from '../../../test-support/services.js';
import { adminPool, fileSchema, fleetFactory, url, viaClient, viaPool, viaPooler } from './support.js';

const up = await serviceAvailable('PostgreSQL', url, 5432);
const schema = fileSchema('fleet_contract');
const admin = up ? adminPool(schema) : undefined;
afterAll(() => admin?.end());

for (const [how, connect] of [
  ['a pool', viaPool],
  ['a client', viaClient],
  ['a transaction pooler', viaPooler],
] as const) {
  describe.skipIf(!up)(`PostgresFleet through ${how} passes the fleet contract`, () => {
    for (const c of fleetContract(fleetFactory(connect, schema))) it(c.name, c.run, c.timeout);
  });
}
