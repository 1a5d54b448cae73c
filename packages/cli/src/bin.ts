#!/usr/bin/env node
// The `tscron` executable.
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
