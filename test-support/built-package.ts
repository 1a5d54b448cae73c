// Checks on a built backend package: both flavours load by name and find the assets shipped beside them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export interface BuiltPackage {
  /** The package name, e.g. `@tscron/redis`. */
  name: string;
  /** The package folder, as a `file:` URL ending in `/`. */
  root: URL;
  /** The compiled module (without extension) exporting `reader`, e.g. `scripts`. */
  module: string;
  /** The exported function that reads one asset file by name. */
  reader: string;
  /** The asset's folder and file name under `src/` and each flavour of `dist/`. */
  asset: [folder: string, file: string];
}

const run = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { encoding: 'utf8' });

/** Registers the checks; skips them (saying so) when the package is not built. */
export function describeBuiltPackage({ name, root, module, reader, asset }: BuiltPackage): void {
  const dist = fileURLToPath(new URL('dist/', root));
  const built = existsSync(`${dist}esm/${module}.js`) && existsSync(`${dist}cjs/${module}.js`);
  if (!built) console.warn(`skipping the ${name} build test: the package is not built`);
  const [folder, file] = asset;

  describe.skipIf(!built)(`the built ${name}`, () => {
    const expected = readFileSync(new URL(`src/${folder}/${file}`, root), 'utf8');

    it(`reads ${folder}/${file} from the CommonJS build`, () => {
      const path = JSON.stringify(`${dist}cjs/${module}.js`);
      expect(run(`process.stdout.write(require(${path}).${reader}('${file}'))`, 'commonjs')).toBe(expected);
    });

    it(`reads ${folder}/${file} from the ESM build`, () => {
      const path = JSON.stringify(`${dist}esm/${module}.js`);
      const code = `const m = await import(${path}); process.stdout.write(m.${reader}('${file}'))`;
      expect(run(code, 'module')).toBe(expected);
    });

    it('loads by name from CommonJS and ESM (tscron/backend resolves in both)', () => {
      const keys = (m: string) => `Object.keys(${m}).sort().join(',')`;
      const cjs = run(`process.stdout.write(${keys(`require('${name}')`)})`, 'commonjs');
      const esm = run(`const m = await import('${name}'); process.stdout.write(${keys('m')})`, 'module');
      expect(cjs).toBe(esm);
      expect(cjs).toMatch(/Elector,.*Locker/);
    });
  });
}
