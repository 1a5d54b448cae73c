// The tscron scheduler beside croner, node-cron, cron, node-schedule and toad-scheduler (and plain
// setInterval as the floor): timer lateness, run throughput, heap per job and time to add jobs.
// Every measurement runs in its own child process, one after the other, so that libraries do not
// disturb one another. Run after `npm run build`:
//
//   node --expose-gc bench/scheduler.mjs [--seconds 30] [--repeat 3] [--only lateness,throughput,memory,add]
//     [--jobs 1000,5000,10000] [--shapes spread,aligned] [--libs tscron,toad-scheduler]
//
// --seconds is the measured time of each lateness case (default 6; the warm-up comes on top).
// --jobs, --shapes and --libs narrow the lateness cases (default: every size, shape and library;
// the 5,000-job size is measured in the spread shape only).
// --repeat runs each lateness case that many times (default 3) and reports the run with the median
// p99 (the add case: the median add time), so that one hiccup of a shared machine does not decide a
// row. A full run takes about 17 minutes.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};

// ---------------------------------------------------------------------------------------------
// Parent: runs the cases and prints markdown tables.

function parent() {
  const seconds = Number(option('seconds', '6'));
  const repeat = Number(option('repeat', '3'));
  const only = option('only', 'lateness,throughput,memory,add').split(',');
  const sizesGiven = option('jobs', '') !== '';
  const sizes = option('jobs', '1000,5000,10000').split(',').map(Number);
  const shapes = option('shapes', 'spread,aligned').split(',');
  const libsWanted = option('libs', '').split(',').filter(Boolean);
  const started = performance.now();
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)} at start\n`,
  );

  if (only.includes('lateness')) {
    console.log(
      `### Lateness: actual start - scheduled time, every job every second (${seconds} s per case)\n`,
    );
    console.log('Spread: start times spread evenly over the second. Aligned: every job on `* * * * * *`.');
    console.log("ms; ratio = the library's p99 / tscron's p99; runs = runs seen / runs due;");
    console.log('CPU = user+system CPU time of the process per run over the measured window, in µs.');
    console.log(
      `Each row is the run with the median p99 of ${repeat}; CPU is the median of the ${repeat} runs.\n`,
    );
    for (const jobs of sizes) {
      for (const shape of shapes) {
        // The middle size is a spread case only: the aligned shape changes little between sizes.
        if (jobs === 5000 && shape === 'aligned' && !sizesGiven) continue;
        // Cron-only libraries cannot place a job within a second, so only interval schedulers spread.
        const libs = (shape === 'spread' ? SPREAD_LIBS : ALIGNED_LIBS).filter(
          (lib) => libsWanted.length === 0 || libsWanted.includes(lib),
        );
        const rows = libs.map((lib) => [
          lib,
          medianRun(repeat, () => run({ kind: 'lateness', lib, jobs, shape, seconds }, seconds + 90), 'p99', [
            'cpuPerRun',
          ]),
        ]);
        table(
          `${jobs.toLocaleString('en')} jobs, ${shape}`,
          ['p50', 'p99', 'max', 'p99 ratio', 'CPU µs / run', 'runs'],
          rows,
          (r, base) => [
            fixed(r.p50),
            fixed(r.p99),
            fixed(r.max),
            ratio(r.p99, base?.p99),
            fixed(r.cpuPerRun),
            `${r.runs.toLocaleString('en')} / ${r.due.toLocaleString('en')}`,
          ],
        );
      }
    }
  }

  if (only.includes('throughput')) {
    const jobs = 20_000;
    console.log(
      `### Throughput: ${jobs.toLocaleString('en')} trivial jobs due at the same instant every second, one core\n`,
    );
    console.log('capacity = runs per second of busy event loop; CPU = user+system seconds per million runs;');
    console.log("burst = time from the first to the last run of one second's burst (median).\n");
    const rows = THROUGHPUT_LIBS.map((lib) => [lib, run({ kind: 'throughput', lib, jobs, seconds: 3 }, 40)]);
    table(
      'throughput',
      ['capacity runs/s', 'CPU s / M runs', 'burst ms', 'ratio (capacity)', 'runs'],
      rows,
      (r, base) => [
        Math.round(r.capacity).toLocaleString('en'),
        fixed(r.cpuPerMillion),
        fixed(r.burst),
        ratio(base?.capacity, r.capacity),
        `${r.runs.toLocaleString('en')} / ${r.due.toLocaleString('en')}`,
      ],
    );
  }

  if (only.includes('memory') || only.includes('add')) {
    const jobs = 100_000;
    console.log(
      `### Heap per scheduled job and time to add ${jobs.toLocaleString('en')} jobs (scheduler started)\n`,
    );
    console.log('Duration jobs run every hour. Cron jobs use one six-field expression (`0 30 9 * * *`), or');
    console.log('100,000 distinct ones, each firing once a month at most; expressions are built before the');
    console.log('clock starts and the heap is measured. Heap = heapUsed after minus before, after full GCs.');
    console.log(`Each row is the run with the median add time of ${repeat}.\n`);
    const titles = {
      duration: 'duration jobs',
      'cron-shared': 'cron jobs, one expression',
      cron: 'cron jobs, distinct expressions',
    };
    for (const form of ['duration', 'cron-shared', 'cron']) {
      const libs = form === 'duration' ? ['tscron', 'toad-scheduler', 'setInterval'] : CRON_LIBS;
      const rows = libs.map((lib) => [
        lib,
        medianRun(repeat, () => run({ kind: 'memory', lib, jobs, form, budget: ADD_BUDGET }, 120), 'addMs'),
      ]);
      table(titles[form], ['bytes / job', 'ratio', 'add 100k ms', 'ratio'], rows, (r, base) => [
        Math.round(r.bytesPerJob).toLocaleString('en'),
        ratio(r.bytesPerJob, base?.bytesPerJob),
        r.added < jobs
          ? `~${fixed(r.addMs, 0)} (projected: ${r.added.toLocaleString('en')} added in ${ADD_BUDGET} s)`
          : fixed(r.addMs, 0),
        ratio(r.addMs, base?.addMs),
      ]);
    }
  }
  const took = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`_${took} s in all; load average ${loadavg()[0].toFixed(2)} at the end._`);
}

