// The built package loads by name from both the ESM and the CommonJS flavour, with the same exports.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(`${dist}esm/index.js`) && existsSync(`${dist}cjs/index.js`);
if (!built) console.warn('skipping the @tscron/nats build test: the package is not built');

const run = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { encoding: 'utf8' });

describe.skipIf(!built)('the built @tscron/nats', () => {
  it('loads by name from CommonJS and ESM (tscron/backend and @nats-io/* resolve in both)', () => {
    const keys = (m: string) => `Object.keys(${m}).sort().join(',')`;
    const cjs = run(`process.stdout.write(${keys(`require('@tscron/nats')`)})`, 'commonjs');
    const esm = run(`const m = await import('@tscron/nats'); process.stdout.write(${keys('m')})`, 'module');
    expect(cjs).toBe('NatsElector,NatsLocker');
    expect(esm).toBe(cjs);
  });
});
