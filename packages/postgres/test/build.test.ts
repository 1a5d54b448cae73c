// The built package finds its SQL migrations from both the ESM and the CommonJS flavour.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(`${dist}esm/lease.js`) && existsSync(`${dist}cjs/lease.js`);
if (!built) console.warn('skipping the @tscron/postgres build test: packages/postgres is not built');

const run = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { encoding: 'utf8' });

describe.skipIf(!built)('the built @tscron/postgres', () => {
  const expected = readFileSync(new URL('../src/migrations/0001_locks.sql', import.meta.url), 'utf8');

  it('reads migrations/0001_locks.sql from the CommonJS build', () => {
    const out = run(
      `process.stdout.write(require(${JSON.stringify(`${dist}cjs/lease.js`)}).readAsset('migrations', '0001_locks.sql'))`,
      'commonjs',
    );
    expect(out).toBe(expected);
  });

  it('reads migrations/0001_locks.sql from the ESM build', () => {
    const out = run(
      `const m = await import(${JSON.stringify(`${dist}esm/lease.js`)}); process.stdout.write(m.readAsset('migrations', '0001_locks.sql'))`,
      'module',
    );
    expect(out).toBe(expected);
  });
});
