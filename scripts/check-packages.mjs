// Proves that the packages install and publish cleanly. Packs each one as `npm publish` would (its
// prepack builds it), installs the tarballs with the newest peers into a scratch project outside the
// repository, loads every entry point there from ESM and CommonJS, type-checks the public API under
// nodenext and bundler resolution, checks what the tarballs carry, and lints them with publint and
// attw. Prints a summary and exits 1 on any failure. Usage: `npm run check:packages`.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('package-fixtures/', import.meta.url));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bin = (name) => join(root, 'node_modules', '.bin', name);

// In build order: the backends and the dashboard compile against tscron's declarations, the CLI
// against all of them.
const packages = [
  { name: 'tscron' },
  { name: '@tscron/redis' },
  { name: '@tscron/postgres' },
  { name: '@tscron/mysql' },
  { name: '@tscron/nats' },
  { name: '@tscron/dashboard' },
  { name: '@tscron/otel' },
  { name: '@tscron/prometheus' },
  { name: '@tscron/nestjs' },
  { name: '@tscron/cli' },
];
const peers = [
  'ioredis@latest',
  'redis@latest',
  'pg@latest',
  'mysql2@latest',
  '@nats-io/transport-node@latest',
  '@nats-io/jetstream@latest',
  '@nats-io/kv@latest',
  '@types/pg@latest',
  '@opentelemetry/api@latest',
  'prom-client@latest',
  '@nestjs/common@latest',
  '@nestjs/core@latest',
  'reflect-metadata@latest',
  'rxjs@latest',
];
const tools = ['typescript', '@types/node'].map((name) => `${name}@${rootManifest.devDependencies[name]}`);

