// Builds one workspace package into dist/esm and dist/cjs with declarations, using only tsc.
// Run from the package folder: `node ../../scripts/build-package.mjs`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });
const readManifest = (folder) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));

// A backend compiles against the declarations of the tscron it peers on. In a fresh clone that sibling
// is not built yet, and `npm pack` of the backend alone (its prepack builds only itself) would fail.
const peers = readManifest('.').peerDependencies ?? {};
for (const sibling of readdirSync('..').map((name) => join('..', name))) {
  if (!existsSync(join(sibling, 'package.json')) || existsSync(join(sibling, 'dist'))) continue;
  if (!(readManifest(sibling).name in peers)) continue;
  execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { cwd: sibling, stdio: 'inherit' });
}

rmSync('dist', { recursive: true, force: true });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
// verbatimModuleSyntax forbids ESM syntax in a CommonJS emit, so the CommonJS flavour turns it off.
run([
  ...['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs'],
  ...['--moduleResolution', 'node10', '--verbatimModuleSyntax', 'false'],
]);
writeFileSync('dist/esm/package.json', '{ "type": "module" }\n');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

// Non-TypeScript assets (Lua scripts, SQL migrations) ship beside the compiled code.
for (const assets of ['lua', 'migrations']) {
  const from = join('src', assets);
  if (!existsSync(from)) continue;
  for (const flavour of ['esm', 'cjs']) {
    const to = join('dist', flavour, assets);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from)) cpSync(join(from, file), join(to, file));
  }
}
