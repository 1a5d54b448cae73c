// What watching a scheduler costs: runs per second of a tscron scheduler running many trivial jobs,
// with no monitor, with PrometheusMonitor, with openTelemetry() while no OpenTelemetry provider is
// registered, and with openTelemetry() on the real SDK (tracer and meter providers registered, the
// AsyncLocalStorage context manager, spans batched to an exporter that drops them), beside the cost of
// the SDK calls openTelemetry() makes written by hand in a plain monitor (the same span, attributes,
// context and histogram record, none of the adapter's code), of one bare SDK span per run, and of
// that span plus one histogram record (the least a run's trace and duration can cost on the SDK),
// for reference. Each case runs in
// its own child process, the cases take turns `--repeat` times, and the median of each is reported
// with the nanoseconds per run it adds to the bare scheduler. Run after `npm run build`:
//
//   node --expose-gc bench/observability.mjs [--jobs 20000] [--names 100] [--seconds 4] [--repeat 3]
//
// The jobs share `--names` names (the `job` label's values): metrics SDKs keep one series per name,
// and a deployment has tens to hundreds of jobs, not 20,000.
//
// The OpenTelemetry SDK packages are the ones @tscron/otel tests with (hoisted to the root). A case
// whose package is not built or installed is reported as such.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { option } from './settings.mjs';

const SELF = fileURLToPath(import.meta.url);
const CASES = [
  'no monitor',
  'PrometheusMonitor',
  'openTelemetry(), nothing registered',
  'openTelemetry(), SDK',
  'reference: its SDK calls written by hand',
  'reference: a bare SDK span per run',
  'reference: a bare SDK span and one histogram record per run',
];
const SDK = 'openTelemetry(), SDK';
const BY_HAND = 'reference: its SDK calls written by hand';
const LEAST = 'reference: a bare SDK span and one histogram record per run';
const WARMUP_SECONDS = 3;

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else parent();

function parent() {
  const jobs = option('jobs', 20_000);
  const names = option('names', 100);
  const seconds = option('seconds', 4);
  const repeat = option('repeat', 3);
  console.log(
    `### Observability: ${jobs.toLocaleString('en')} trivial cron jobs (${names} names) due every second, one core, median of ${repeat}\n`,
  );
  console.log(
    'capacity = runs per second of busy event loop (median round); ns per run = its inverse, with the\n' +
      'fastest and slowest rounds; added = ns per run beyond the bare scheduler (medians).\n',
  );
  const results = new Map(CASES.map((name) => [name, []]));
  for (let round = 0; round < repeat; round++) {
    for (const name of CASES) results.get(name).push(measure({ name, jobs, names, seconds }));
  }
  const medians = new Map([...results].map(([name, runs]) => [name, median(runs)]));
  const base = medians.get(CASES[0]);
  console.log('| monitor | capacity runs/s | ns per run | rounds ns | added ns per run |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, result] of medians) {
    if (result.error) {
      console.log(`| ${name} | ${result.error} | | | |`);
      continue;
    }
    const perRun = 1e9 / result.capacity;
    const added = base?.capacity > 0 ? perRun - 1e9 / base.capacity : Number.NaN;
    const rounds = results
      .get(name)
      .filter((run) => !run.error)
      .map((run) => 1e9 / run.capacity);
    const failed = results.get(name).length - rounds.length;
    const spread = `${Math.round(Math.min(...rounds))}-${Math.round(Math.max(...rounds))}${
      failed > 0 ? ` (${failed} failed)` : ''
    }`;
    console.log(
      `| ${name} | ${Math.round(result.capacity).toLocaleString('en')} | ${Math.round(perRun)} | ${spread} | ${
        name === CASES[0] ? '' : Math.round(added)
      } |`,
    );
  }
  const sdk = medians.get(SDK);
  for (const reference of [BY_HAND, LEAST]) {
    const other = medians.get(reference);
    if (sdk?.capacity > 0 && other?.capacity > 0) {
      const beyond = Math.round(1e9 / sdk.capacity - 1e9 / other.capacity);
      console.log(`\n${SDK} costs ${beyond} ns per run beyond "${reference}".`);
    }
  }
  console.log('');
}

/** The result with the median capacity; an error when every try failed. */
function median(runs) {
  const ok = runs.filter((run) => !run.error).sort((a, b) => a.capacity - b.capacity);
  return ok.length === 0 ? runs[0] : ok[Math.floor((ok.length - 1) / 2)];
}

function measure(spec) {
  const result = spawnSync(process.execPath, ['--expose-gc', SELF, '--child', JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: (WARMUP_SECONDS + spec.seconds + 30) * 1000,
  });
  const line = result.stdout
    ?.split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  try {
    return JSON.parse(line ?? '');
  } catch {
    const lines = (result.stderr || 'no output').trim().split('\n');
    return { error: lines.find((text) => /Error/.test(text)) ?? lines.at(-1) };
  }
}

