// The built package loads from both the ESM and the CommonJS flavour and finds its SQL migrations.
import { describeBuiltPackage } from '../../../test-support/built-package.js';

describeBuiltPackage({
  name: '@tscron/mysql',
  root: new URL('../', import.meta.url),
  module: 'schema',
  reader: 'readMigration',
  asset: ['migrations', '0001_locks.sql'],
});
