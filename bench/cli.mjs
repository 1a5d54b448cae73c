// Start-up of `tscron run`: time from process start to "ready" (every job scheduled, the first run
// armed: the `{"msg":"ready: ..."}` line of --json) and resident memory (RSS) then, with a 1,000-job
// crontab and a 1,000-job YAML file, beside bare Node.js baselines. Each case runs in a fresh process,
// round-robin so that a burst of load from other work hits every case alike; the table shows medians.
// Run after `npm run build`: node bench/cli.mjs [--runs N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;
const JOBS = 1000;
const bin = fileURLToPath(new URL('../packages/cli/dist/esm/bin.js', import.meta.url));
// Resolved from the CLI's folder, as an installed tscron is found by the CLI.
const cliRoot = fileURLToPath(new URL('../packages/cli/', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'tscron-cli-bench-'));
const crontab = join(work, 'crontab');
const yaml = join(work, 'schedule.yaml');

// Distinct schedules spread over the day and week, every kind a real file would hold.
const cronLines = ['# 1,000 jobs, all distinct', 'PATH=/usr/bin:/bin'];
const yamlLines = ['timeZone: Europe/London', 'jobs:'];
for (let i = 0; i < JOBS; i++) {
  const minute = i % 60;
  const hour = Math.floor(i / 60) % 24;
  cronLines.push(`# name: job-${i}`, `${minute} ${hour} * * ${i % 7} echo job ${i}`);
  yamlLines.push(`  - name: job-${i}`);
  if (i % 4 === 0) yamlLines.push(`    cron: "${minute} ${hour} * * *"`);
  else if (i % 4 === 1) yamlLines.push(`    every: ${60 + i}s`);
  else if (i % 4 === 2)
    yamlLines.push(
      `    daily: { at: ["${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}"] }`,
    );
  else yamlLines.push(`    weekly: { days: [Mon, Thu], at: ["0${i % 10}:30"] }`);
  yamlLines.push(`    run: echo job ${i}`);
  if (i % 10 === 0) yamlLines.push('    timeout: 1m', '    retry: { attempts: 3, delay: 5s }');
}
writeFileSync(crontab, `${cronLines.join('\n')}\n`);
writeFileSync(yaml, `${yamlLines.join('\n')}\n`);

const KEEP = 'setInterval(() => {}, 1 << 30)';
const cases = [
  { label: "node -e '' (bare Node.js)", args: ['-e', `console.log('ready'); ${KEEP}`] },
  {
    label: 'node -e "require(\'tscron\')"',
    args: ['-e', `require('tscron'); console.log('ready'); ${KEEP}`],
    cwd: cliRoot,
  },
  { label: `tscron run, crontab of ${JOBS} jobs`, args: [bin, 'run', crontab, '--json'] },
  { label: `tscron run, YAML file of ${JOBS} jobs`, args: [bin, 'run', yaml, '--json'] },
];

/** RSS of a live process in bytes, from /proc (Linux) or ps. */
async function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
  } catch {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let out = '';
    ps.stdout.on('data', (chunk) => (out += chunk));
    await new Promise((resolve) => ps.on('close', resolve));
    return Number(out.trim()) * 1024;
  }
}

/** One start: milliseconds from spawn to the ready line, and RSS at that moment. */
function once({ args, cwd }) {
  return new Promise((resolve, reject) => {
    const begin = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', async (chunk) => {
      out += chunk;
      if (done || !/^(ready|\{.*"msg":"ready)/m.test(out)) return;
      done = true;
      const ms = performance.now() - begin;
      const rss = await rssOf(child.pid);
      child.kill('SIGKILL');
      resolve({ ms, rss });
    });
    child.on('exit', (code) => {
      if (!done) reject(new Error(`${args.join(' ')} exited ${code} before ready:\n${out}${err}`));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  for (const c of cases) await once(c); // warm the file system cache
  const samples = cases.map(() => ({ ms: [], rss: [] }));
  for (let run = 0; run < RUNS; run++) {
    for (const [index, c] of cases.entries()) {
      const { ms, rss } = await once(c);
      samples[index].ms.push(ms);
      samples[index].rss.push(rss);
    }
  }
  const bare = median(samples[0].ms);
  console.log(
    `Start-up to ready and RSS at ready, median of ${RUNS} runs each (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}).\n`,
  );
  console.log('| process | ready ms (median) | min-max ms | minus bare node ms | RSS MB (median) |');
  console.log('| ------- | ----------------: | ---------: | -----------------: | --------------: |');
  for (const [index, c] of cases.entries()) {
    const { ms, rss } = samples[index];
    const m = median(ms);
    const range = `${Math.min(...ms).toFixed(0)}-${Math.max(...ms).toFixed(0)}`;
    const extra = index === 0 ? '-' : `+${(m - bare).toFixed(0)}`;
    console.log(
      `| ${c.label} | ${m.toFixed(0)} | ${range} | ${extra} | ${(median(rss) / 2 ** 20).toFixed(1)} |`,
    );
  }
  console.log(
    `\nGoal: under 150 ms to ready and under 60 MB RSS with ${JOBS.toLocaleString('en-US')} jobs. Supercronic publishes no start-up or memory figures that we found, so it is not in the table.`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