/** Seconds a library may take to add its jobs in the memory case before it is measured on fewer. */
const ADD_BUDGET = 5;
const SPREAD_LIBS = ['tscron', 'tscron (timerSlack 4ms)', 'toad-scheduler', 'setInterval'];
const ALIGNED_LIBS = ['tscron', 'croner', 'node-cron', 'cron', 'node-schedule', 'toad-scheduler'];
const THROUGHPUT_LIBS = [
  'tscron',
  'tscron (duration)',
  'croner',
  'node-cron',
  'cron',
  'node-schedule',
  'toad-scheduler',
];
const CRON_LIBS = ['tscron', 'croner', 'node-cron', 'cron', 'node-schedule', 'toad-scheduler'];

/**
 * Runs `measure` `times` times; returns the result with the median `key` (failed runs last), with
 * each of `alsoMedian` replaced by its own median over the runs (CPU time is noisier than lateness).
 */
function medianRun(times, measure, key = 'p99', alsoMedian = []) {
  const results = Array.from({ length: times }, () => measure());
  const median = (name) => {
    const values = results.map((r) => r[name]).filter((v) => v !== undefined && !Number.isNaN(v));
    values.sort((a, b) => a - b);
    return values.length === 0 ? Number.NaN : values[Math.floor((values.length - 1) / 2)];
  };
  const medians = Object.fromEntries(alsoMedian.map((name) => [name, median(name)]));
  results.sort((a, b) => (a[key] ?? Number.POSITIVE_INFINITY) - (b[key] ?? Number.POSITIVE_INFINITY));
  const chosen = results[Math.floor((results.length - 1) / 2)];
  return chosen.error ? chosen : { ...chosen, ...medians };
}

