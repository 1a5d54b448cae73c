// The built package loads from both the ESM and the CommonJS flavour and finds its Lua scripts.
import { describeBuiltPackage } from '../../../test-support/built-package.js';

describeBuiltPackage({
  name: '@tscron/redis',
  root: new URL('../', import.meta.url),
  module: 'scripts',
  reader: 'readScript',
  asset: ['lua', 'acquire.lua'],
});
