// Bundles the `tscron` executable: after tsc has built dist/, dist/esm/bin.js is replaced by one file
// holding the CLI's own modules and the tscron core (plus a chunk for the YAML reader, loaded only for
// schedule files, and a chunk of what both share). Loading one file instead of some sixty saves a
// start-up's module resolution and reads (about 20 ms). The core is bundled, not imported: the
// backends a run loads (@tscron/redis, ...) import their own `tscron`, and the two copies understand
// each other, as errors and lock hooks are branded with registered symbols. `yaml` and the backends
// stay imports of their packages. The library entry points (dist/esm/index.js, dist/cjs/index.js) are
// left as tsc built them.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
].filter((name) => name !== 'tscron');

// Chunks of an earlier bundle would linger beside the new ones.
for (const file of readdirSync('dist/esm')) {
  if (file.startsWith('chunk-') || file.startsWith('schedule-file-')) rmSync(`dist/esm/${file}`);
}
rmSync('dist/bundled-src', { recursive: true, force: true });
await build({
  entryPoints: ['src/bin.ts'],
  outdir: 'dist/esm',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  sourcesContent: false,
  allowOverwrite: true,
  logLevel: 'warning',
});

// The bundle's source maps name the core's sources, which live outside this package: ship copies of
// them under dist/bundled-src, so that every map resolves inside the tarball.
const root = resolve('.');
for (const file of readdirSync('dist/esm').filter((name) => name.endsWith('.js.map'))) {
  const path = join('dist/esm', file);
  const map = JSON.parse(readFileSync(path, 'utf8'));
  let changed = false;
  map.sources = map.sources.map((source) => {
    const target = resolve(dirname(path), source);
    if (target.startsWith(root + sep)) return source;
    const copy = join('dist/bundled-src', relative(resolve('..'), target));
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(target, copy);
    changed = true;
    return relative(dirname(path), copy).split(sep).join('/');
  });
  if (changed) writeFileSync(path, JSON.stringify(map));
}
