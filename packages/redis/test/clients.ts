// The ioredis majors the tests run against: the same suites are repeated for each.
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';

/** One ioredis major: its client classes, typed as ioredis 5's (the calls the tests make exist in both). */
export interface ClientFlavour {
  label: string;
  Redis: typeof Redis5;
  Cluster: typeof Cluster5;
}

/**
 * ioredis 5 and 6. The ioredis 6 classes are cast to the ioredis 5 types only for the tests' own
 * calls (the classes differ nominally); what the package accepts from either is checked without a
 * cast in client-types.test.ts.
 */
export const clients: readonly ClientFlavour[] = [
  { label: 'ioredis 5', Redis: Redis5, Cluster: Cluster5 },
  {
    label: 'ioredis 6',
    Redis: Redis6 as unknown as typeof Redis5,
    Cluster: Cluster6 as unknown as typeof Cluster5,
  },
];
