// The built package finds its Lua scripts from both the ESM and the CommonJS flavour.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(`${dist}esm/lease.js`) && existsSync(`${dist}cjs/lease.js`);
if (!built) console.warn('skipping the @tscron/redis build test: packages/redis is not built');

const run = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { encoding: 'utf8' });

describe.skipIf(!built)('the built @tscron/redis', () => {
  const expected = readFileSync(new URL('../src/lua/acquire.lua', import.meta.url), 'utf8');

  it('reads lua/acquire.lua from the CommonJS build', () => {
    const out = run(
      `process.stdout.write(require(${JSON.stringify(`${dist}cjs/lease.js`)}).readAsset('lua', 'acquire.lua'))`,
      'commonjs',
    );
    expect(out).toBe(expected);
  });

  it('reads lua/acquire.lua from the ESM build', () => {
    const out = run(
      `const m = await import(${JSON.stringify(`${dist}esm/lease.js`)}); process.stdout.write(m.readAsset('lua', 'acquire.lua'))`,
      'module',
    );
    expect(out).toBe(expected);
  });
});