function run(spec, timeoutSeconds) {
  const result = spawnSync(process.execPath, ['--expose-gc', SELF, '--child', JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = result.stdout
    ?.split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  try {
    return JSON.parse(line ?? '');
  } catch {
    const why =
      result.error?.code === 'ETIMEDOUT' ? 'timed out' : (result.stderr || 'no output').trim().split('\n')[0];
    return { error: why };
  }
}

function table(title, columns, rows, cells) {
  const base = rows[0]?.[1]?.error ? undefined : rows[0]?.[1];
  console.log(`#### ${title}\n`);
  console.log(`| library | ${columns.join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|`);
  for (const [lib, result] of rows) {
    const values = result.error
      ? columns.map((_, i) => (i === 0 ? `failed: ${result.error}` : ''))
      : cells(result, base);
    console.log(`| ${lib} | ${values.join(' | ')} |`);
  }
  console.log('');
}

function fixed(value, digits = 2) {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

/** How many times larger `value` is than `reference` (1.00x for the reference itself). */
function ratio(value, reference) {
  if (value === undefined || reference === undefined || !(reference > 0)) return 'n/a';
  return `${(value / reference).toFixed(2)}x`;
}

// ---------------------------------------------------------------------------------------------
// Child: one library, one measurement; prints one JSON line.

async function child(spec) {
  // Some libraries log warnings (missed runs) to the console: keep stdout for the result.
  const write = process.stdout.write.bind(process.stdout);
  if (!process.env.BENCH_DEBUG)
    console.log = console.info = console.warn = console.error = console.debug = () => {};
  const adapter = await adapters[spec.lib.replace(' (duration)', '')]();
  let result;
  if (spec.kind === 'lateness') result = await lateness(adapter, spec);
  else if (spec.kind === 'throughput') result = await throughput(adapter, spec);
  else result = await memory(adapter, spec);
  write(`\n${JSON.stringify(result)}\n`, () => process.exit(0));
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the wall clock is `ms` past a whole second. */
async function untilSecond(ms = 0) {
  const target = Math.ceil((Date.now() + 50) / 1000) * 1000 + ms;
  await sleep(target - Date.now());
  while (Date.now() < target) {
    // spin the last fraction
  }
  return target;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function lateness(adapter, { jobs, shape, seconds }) {
  const WARMUP = 4000;
  const capacity = jobs * (seconds + 4);
  const samples = new Float64Array(capacity);
  let count = 0;
  let recordFrom = Number.POSITIVE_INFINITY;
  let recordUntil = Number.POSITIVE_INFINITY;
  // CPU is read by the first run in the window and the first run after it: in the aligned shape the
  // window then holds whole bursts, in the spread shape runs come every fraction of a millisecond.
  let cpuStart;
  let cpuEnd;
  // `offset` is the job's place in the second (ms); lateness is measured against the nearest instant
  // offset + k * 1000, so that every library is judged by the same rule.
  const record = (offset) => {
    const t = now();
    if (t < recordFrom || count >= capacity) return;
    if (t >= recordUntil) {
      if (cpuEnd === undefined) cpuEnd = process.cpuUsage(cpuStart);
      return;
    }
    if (cpuStart === undefined) cpuStart = process.cpuUsage();
    let d = (t - offset) % 1000;
    if (d > 500) d -= 1000;
    samples[count++] = d;
  };
  const base = await untilSecond(0);
  if (shape === 'spread') await adapter.spread(jobs, record, base + 1000);
  else await adapter.aligned(jobs, record);
  recordFrom = Math.ceil((now() + WARMUP) / 1000) * 1000 - 100;
  recordUntil = recordFrom + seconds * 1000;
  await sleep(recordUntil - now() + 200);
  // A library that ran nothing after the window is charged up to now (the tail is idle).
  const cpu = cpuEnd ?? process.cpuUsage(cpuStart);
  const sorted = samples.subarray(0, count).sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    cpuPerRun: count > 0 ? (cpu.user + cpu.system) / count : Number.NaN,
    runs: count,
    due: jobs * seconds,
  };
}

async function throughput(adapter, { lib, jobs, seconds }) {
  // The window is judged by the clock inside the task as well as by a timer, so that a library that
  // saturates the event loop (and so delays every timer) is still measured on time.
  const WARMUP = 3000;
  let runs = 0;
  let startAt = Number.POSITIVE_INFINITY;
  let endAt = Number.POSITIVE_INFINITY;
  let cpuStart;
  let eluStart;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const firsts = new Float64Array(seconds + 1).fill(Number.NaN);
  const lasts = new Float64Array(seconds + 1);
  const end = () => {
    if (endAt === Number.NEGATIVE_INFINITY) return;
    endAt = Number.NEGATIVE_INFINITY;
    const elu = performance.eventLoopUtilization(eluStart);
    const cpu = process.cpuUsage(cpuStart);
    const bursts = [];
    for (let i = 0; i < firsts.length; i++) if (!Number.isNaN(firsts[i])) bursts.push(lasts[i] - firsts[i]);
    bursts.sort((a, b) => a - b);
    finish({
      capacity: runs / (elu.active / 1000),
      cpuPerMillion: ((cpu.user + cpu.system) / 1e6 / runs) * 1e6,
      burst: percentile(bursts, 0.5),
      runs,
      due: jobs * seconds,
    });
  };
  const record = () => {
    const t = now();
    if (t < startAt) return;
    if (cpuStart === undefined) {
      cpuStart = process.cpuUsage();
      eluStart = performance.eventLoopUtilization();
    }
    if (t >= endAt) return end();
    runs++;
    const second = ((t - startAt) / 1000) | 0;
    if (Number.isNaN(firsts[second])) firsts[second] = t;
    lasts[second] = t;
  };
  if (lib.endsWith('(duration)')) await adapter.alignedDuration(jobs, record);
  else await adapter.aligned(jobs, () => record());
  // Measure whole seconds: from just before a second's burst, for `seconds` seconds.
  startAt = Math.ceil((now() + WARMUP) / 1000) * 1000 - 200;
  endAt = startAt + seconds * 1000;
  setTimeout(end, endAt - now() + 1000);
  return done;
}

async function memory(adapter, { jobs, form, budget }) {
  const noop = () => {};
  const add = form === 'duration' ? adapter.durationAdder(3_600_000, noop) : adapter.cronAdder(noop);
  // The test's own strings are not the library's cost: neither in time nor in heap.
  const expressions =
    form === 'cron'
      ? Array.from({ length: jobs }, (_, i) => expression(i))
      : new Array(jobs).fill('0 30 9 * * *');
  globalThis.gc();
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  // Libraries too slow to take every job within the budget are measured on the jobs they took.
  const deadline = start + budget * 1000;
  let added = 0;
  while (added < jobs) {
    add(added, expressions[added]);
    added++;
    if ((added & 255) === 0 && performance.now() > deadline) break;
  }
  const elapsed = performance.now() - start;
  await sleep(50);
  globalThis.gc();
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  return { bytesPerJob: (after - before) / added, addMs: (elapsed * jobs) / added, added, keep: add.length };
}

/** 100,000 distinct valid six-field expressions (second, minute, hour, day of month). */
function expression(i) {
  return `${i % 60} ${Math.floor(i / 60) % 60} ${Math.floor(i / 3600) % 24} ${1 + Math.floor(i / 86_400)} * *`;
}

// ---------------------------------------------------------------------------------------------
// Library adapters. Each returns what it needs to keep alive; none is stopped (the child exits).

/** tscron with the given scheduler options (the default adapter has none). */
async function tscronAdapter(options = {}) {
  const { createScheduler, cronJob, durationJob } = await import('tscron');
  const scheduler = createScheduler({ timeZone: 'UTC', ...options });
  scheduler.start();
  return { createScheduler, cronJob, durationJob, scheduler };
}

/** The spread case on a tscron scheduler: `jobs` one-second jobs starting evenly over a second. */
function spreadDurationJobs(scheduler, durationJob) {
  return async (jobs, record, base) => {
    for (let i = 0; i < jobs; i++) {
      const offset = Math.floor((i * 1000) / jobs);
      scheduler.newJob(durationJob(1000), () => record(offset), { startAt: base + offset, name: `j${i}` });
    }
  };
}

const adapters = {
  async 'tscron (timerSlack 4ms)'() {
    const { durationJob, scheduler } = await tscronAdapter({ timerSlack: '4ms' });
    return { spread: spreadDurationJobs(scheduler, durationJob) };
  },

  async tscron() {
    const { cronJob, durationJob, scheduler } = await tscronAdapter();
    return {
      spread: spreadDurationJobs(scheduler, durationJob),
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) {
          scheduler.newJob(cronJob('* * * * * *', { withSeconds: true }), () => record(0), { name: `j${i}` });
        }
      },
      async alignedDuration(jobs, record) {
        const base = Math.ceil(Date.now() / 1000) * 1000 + 1000;
        for (let i = 0; i < jobs; i++)
          scheduler.newJob(durationJob(1000), record, { startAt: base, name: `j${i}` });
      },
      durationAdder: (every, fn) => () => scheduler.newJob(durationJob(every), fn),
      cronAdder: (fn) => (_i, expression) => scheduler.newJob(cronJob(expression, { withSeconds: true }), fn),
    };
  },

  async croner() {
    const { Cron } = await import('croner');
    const kept = [];
    return {
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) kept.push(new Cron('* * * * * *', () => record(0)));
      },
      cronAdder: (fn) => (_i, expression) => kept.push(new Cron(expression, fn)),
    };
  },

  async 'node-cron'() {
    const cron = (await import('node-cron')).default;
    const kept = [];
    return {
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) kept.push(cron.schedule('* * * * * *', () => record(0)));
      },
      cronAdder: (fn) => (_i, expression) => kept.push(cron.schedule(expression, fn)),
    };
  },

  async cron() {
    const { CronJob } = await import('cron');
    const kept = [];
    return {
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) {
          kept.push(CronJob.from({ cronTime: '* * * * * *', onTick: () => record(0), start: true }));
        }
      },
      cronAdder: (fn) => (_i, expression) =>
        kept.push(CronJob.from({ cronTime: expression, onTick: fn, start: true })),
    };
  },

  async 'node-schedule'() {
    const schedule = (await import('node-schedule')).default;
    const kept = [];
    return {
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) kept.push(schedule.scheduleJob('* * * * * *', () => record(0)));
      },
      cronAdder: (fn) => (_i, expression) => kept.push(schedule.scheduleJob(expression, fn)),
    };
  },

  async 'toad-scheduler'() {
    const { ToadScheduler, SimpleIntervalJob, CronJob, Task } = await import('toad-scheduler');
    const scheduler = new ToadScheduler();
    return {
      async spread(jobs, record, base) {
        // Interval jobs count from when they are added: add each one at its place in the second.
        await addStaggered(jobs, base, (i, offset) => {
          scheduler.addSimpleIntervalJob(
            new SimpleIntervalJob({ milliseconds: 1000 }, new Task(`j${i}`, () => record(offset)), {
              id: `j${i}`,
            }),
          );
        });
      },
      async aligned(jobs, record) {
        for (let i = 0; i < jobs; i++) {
          scheduler.addCronJob(
            new CronJob({ cronExpression: '* * * * * *' }, new Task(`j${i}`, () => record(0)), {
              id: `j${i}`,
            }),
          );
        }
      },
      durationAdder: (every, fn) => (i) =>
        scheduler.addSimpleIntervalJob(
          new SimpleIntervalJob({ milliseconds: every }, new Task(`j${i}`, fn), { id: `j${i}` }),
        ),
      cronAdder: (fn) => (i, expression) =>
        scheduler.addCronJob(
          new CronJob({ cronExpression: expression }, new Task(`j${i}`, fn), { id: `j${i}` }),
        ),
    };
  },

  async setInterval() {
    const kept = [];
    return {
      async spread(jobs, record, base) {
        await addStaggered(jobs, base, (_i, offset) => {
          kept.push(setInterval(() => record(offset), 1000));
        });
      },
      durationAdder: (every, fn) => () => kept.push(setInterval(fn, every)),
    };
  },
};

/**
 * Calls `add(i, offset)` for each job at `base + its place in the second`, for libraries whose
 * intervals count from when a job is added; `offset` is then the measured moment (mod 1000).
 */
async function addStaggered(jobs, base, add) {
  const order = Array.from({ length: jobs }, (_, i) => i);
  let next = 0;
  await new Promise((resolve) => {
    const step = () => {
      const t = now();
      while (next < jobs) {
        const i = order[next];
        const at = base + Math.floor((i * 1000) / jobs);
        if (at > Date.now()) break;
        add(i, now() % 1000);
        next++;
      }
      if (next >= jobs) resolve();
      else setTimeout(step, Math.max(0, base + Math.floor((order[next] * 1000) / jobs) - t));
    };
    setTimeout(step, Math.max(0, base - Date.now()));
  });
}

// Entry point, last so that every declaration above is initialised.
if (args[0] === '--child') await child(JSON.parse(args[1]));
else parent();
