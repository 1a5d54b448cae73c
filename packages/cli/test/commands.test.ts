// The built binary's one-shot commands: validate, next, list, exec, help and version.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sparePort } from '../../../test-support/services.js';
import { BIN, type Result, scratch, tscron, write } from './helpers.js';

const require = createRequire(import.meta.url);

const dir = scratch();

// Generous timeouts: these start real processes, and the machine may be shared.
describe.concurrent('tscron one-shot commands', { timeout: 60_000 }, () => {
  it('validate prints every problem and exits 2, or exits 0', async () => {
    const bad = write(
      dir,
      'bad.yaml',
      'jobs:\n  - name: a\n    cron: "0 0 * * 9"\n    run: x\n    tiemout: 1s\n',
    );
    const result = await tscron(['validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `${bad}:3:20: job "a": CronJob: day-of-week field: 9 is out of range 0-7 in "0 0 * * 9"\n` +
        `${bad}:5:5: job: unknown key "tiemout" (did you mean "timeout"?)\n2 problem(s) found\n`,
    );
    const good = write(dir, 'good.cron', '*/5 * * * * echo hi\n');
    const ok = await tscron(['validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 job(s), no problems');
  });

  it('validate accepts catch-up options and refuses a bad catchUpWithin with exit 2', async () => {
    const good = write(
      dir,
      'catch-up.yaml',
      'jobs:\n  - { name: nightly, cron: "0 2 * * *", run: x, missedRuns: all, catchUpWithin: 1h }\n',
    );
    const ok = await tscron(['validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 job(s), no problems');
    const bad = write(
      dir,
      'catch-up-bad.yaml',
      'jobs:\n  - name: nightly\n    cron: "0 2 * * *"\n    run: x\n    catchUpWithin: a day\n',
    );
    const refused = await tscron(['validate', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}:5:20: job "nightly": catchUpWithin: "a day" is not a duration`);
  });

  it('next lists runs of an expression and of a file, in a zone', async () => {
    const from = '2026-03-28T00:00:00Z';
    const result = await tscron([
      'next',
      '30 1 * * *',
      '-n',
      '3',
      '--time-zone',
      'Europe/London',
      '--from',
      from,
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      '2026-03-28T01:30:00+00:00\n2026-03-29T02:30:00+01:00\n2026-03-30T01:30:00+01:00\n',
    );
    const json = await tscron([
      'next',
      '*/20 * * * * *',
      '--seconds',
      '-n',
      '2',
      '--from',
      from,
      '--json',
      '--time-zone',
      'UTC',
    ]);
    expect(JSON.parse(json.stdout)).toEqual({
      timeZone: 'UTC',
      runs: ['2026-03-28T00:00:20.000Z', '2026-03-28T00:00:40.000Z'],
    });
    const file = write(
      dir,
      'next.yaml',
      'timeZone: UTC\njobs:\n  - { name: a, daily: { at: "06:00" }, run: x }\n',
    );
    const listed = await tscron(['next', file, '-n', '1', '--from', from]);
    expect(listed.stdout).toBe('a  2026-03-28T06:00:00+00:00\n');
    // Interval jobs count from the Unix epoch, so that every replica runs them at the same instants.
    const every = write(dir, 'every.yaml', 'jobs:\n  - { name: e, every: 90s, run: x }\n');
    const aligned = await tscron([
      'next',
      every,
      '-n',
      '2',
      '--from',
      '2026-03-28T00:00:10Z',
      '--time-zone',
      'UTC',
    ]);
    expect(aligned.stdout).toBe('e  2026-03-28T00:01:30+00:00\ne  2026-03-28T00:03:00+00:00\n');
    const bad = await tscron(['next', '61 * * * *']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('minute field: 61 is out of range 0-59');
  });

  it('list shows name, schedule, zone and next run', async () => {
    const file = write(dir, 'list.cron', 'TZ=UTC\n# name: hourly\n0 * * * * date\n');
    const result = await tscron(['list', file]);
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+SCHEDULE\s+TIME ZONE\s+NEXT RUN\s+MOVED BY DST$/);
    expect(row).toMatch(/^hourly\s+0 \* \* \* \*\s+UTC\s+\d{4}-\d\d-\d\dT\d\d:00:00\+00:00\s+-$/);
  });

  it('list shows the next run within a year that a DST gap moves', async () => {
    // 01:30 does not exist on the day Europe/London springs forward (01:00 GMT becomes 02:00 BST):
    // that run is at 02:30 BST.
    const file = write(
      dir,
      'dst.yaml',
      'timeZone: Europe/London\njobs:\n  - { name: night, daily: { at: "01:30" }, run: "true" }\n' +
        '  - { name: skips, daily: { at: "01:30" }, dstPolicy: skip, run: "true" }\n',
    );
    const result = await tscron(['list', file, '--json']);
    expect(result.code).toBe(0);
    const [night, skips] = JSON.parse(result.stdout) as { dstMoved?: string }[];
    expect(night?.dstMoved).toMatch(/^\d{4}-03-\d\dT02:30:00\+01:00$/);
    expect(skips?.dstMoved).toBeUndefined();
  });

  it('exec runs one job now and exits with its exit code', async () => {
    const file = write(
      dir,
      'exec.yaml',
      [
        'jobs:',
        '  - { name: seven, cron: "0 0 1 1 *", run: "echo out; echo err >&2; exit 7" }',
        '  - { name: fine, every: 1h, command: [sh, -c, "echo job=$TSCRON_JOB attempt=$TSCRON_ATTEMPT"] }',
        '  - { name: mod, every: 1h, module: ./exec-jobs.mjs#hello }',
      ].join('\n'),
    );
    write(
      dir,
      'exec-jobs.mjs',
      'export function hello(ctx) { console.log("module", ctx.job.name, ctx.attempt); }\n',
    );
    const retried = write(
      dir,
      'retry.yaml',
      'jobs:\n  - { name: r, every: 1h, retry: { attempts: 1 }, run: \'echo "try $TSCRON_ATTEMPT"; test "$TSCRON_ATTEMPT" = 2\' }\n',
    );
    // In parallel: each is a process start, and the machine may be shared.
    const [seven, fine, mod, retry, unknown] = await Promise.all([
      tscron(['exec', file, 'seven']),
      tscron(['exec', file, 'fine']),
      tscron(['exec', file, 'mod']),
      tscron(['exec', retried, 'r']),
      tscron(['exec', file, 'sevn']),
    ]);
    expect(seven.code).toBe(7);
    expect(seven.stdout).toBe('[seven] out\n');
    expect(seven.stderr).toBe('[seven] err\n[tscron] job "seven" failed: command exited with code 7\n');
    expect(fine).toMatchObject({ code: 0, stdout: '[fine] job=fine attempt=1\n' });
    expect(mod).toMatchObject({ code: 0, stdout: 'module mod 1\n' });
    expect(retry).toMatchObject({ code: 0, stdout: '[r] try 1\n[r] try 2\n' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no job "sevn" (did you mean "seven"?)');
  });

  it('has --help and --version everywhere, and exit code 2 for bad usage', async () => {
    const helps = await Promise.all(
      [['--help'], ['run', '--help'], ['next', '--help'], ['exec', '--help']].map((args) => tscron(args)),
    );
    for (const result of helps) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Usage/);
    }
    const [version, badFlag, badCommand, noFile] = await Promise.all([
      tscron(['list', '--version']),
      tscron(['run', '--frobnicate', 'x']),
      tscron(['rnu']),
      tscron(['run']),
    ]);
    expect(version.stdout).toBe('0.1.0\n');
    expect(badFlag.code).toBe(2);
    expect(badCommand.stderr).toContain('unknown command "rnu" (did you mean "run"?)');
    expect(noFile.code).toBe(2);
  });

  it('run refuses an invalid file before starting, and a bad --metrics address', async () => {
    const bad = write(dir, 'run-bad.yaml', 'jobs:\n  - { name: a, every: 1s }\n');
    const result = await tscron(['run', bad]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`${bad}:2:5: job "a": missing command; give one of run, command or module\n`);
    const good = write(dir, 'run-good.yaml', 'jobs:\n  - { name: a, every: 1s, run: "true" }\n');
    const metrics = await tscron(['run', good, '--metrics', 'localhost:99999']);
    expect(metrics.code).toBe(2);
    expect(metrics.stderr).toContain(
      '--metrics must be [HOST:]PORT with a port from 0 to 65535, got "localhost:99999"',
    );
    const nats = await tscron(['run', good, '--locker', `nats://127.0.0.1:${await sparePort()}`]);
    expect(nats.code).toBe(1);
    expect(nats.stderr).toContain('--locker: cannot connect to NATS at nats://127.0.0.1:');
  });

  it('names the packages to install when a backend URL is used without them', async () => {
    // A copy of the built CLI that finds tscron and yaml, but no backend package.
    const install = join(dir, 'bare');
    mkdirSync(join(install, 'node_modules'), { recursive: true });
    const cliRoot = dirname(dirname(dirname(BIN)));
    cpSync(cliRoot, join(install, 'cli'), {
      recursive: true,
      filter: (path) =>
        ['', 'dist', 'package.json'].includes(relative(cliRoot, path).split(sep)[0] as string),
    });
    for (const name of ['tscron', 'yaml']) {
      symlinkSync(
        realpathSync(dirname(require.resolve(`${name}/package.json`))),
        join(install, 'node_modules', name),
      );
    }
    const bin = join(install, 'cli', 'dist', 'esm', 'bin.js');
    const file = write(dir, 'bare.yaml', 'jobs:\n  - { name: a, every: 1s, run: "true" }\n');
    const run = (...args: string[]) =>
      new Promise<Result>((resolve) => {
        execFile(process.execPath, [bin, 'run', file, ...args], (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
        );
      });
    const [redis, postgres, dashboard, metrics, mysql] = await Promise.all([
      run('--locker', 'redis://127.0.0.1:6379'),
      run('--locker', 'postgres://db/app'),
      run('--dashboard', '0'),
      run('--metrics', '0'),
      run('--elector', 'mysql://root@db/app'),
    ]);
    expect(metrics.code).toBe(2);
    expect(metrics.stderr).toContain(
      '--metrics needs the packages @tscron/prometheus and prom-client: npm install @tscron/prometheus prom-client',
    );
    expect(dashboard.code).toBe(2);
    expect(dashboard.stderr).toContain(
      '--dashboard needs the package @tscron/dashboard: npm install @tscron/dashboard',
    );
    expect(redis.code).toBe(2);
    expect(redis.stderr).toContain('needs the packages @tscron/redis and ioredis');
    expect(redis.stderr).toContain('npm install @tscron/redis ioredis');
    expect(postgres.code).toBe(2);
    expect(postgres.stderr).toContain('npm install @tscron/postgres pg');
    const nats = await run('--locker', 'nats://127.0.0.1:4222?bucket=jobs');
    expect(nats.code).toBe(2);
    expect(nats.stderr).toContain(
      'npm install @tscron/nats @nats-io/transport-node @nats-io/jetstream @nats-io/kv',
    );
    expect(mysql.code).toBe(2);
    expect(mysql.stderr).toContain('npm install @tscron/mysql mysql2');
  });
});