/** Files every tarball must hold, and what none may. */
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'src/index.ts'].concat(
  ...['esm', 'cjs'].map((flavour) =>
    ['index.js', 'index.js.map', 'index.d.ts', 'index.d.ts.map', 'package.json'].map(
      (file) => `dist/${flavour}/${file}`,
    ),
  ),
);
const FORBIDDEN = /(^|\/)(test|tests|__tests__)\/|\.test\.|\.spec\.|tsconfig|\.tsbuildinfo$/;
const REPOSITORY_FILE = /^https:\/\/github\.com\/tscron\/tscron\/(?:blob|tree)\/main\/([^#?]*)/;

const results = [];
let checksStarted = 0;
const started = performance.now();

/** Runs a command; rejects with its output when it fails. */
async function run(command, args, cwd) {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    return { stdout, stderr };
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    const failure = new Error(`${command} ${args.join(' ')} failed:\n${output || error.message}`);
    failure.stdout = error.stdout ?? '';
    throw failure;
  }
}

/** Records one check: its detail line when it passes, its error when it fails. */
async function check(name, body) {
  const order = checksStarted++;
  const begin = performance.now();
  try {
    const detail = await body();
    results.push({ order, name, ok: true, detail, ms: performance.now() - begin });
    return true;
  } catch (error) {
    results.push({ order, name, ok: false, detail: error.message, ms: performance.now() - begin });
    return false;
  }
}

function fail(message) {
  throw new Error(message);
}

function filesUnder(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** Packs one package; its prepack script builds it first. */
async function pack(pkg, destination) {
  const { stdout } = await run(
    'npm',
    ['pack', '--workspace', pkg.name, '--pack-destination', destination, '--json'],
    root,
  );
  const [report] = JSON.parse(stdout);
  pkg.tarball = join(destination, report.filename);
  pkg.files = report.files.map((file) => file.path);
  return `${report.filename}, ${pkg.files.length} files, ${(report.size / 1024).toFixed(1)} kB`;
}

function checkFileList(pkg) {
  const missing = REQUIRED.filter((file) => !pkg.files.includes(file));
  const unwanted = pkg.files.filter((file) => FORBIDDEN.test(file));
  if (missing.length > 0) fail(`missing: ${missing.join(', ')}`);
  if (unwanted.length > 0) fail(`should not ship: ${unwanted.join(', ')}`);
  return 'README.md, LICENSE, dist/esm, dist/cjs, src; no tests or build configs';
}

/** Every map names files the tarball holds, and every compiled file names a map it holds. */
function checkSourceMaps(folder) {
  const problems = [];
  let maps = 0;
  for (const file of filesUnder(join(folder, 'dist'))) {
    if (file.endsWith('.map')) {
      maps++;
      const map = JSON.parse(readFileSync(file, 'utf8'));
      for (const source of map.sources) {
        const target = resolve(dirname(file), map.sourceRoot ?? '', source);
        if (!existsSync(target) || !target.startsWith(folder + sep)) {
          problems.push(`${relative(folder, file)} names ${source}, which is not in the tarball`);
        }
      }
    } else if (/\.(js|d\.ts)$/.test(file)) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
      if (url === undefined) problems.push(`${relative(folder, file)} has no sourceMappingURL`);
      else if (!existsSync(resolve(dirname(file), url)))
        problems.push(`${relative(folder, file)}: ${url} is missing`);
    }
  }
  if (problems.length > 0) fail(problems.slice(0, 10).join('\n'));
  return `${maps} maps (JavaScript and declarations) resolve to shipped src/ files`;
}

/** npm shows the README without the repository around it: links must be absolute, and must exist. */
function checkReadmeLinks(folder) {
  const text = readFileSync(join(folder, 'README.md'), 'utf8');
  const links = [...text.matchAll(/\]\(([^)\s]+)[^)]*\)|href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
  const problems = [];
  for (const link of links) {
    if (link.startsWith('#')) continue;
    if (!link.startsWith('https://')) problems.push(`relative link ${link}`);
    const path = REPOSITORY_FILE.exec(link)?.[1];
    if (path !== undefined && !existsSync(join(root, decodeURIComponent(path)))) {
      problems.push(`${link} points at ${path}, which the repository does not have`);
    }
  }
  if (problems.length > 0) fail(problems.join('\n'));
  if (readFileSync(join(folder, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) {
    fail('LICENSE differs from the repository LICENSE');
  }
  return `${links.length} README links absolute and pointing at existing files; LICENSE as the repository's`;
}

function writeScratchProject(scratch) {
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'tscron-package-check', private: true, type: 'module' }, null, 2)}\n`,
  );
  for (const file of readdirSync(fixtures)) cpSync(join(fixtures, file), join(scratch, file));
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2022',
    types: ['node'],
  };
  const configs = {
    'tsconfig.nodenext.json': {
      compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' },
      files: ['public-api.ts', 'public-api.cts'],
    },
    'tsconfig.bundler.json': {
      compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true },
      files: ['public-api.ts'],
    },
  };
  for (const [file, config] of Object.entries(configs)) {
    writeFileSync(join(scratch, file), `${JSON.stringify(config, null, 2)}\n`);
  }
}

async function publint(pkg) {
  const { stdout } = await run(bin('publint'), ['run', pkg.tarball, '--strict'], root);
  if (!stdout.includes('All good!')) fail(stdout.trim());
  return 'all good (--strict: warnings count as errors; no suggestions either)';
}

/** attw's verdict, and which declaration file each entry point resolves to under node10. */
async function attw(pkg) {
  let stdout;
  try {
    ({ stdout } = await run(bin('attw'), [pkg.tarball, '--format', 'json'], root));
  } catch (error) {
    // attw exits 1 when it finds problems; its JSON still says which.
    if (!error.stdout.trim().startsWith('{')) throw error;
    stdout = error.stdout;
  }
  const { analysis } = JSON.parse(stdout);
  if (analysis.problems.length > 0) {
    fail(
      analysis.problems.map((p) => `${p.kind} ${p.entrypoint ?? ''} ${p.resolutionKind ?? ''}`).join('\n'),
    );
  }
  const node10 = Object.entries(analysis.entrypoints)
    .filter(([entry]) => entry !== './package.json')
    .map(([entry, info]) => {
      const file = info.resolutions.node10?.resolution?.fileName;
      if (file === undefined) fail(`${entry}: node10 finds no types`);
      return `${entry} -> ${file.split(`/node_modules/${pkg.name}/`)[1]}`;
    });
  return `no problems in node10, node16 (CJS and ESM) and bundler; node10 types: ${node10.join(', ')}`;
}

/**
 * The installed `tscron` bin: found by npx, prints the package's version, and reads the fixtures'
 * schedule file and crontab (the bundled executable loads its YAML chunk from the tarball).
 */
async function checkExecutable(scratch) {
  const npx = (...args) => run('npx', ['--no-install', 'tscron', ...args], scratch);
  const cliVersion = JSON.parse(
    readFileSync(join(scratch, 'node_modules', '@tscron', 'cli', 'package.json'), 'utf8'),
  ).version;
  const version = (await npx('--version')).stdout.trim();
  if (version !== cliVersion) fail(`tscron --version printed ${version}, the package is ${cliVersion}`);
  const validated = (await npx('validate', 'cli-schedule.yaml', 'cli-crontab')).stdout;
  if (!validated.includes('cli-schedule.yaml, cli-crontab: 3 job(s), no problems'))
    fail(`validate printed:\n${validated}`);
  const from = '2027-03-27T00:00:00Z';
  const next = (await npx('next', 'cli-schedule.yaml', '-n', '2', '--from', from)).stdout;
  // 01:30 does not exist in London on 2027-03-28 (the clocks go forward): that run is at 02:30 BST.
  for (const line of ['nightly  2027-03-27T01:30:00+00:00', 'nightly  2027-03-28T02:30:00+01:00']) {
    if (!next.includes(line)) fail(`next printed:\n${next}`);
  }
  const cron = (await npx('next', 'cli-crontab', '-n', '1', '--from', from)).stdout;
  if (!cron.includes('weekday  2027-03-29T09:00:00-04:00')) fail(`next of the crontab printed:\n${cron}`);
  return `tscron ${version}; validate and next read a YAML file and a crontab`;
}

/** Loads, runs and type-checks the packages as a project that installed them would. */
async function checkInstalled(scratch) {
  mkdirSync(scratch);
  writeScratchProject(scratch);
  const npmInstall = ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];
  const installed = await check('install tarballs and peers', async () => {
    await run('npm', [...npmInstall, ...packages.map((p) => p.tarball), ...peers, ...tools], scratch);
    const versions = ['ioredis', 'pg', '@types/pg', '@nestjs/core', 'typescript', '@types/node'].map(
      (name) => {
        const manifest = join(scratch, 'node_modules', name, 'package.json');
        return `${name} ${JSON.parse(readFileSync(manifest, 'utf8')).version}`;
      },
    );
    return versions.join(', ');
  });
  if (!installed) return;
  for (const pkg of packages) {
    const folder = join(scratch, 'node_modules', ...pkg.name.split('/'));
    await check(`source maps ${pkg.name}`, () => checkSourceMaps(folder));
    await check(`README links ${pkg.name}`, () => checkReadmeLinks(folder));
  }
  await check('tscron executable (npx tscron --version, validate, next)', () => checkExecutable(scratch));
  await check('run ESM (import every entry point)', async () => {
    return (await run(process.execPath, ['use-esm.mjs'], scratch)).stdout.trim();
  });
  await check('run CommonJS (require every entry point)', async () => {
    return (await run(process.execPath, ['use-cjs.cjs'], scratch)).stdout.trim();
  });
  const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [name, config] of [
    ['module nodenext', 'tsconfig.nodenext.json'],
    ['module esnext, moduleResolution bundler', 'tsconfig.bundler.json'],
  ]) {
    await check(`tsc --noEmit, ${name}`, async () => {
      await run(process.execPath, [tsc, '-p', config], scratch);
      return 'the public API type-checks (strict, skipLibCheck off)';
    });
  }
}

async function lintTarballs() {
  for (const pkg of packages) {
    await check(`publint ${pkg.name}`, () => publint(pkg));
    await check(`attw ${pkg.name}`, () => attw(pkg));
  }
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tscron-packages-'));
  console.log(`Packing ${packages.map((p) => p.name).join(', ')} (each prepack builds)...`);
  // One at a time, in order (see `packages`).
  for (const pkg of packages) {
    if (!(await check(`pack ${pkg.name}`, () => pack(pkg, work)))) return work;
    await check(`files ${pkg.name}`, () => checkFileList(pkg));
  }
  console.log(`Installing them with ${[...peers, ...tools].join(', ')}; linting the tarballs meanwhile...`);
  await Promise.all([checkInstalled(join(work, 'project')), lintTarballs()]);
  return work;
}

const work = await main();
const failed = results.filter((result) => !result.ok);
const width = Math.max(...results.map((result) => result.name.length));
console.log('\nPackage checks:');
for (const { name, ok, detail, ms } of results.sort((a, b) => a.order - b.order)) {
  const time = `${(ms / 1000).toFixed(1)}s`.padStart(6);
  const [first, ...rest] = String(detail ?? '').split('\n');
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(width)} ${time}  ${first}`);
  for (const line of rest.slice(0, 30)) console.log(`       ${line}`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${results.length - failed.length} of ${results.length} checks passed in ${seconds}s.`);
if (failed.length === 0) {
  rmSync(work, { recursive: true, force: true });
} else {
  console.log(`The tarballs and the scratch project are kept in ${work} for inspection.`);
  process.exitCode = 1;
}
