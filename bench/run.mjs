// Runs every benchmark, one child process each so that they do not disturb one another.
// Usage: npm run bench [-- cron scheduler locks burst fleet fleet-redis fleet-postgres cli dashboard
// observability] [-- --seconds 30]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const all = [
  'cron',
  'scheduler',
  'locks',
  'burst',
  'fleet',
  'fleet-redis',
  'fleet-postgres',
  'cli',
  'dashboard',
  'observability',
];
const args = process.argv.slice(2);
const chosen = args.filter((arg) => all.includes(arg));
const passThrough = args.filter((arg) => !all.includes(arg));
let failed = false;

console.log(`# tscron benchmarks\n\nNode ${process.version}, ${process.platform}/${process.arch}\n`);
for (const name of chosen.length > 0 ? chosen : all) {
  const script = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  if (!existsSync(script)) continue;
  console.log(`## ${name}\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', script, ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`benchmark ${name} failed with exit code ${result.status}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
