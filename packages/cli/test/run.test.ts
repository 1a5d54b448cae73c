// `tscron run` as a real process: output, failures, timeouts, signals and reloads.
import { mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, eventually, Running, scratch, write } from './helpers.js';

const dir = scratch();
const ISO_MS = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

describe.concurrent('tscron run', { timeout: 60_000 }, () => {
  it('runs commands with their environment, prefixes output and reports failures; SIGTERM exits 0', async () => {
    const file = write(
      dir,
      'basic.yaml',
      `jobs:
  - name: tick
    cron: "* * * * * *"
    seconds: true
    run: 'echo "at=$TSCRON_SCHEDULED_AT job=$TSCRON_JOB replica=$TSCRON_REPLICA attempt=$TSCRON_ATTEMPT $GREETING"; echo oops >&2'
    env: { GREETING: hello }
  - { name: fails, once: immediately, command: [sh, -c, "exit 3"] }
`,
    );
    const run = new Running(['run', file, '--replica', 'r1']);
    const [line] = await run.waitFor(/\[tick\] at=\S+ job=tick replica=r1 attempt=1 hello/);
    expect(line).toMatch(new RegExp(`at=${ISO_MS.source}`));
    await run.waitFor(/\[tick\] oops/);
    await run.waitFor(/\[tscron\] job "fails" \(fails\) failed: command exited with code 3/);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('stops and drains when its output pipe closes (tscron run ... | head), leaving no job behind', async () => {
    const pidFile = join(dir, 'pipe.pid');
    const file = write(
      dir,
      'pipe.yaml',
      `jobs:
  - name: chatty
    cron: "* * * * * *"
    seconds: true
    run: 'echo $$ > ${pidFile}; while true; do echo line; sleep 0.05; done'
`,
    );
    const run = new Running(['run', file]);
    await run.waitFor(/\[chatty\] line/);
    run.child.stdout?.destroy();
    run.child.stderr?.destroy();
    expect(await run.exited).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(pid));
  });

  it('writes JSON lines with --json', async () => {
    const file = write(
      dir,
      'json.yaml',
      'jobs:\n  - { name: j, once: immediately, run: "echo hi; echo ho >&2" }\n',
    );
    const run = new Running(['run', file, '--json']);
    await run.waitFor(/"msg":"ho"/);
    run.signal('SIGINT');
    expect(await run.exited).toBe(0);
    const records = run.output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const hi = records.find((record) => record.msg === 'hi');
    expect(hi).toMatchObject({ level: 'info', job: 'j', stream: 'stdout' });
    expect(hi?.time).toMatch(ISO_MS);
    expect(hi?.scheduledAt).toMatch(ISO_MS);
    expect(records.find((record) => record.msg === 'ho')).toMatchObject({ level: 'warn', stream: 'stderr' });
    const ready = records.find((record) => String(record.msg).startsWith('ready: '));
    expect(ready).toMatchObject({ level: 'info', jobs: 1 });
    expect(ready?.nextRun).toMatch(ISO_MS);
  });

  it('kills the whole process group of a job that times out', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const file = write(
      dir,
      'timeout.yaml',
      `jobs:\n  - name: slow\n    once: immediately\n    timeout: 300ms\n    run: "sleep 100 & echo $! > ${pidFile}; wait"\n`,
    );
    const run = new Running(['run', file]);
    await run.waitFor(/job "slow" \(slow\) failed: job "slow" timed out after 300ms/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(pid), 3000, `sleep ${pid} to die`);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('drains on SIGTERM: running commands get SIGTERM and may finish', async () => {
    const file = write(
      dir,
      'drain.yaml',
      `jobs:
  - name: graceful
    once: immediately
    run: "trap 'echo got-term; sleep 0.3; echo drained; exit 0' TERM; echo started; sleep 30 & wait"
`,
    );
    const run = new Running(['run', file, '--shutdown-timeout', '5s']);
    await run.waitFor(/\[graceful\] started/);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output).toMatch(/\[graceful\] got-term\n[\s\S]*\[graceful\] drained/);
  });

  it('kills running commands and exits 1 on a second signal', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const file = write(
      dir,
      'stubborn.yaml',
      `jobs:\n  - name: stubborn\n    once: immediately\n    run: "trap 'echo ignoring' TERM; echo $$ > ${pidFile}; echo started; while true; do sleep 0.1; done"\n`,
    );
    const run = new Running(['run', file, '--shutdown-timeout', '30s']);
    await run.waitFor(/\[stubborn\] started/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    run.signal('SIGTERM');
    await run.waitFor(/\[stubborn\] ignoring/);
    // A repeat within the window is taken for the same stop (see the next test).
    await new Promise((resolve) => setTimeout(resolve, 400));
    run.signal('SIGTERM');
    expect(await run.exited).toBe(1);
    await eventually(() => !alive(pid), 3000, `the job's shell ${pid} to die`);
  });

  it('takes a signal repeated at once for the same stop (Ctrl-C under npm start arrives twice)', async () => {
    const file = write(
      dir,
      'twice.yaml',
      `jobs:\n  - name: patient\n    once: immediately\n    run: "trap 'sleep 0.5; echo drained; exit 0' TERM; echo started; sleep 30 & wait"\n`,
    );
    const run = new Running(['run', file, '--shutdown-timeout', '10s']);
    await run.waitFor(/\[patient\] started/);
    run.signal('SIGINT');
    run.signal('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output).toContain('[patient] drained');
    expect(run.output).not.toContain('second signal');
  });

  it('reloads on SIGHUP, and keeps the schedule when the new file is invalid', async () => {
    const file = write(dir, 'hup.cron', '# name: a\n* * * * * * echo A\n');
    const run = new Running(['run', file]);
    await run.waitFor(/\[a\] A/);
    write(dir, 'hup.cron', '# name: b\n* * * * * * echo B\n');
    run.signal('SIGHUP');
    await run.waitFor(/reloaded \(SIGHUP\): 1 job\(s\)/);
    await run.waitFor(/\[b\] B/);
    write(dir, 'hup.cron', '# name: b\n61 * * * * echo C\n');
    run.signal('SIGHUP');
    await run.waitFor(/reload \(SIGHUP\) failed: 1 problem\(s\); keeping the previous schedule/);
    expect(run.output).toMatch(/hup\.cron:2:1: CronJob: minute field: 61/);
    const before = run.count(/\[b\] B/);
    await eventually(() => run.count(/\[b\] B/) > before, 3000, 'b to run again');
    expect(run.output.slice(run.output.indexOf('[b] B'))).not.toContain('[a] A');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('leaves an unchanged job running across a reload, even when its line moved', async () => {
    const keep = "{ name: keep, once: immediately, run: 'echo started; sleep 30' }";
    const file = write(dir, 'keep.yaml', `jobs:\n  - ${keep}\n  - { name: x, every: 1h, run: "true" }\n`);
    const run = new Running(['run', file]);
    await run.waitFor(/\[keep\] started/);
    write(dir, 'keep.yaml', `# moved down\njobs:\n  - { name: y, every: 1h, run: "true" }\n\n  - ${keep}\n`);
    run.signal('SIGHUP');
    await run.waitFor(/reloaded \(SIGHUP\): 2 job\(s\)/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(run.output).toContain('removed job x');
    expect(run.output).not.toMatch(/job "keep" .*failed|\[keep\] started[\s\S]*\[keep\] started/);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('with --watch, sees a ConfigMap-style symlink swap', async () => {
    const mount = join(dir, 'configmap');
    mkdirSync(join(mount, '..v1'), { recursive: true });
    mkdirSync(join(mount, '..v2'), { recursive: true });
    write(
      mount,
      '..v1/schedule.yaml',
      'jobs:\n  - { name: v1, cron: "* * * * * *", seconds: true, run: "echo one" }\n',
    );
    write(
      mount,
      '..v2/schedule.yaml',
      'jobs:\n  - { name: v2, cron: "* * * * * *", seconds: true, run: "echo two" }\n',
    );
    symlinkSync('..v1', join(mount, '..data'));
    symlinkSync('..data/schedule.yaml', join(mount, 'schedule.yaml'));
    const run = new Running(['run', join(mount, 'schedule.yaml'), '--watch']);
    await run.waitFor(/\[v1\] one/);
    // Kubernetes writes the new version beside the old one, then renames a new link over ..data.
    symlinkSync('..v2', join(mount, '..data_tmp'));
    renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
    await run.waitFor(/reloaded \(file change\): 1 job\(s\)/);
    await run.waitFor(/\[v2\] two/);
    const v1Runs = run.count(/\[v1\] one/);
    await run.waitFor(/\[v2\] two\n[\s\S]*\[v2\] two/);
    expect(run.count(/\[v1\] one/)).toBeLessThanOrEqual(v1Runs + 1);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
