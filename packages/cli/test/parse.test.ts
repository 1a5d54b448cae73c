import { describe, expect, it } from 'vitest';
import manifest from '../package.json' with { type: 'json' };
import { parseCrontab } from '../src/crontab.js';
import { loadFiles } from '../src/load.js';
import { formatProblem, sortProblems } from '../src/problems.js';
import { parseScheduleFile } from '../src/schedule-file.js';
import { VERSION } from '../src/version.js';
import { scratch, write } from './helpers.js';

const messages = (problems: Parameters<typeof sortProblems>[0]) => sortProblems(problems).map(formatProblem);

describe('crontab', () => {
  it('reads 5 and 6 fields, descriptors, env lines, zones and names', () => {
    const { schedule, problems } = parseCrontab(
      '/etc/crontab',
      [
        '# a comment',
        'GREETING="hello world"',
        'CRON_TZ=Europe/London',
        '# name: report',
        '0 9 * * MON-FRI  node report.js --all',
        '*/10 * * * * * echo seconds',
        '@hourly date',
        '@every 5m /bin/true',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(schedule.jobs.map((job) => [job.name, job.scheduleText, job.timeZone, job.action])).toEqual([
      ['report', '0 9 * * MON-FRI', 'Europe/London', { kind: 'shell', script: 'node report.js --all' }],
      [
        expect.stringMatching(/^echo-[0-9a-f]{8}$/),
        '*/10 * * * * *',
        'Europe/London',
        { kind: 'shell', script: 'echo seconds' },
      ],
      [
        expect.stringMatching(/^date-[0-9a-f]{8}$/),
        '@hourly',
        'Europe/London',
        { kind: 'shell', script: 'date' },
      ],
      [
        expect.stringMatching(/^true-[0-9a-f]{8}$/),
        '@every 5m',
        'Europe/London',
        { kind: 'shell', script: '/bin/true' },
      ],
    ]);
    expect(schedule.jobs[0]?.env).toEqual({ GREETING: 'hello world' });
    expect(schedule.jobs[1]?.definition).toEqual({
      kind: 'cron',
      expression: '*/10 * * * * *',
      withSeconds: true,
    });
  });

  it('derives the same name from the same schedule and command, wherever the line is', () => {
    const a = parseCrontab('a', '*/5 * * * * backup.sh').schedule.jobs[0]?.name;
    const b = parseCrontab('b', '# moved\n\nX=1\n*/5 * * * * backup.sh').schedule.jobs[0]?.name;
    const c = parseCrontab('c', '*/6 * * * * backup.sh').schedule.jobs[0]?.name;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('reports every problem at its line and column', () => {
    const { problems } = parseCrontab(
      'crontab',
      [
        'TZ=Mars/Olympus',
        '0 0 * * 8 weekly.sh',
        '61 * * * * x',
        '*/5 * * * *',
        '@reboot start.sh',
        '# name: orphan',
      ].join('\n'),
    );
    expect(messages(problems)).toEqual([
      'crontab:1:4: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris")',
      'crontab:2:9: CronJob: day-of-week field: 8 is out of range 0-7 in "0 0 * * 8"',
      'crontab:3:1: CronJob: minute field: 61 is out of range 0-59 in "61 * * * *"',
      'crontab:4:12: missing command after the schedule',
      'crontab:5:1: @reboot is not supported (a job runs on a schedule; use "once" in a YAML file)',
      'crontab:6:1: "# name: orphan" names no job (no job line follows it)',
    ]);
  });
});

describe('schedule files', () => {
  it('reads every schedule kind and the job options', () => {
    const { schedule, problems } = parseScheduleFile(
      '/srv/jobs.yaml',
      `timeZone: Europe/Berlin
locker: redis://127.0.0.1:6379
jobs:
  - name: backup
    cron: "30 2 * * *"
    run: pg_dump app
    timeZone: UTC
    timeout: 1h
    retry: { attempts: 3, delay: 1m, backoff: 2 }
    singletonMode: reschedule
    tags: [db]
    env: { PGHOST: db, PORT: 5432 }
    cwd: work
  - { name: tick, every: 5s, command: [node, tick.js], locker: false, jitter: 1s }
  - { name: random, randomEvery: [1m, 2m], module: ./jobs.mjs#random }
  - { name: daily, daily: { interval: 2, at: ["02:30", "14:00:15"] }, run: x, dstPolicy: skip }
  - { name: weekly, weekly: { days: [Mon, friday, 0], at: "08:00" }, run: x, missedRuns: skip }
  - { name: monthly, monthly: { days: [1, -1], at: ["00:05"] }, run: x, limitedRuns: 3 }
  - { name: once, once: ["2099-01-01T00:00:00Z"], run: x }
  - { name: secs, cron: "*/2 * * * * *", seconds: true, run: x, stopAt: "2099-01-01T00:00:00Z" }
`,
    );
    expect(problems).toEqual([]);
    expect(schedule.locker).toBe('redis://127.0.0.1:6379');
    const [backup, tick, random, daily, weekly, monthly, once, secs] = schedule.jobs;
    expect(backup).toMatchObject({
      name: 'backup',
      timeZone: 'UTC',
      cwd: '/srv/work',
      env: { PGHOST: 'db', PORT: '5432' },
      options: {
        timeout: '1h',
        retry: { attempts: 3, delay: '1m', backoff: 2 },
        singletonMode: 'reschedule',
        tags: ['db'],
      },
      position: { file: '/srv/jobs.yaml', line: 4, column: 5 },
    });
    expect(tick).toMatchObject({
      definition: { kind: 'duration', every: 5000 },
      noLocker: true,
      timeZone: 'Europe/Berlin',
    });
    expect(tick?.action).toEqual({ kind: 'argv', argv: ['node', 'tick.js'] });
    expect(random?.action).toEqual({ kind: 'module', path: '/srv/jobs.mjs', exportName: 'random' });
    expect(random?.definition).toEqual({ kind: 'durationRandom', min: 60_000, max: 120_000 });
    expect(daily?.definition).toMatchObject({ kind: 'daily', interval: 2 });
    expect(weekly?.definition).toMatchObject({ kind: 'weekly', weekdays: [0, 1, 5] });
    expect(monthly?.definition).toMatchObject({ kind: 'monthly', days: [-1, 1] });
    expect(once?.definition).toEqual({ kind: 'oneTime', at: [Date.parse('2099-01-01T00:00:00Z')] });
    expect(secs?.definition).toEqual({ kind: 'cron', expression: '*/2 * * * * *', withSeconds: true });
  });

  it('reports every problem with FILE:LINE:COLUMN', () => {
    const { problems } = parseScheduleFile(
      'jobs.yaml',
      `jobs:
  - name: a
    cron: "0 25 * * *"
    run: x
    timezone: UTC
  - name: b
    every: 5s
    cron: "* * * * *"
    run: x
  - name: c
    every: 5s
  - name: d
    every: 1m
    run: x
    timeZone: Mars/Olympus
    retry: { attempts: 2, dely: 1s }
  - name: e
    every: soon
    run: x
    singletonMode: always
`,
    );
    expect(messages(problems)).toEqual([
      'jobs.yaml:3:14: job "a": CronJob: hour field: 25 is out of range 0-23 in "0 25 * * *"',
      'jobs.yaml:5:5: job: unknown key "timezone" (did you mean "timeZone"?)',
      'jobs.yaml:8:5: job "b": two schedule kinds, "every" and "cron"; keep one',
      'jobs.yaml:10:5: job "c": missing command; give one of run, command or module',
      'jobs.yaml:15:15: job "d": unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris")',
      'jobs.yaml:16:27: job "d": retry: unknown key "dely" (did you mean "delay"?)',
      'jobs.yaml:18:12: job "e": every: "soon" is not a duration (use milliseconds or a string like "1h30m", "250ms", "1.5s")',
      'jobs.yaml:20:20: job "e": singletonMode must be one of "reschedule", "wait"',
    ]);
  });

  it('reads catch-up options (missedRuns all, catchUpWithin) and reports bad ones where they are', () => {
    const { schedule, problems } = parseScheduleFile(
      'catch-up.yaml',
      `jobs:
  - { name: nightly, cron: "0 2 * * *", run: x, missedRuns: all, catchUpWithin: 1h }
  - { name: hourly, cron: "0 * * * *", run: x, catchUpWithin: 90m }
  - { name: a, every: 1m, run: x, catchUpWithin: soon }
  - { name: b, every: 1m, run: x, catchUpWithin: 0 }
  - { name: c, every: 1m, run: x, catchUpWithin: -5m, missedRuns: most }
  - { name: d, every: 1m, run: x, catchUpWithin: [1h] }
`,
    );
    expect(schedule.jobs.map((job) => [job.name, job.options])).toEqual([
      ['nightly', { missedRuns: 'all', catchUpWithin: '1h' }],
      ['hourly', { catchUpWithin: '90m' }],
    ]);
    expect(messages(problems)).toEqual([
      'catch-up.yaml:4:50: job "a": catchUpWithin: "soon" is not a duration (use milliseconds or a string like "1h30m", "250ms", "1.5s")',
      'catch-up.yaml:5:50: job "b": catchUpWithin must be longer than 0, got 0',
      'catch-up.yaml:6:50: job "c": catchUpWithin must be longer than 0, got -5m',
      'catch-up.yaml:6:67: job "c": missedRuns must be one of "skip", "once", "all"',
      'catch-up.yaml:7:50: job "d": catchUpWithin must be a duration such as "30s" or "1h30m"',
    ]);
  });

  it('reads JSON with positions, and reports YAML syntax errors', () => {
    const json = parseScheduleFile(
      'jobs.json',
      '{\n  "jobs": [\n    { "name": "x", "every": "1s", "runn": "y" }\n  ]\n}\n',
    );
    expect(messages(json.problems)).toEqual([
      'jobs.json:3:5: job "x": missing command; give one of run, command or module',
      'jobs.json:3:35: job: unknown key "runn" (did you mean "run"?)',
    ]);
    const broken = parseScheduleFile('bad.yaml', 'jobs:\n  - name: [x\n');
    expect(broken.problems).toHaveLength(1);
    expect(formatProblem(broken.problems[0] as never)).toMatch(/^bad\.yaml:\d+:\d+: /);
  });
});

describe('loading files', () => {
  const dir = scratch();

  it('reports duplicate names across files, missing files and missing modules', async () => {
    const a = write(dir, 'a.yaml', 'jobs:\n  - { name: same, every: 1s, run: x }\n');
    const b = write(
      dir,
      'b.yaml',
      'jobs:\n  - { name: other, every: 1s, module: ./nope.mjs#x }\n  - { name: same, every: 2s, run: y }\n',
    );
    const { problems } = await loadFiles([a, b, `${dir}/missing.yaml`]);
    expect(messages(problems)).toEqual([
      `${dir}/b.yaml:2:5: job "other": module ${dir}/nope.mjs does not exist`,
      `${dir}/b.yaml:3:5: duplicate job name "same" (first at ${dir}/a.yaml:2:5)`,
      `${dir}/missing.yaml:1:1: cannot read the file: no such file`,
    ]);
  });

  it('keeps VERSION equal to package.json', () => {
    expect(VERSION).toBe(manifest.version);
  });
});