// ---------------------------------------------------------------------------------------------
// Child: one case; prints one JSON line.

async function child({ name, jobs, names, seconds }) {
  const { createScheduler, cronJob } = await import('tscron');
  let monitor;
  try {
    monitor = await monitorFor(name);
  } catch (error) {
    console.log(JSON.stringify({ error: `not available (${error.code ?? error.message})` }));
    return;
  }
  const scheduler = createScheduler({ timeZone: 'UTC', ...(monitor === undefined ? {} : { monitor }) });
  let runs = 0;
  for (let i = 0; i < jobs; i++) {
    scheduler.newJob(cronJob('* * * * * *', { withSeconds: true }), () => runs++, { name: `j${i % names}` });
  }
  scheduler.start();
  // Snapshots half a second after a burst, so that none falls inside one.
  const firstAt = Math.ceil(Date.now() / 1000 + WARMUP_SECONDS) * 1000 + 500;
  await sleepUntil(firstAt);
  const runsBefore = runs;
  const loopBefore = performance.eventLoopUtilization();
  await sleepUntil(firstAt + seconds * 1000);
  const loop = performance.eventLoopUtilization(loopBefore);
  const measured = runs - runsBefore;
  await scheduler.shutdown();
  console.log(JSON.stringify({ capacity: measured / (loop.active / 1000), runs: measured }));
}

function sleepUntil(at) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

async function monitorFor(name) {
  if (name === 'no monitor') return undefined;
  if (name === 'PrometheusMonitor') {
    const { PrometheusMonitor } = await import('@tscron/prometheus');
    const { Registry } = await import('prom-client');
    return new PrometheusMonitor({ registry: new Registry() });
  }
  if (name === BY_HAND) return await byHand();
  if (name.startsWith('reference')) {
    // What the SDK itself costs: the same set-up, one span started and ended per run, no tscron code.
    await registerSdk();
    const { trace } = await import('@opentelemetry/api');
    const tracer = trace.getTracer('reference');
    const monitor = {
      traceRun: () => {
        tracer.startSpan('run').end();
        return undefined;
      },
    };
    if (name.includes('histogram')) {
      const { metrics } = await import('@opentelemetry/api');
      const histogram = metrics.getMeter('reference').createHistogram('duration');
      const attributes = new Map();
      monitor.jobExecutionTime = (job, ms) => {
        let forJob = attributes.get(job.name);
        if (forJob === undefined) {
          forJob = { 'tscron.job.name': job.name };
          attributes.set(job.name, forJob);
        }
        histogram.record(ms / 1000, forJob);
      };
    }
    return monitor;
  }
  const { openTelemetry } = await import('@tscron/otel');
  if (name === SDK) await registerSdk();
  return openTelemetry();
}

/**
 * A plain monitor making the SDK calls openTelemetry() makes for a run with no lock: a root span with
 * the same name and attributes, the task inside its context, its status and tries at the end, and
 * the duration recorded. The counter is left out (openTelemetry() counts in a map the SDK reads).
 */
async function byHand() {
  await registerSdk();
  const { context, metrics, ROOT_CONTEXT, SpanKind, trace } = await import('@opentelemetry/api');
  const tracer = trace.getTracer('reference');
  const histogram = metrics.getMeter('reference').createHistogram('duration');
  const attributes = new Map();
  return {
    traceRun: ({ job, scheduledAt }) => {
      const span = tracer.startSpan(
        `tscron ${job.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'tscron.job.name': job.name,
            'tscron.job.id': job.id,
            'tscron.scheduled_at': scheduledAt.toISOString(),
            'faas.cron': job.definition.expression,
          },
        },
        ROOT_CONTEXT,
      );
      const inSpan = trace.setSpan(ROOT_CONTEXT, span);
      return {
        wrap: (task) => context.with(inSpan, task),
        end: ({ status }) => {
          span.setAttribute('tscron.run.status', status);
          span.setAttribute('tscron.run.attempts', 1);
          span.end();
        },
      };
    },
    jobExecutionTime: (job, ms) => {
      let forJob = attributes.get(job.name);
      if (forJob === undefined) {
        forJob = { 'tscron.job.name': job.name };
        attributes.set(job.name, forJob);
      }
      histogram.record(ms / 1000, forJob);
    },
  };
}

/** What an application's OpenTelemetry set-up registers, with exporters that drop what they get. */
async function registerSdk() {
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const dropAll = {
    export: (_spans, done) => done({ code: 0 }),
    shutdown: async () => {},
  };
  class IdleReader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
}
