import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { JobStatus, Lock, RunTrace, TracedRun } from 'tscron';
import {
  type CRON,
  type JOB_ID,
  type JOB_NAME,
  LOCK_ACQUIRED,
  LOCK_FENCE,
  RETRY,
  RUN_ATTEMPTS,
  RUN_STATUS,
  type SCHEDULED_AT,
} from './names.js';

/**
 * One run's span, from dispatch (before the lock) to the end of the after-listeners; each try of
 * the task runs inside the span's context, so that spans the task makes are its children.
 */
export class RunSpan implements RunTrace {
  readonly #span: Span;
  readonly #context: Context;
  #tries = 0;

  constructor(tracer: Tracer, run: TracedRun) {
    // A root, started in the root context rather than with `root: true` (which makes the SDK look up
    // the active context and copy it without its span): the context active at dispatch is the
    // timer's, which may be left over from whatever armed it (another run's task), and a run is no
    // child of that.
    this.#span = tracer.startSpan(
      `tscron ${run.job.name}`,
      { kind: SpanKind.INTERNAL, attributes: startAttributes(run) },
      ROOT_CONTEXT,
    );
    this.#context = trace.setSpan(ROOT_CONTEXT, this.#span);
  }

  locked(lock: Lock | undefined): void {
    const fence = lock?.fence;
    if (fence === undefined) {
      this.#span.addEvent(LOCK_ACQUIRED);
      return;
    }
    const value = fenceValue(fence);
    this.#span.setAttribute(LOCK_FENCE, value);
    this.#span.addEvent(LOCK_ACQUIRED, { [LOCK_FENCE]: value });
  }

  wrap<T>(task: () => T): T {
    const attempt = ++this.#tries;
    if (attempt > 1) this.#span.addEvent(RETRY, { [RUN_ATTEMPTS]: attempt });
    return context.with(this.#context, task);
  }

  end(outcome: { status: JobStatus; error?: unknown }): void {
    const span = this.#span;
    span.setAttribute(RUN_STATUS, outcome.status);
    if (this.#tries > 0) span.setAttribute(RUN_ATTEMPTS, this.#tries);
    if (outcome.status === 'fail') {
      const error = outcome.error;
      span.recordException(error instanceof Error || typeof error === 'string' ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    span.end();
  }
}

/**
 * The span's attributes at its start (where samplers see them). The keys are written out rather than
 * computed from the names' constants: an object literal with fixed keys gets a fast shape, and the
 * SDK copies the object twice per span (computed keys made that cost about 1 µs more per run).
 */
function startAttributes(run: TracedRun): Attributes {
  const job = run.job;
  const scheduledAt = isoText(run.scheduledAt);
  const definition = job.definition;
  return definition.kind === 'cron'
    ? ({
        'tscron.job.name': job.name,
        'tscron.job.id': job.id,
        'tscron.scheduled_at': scheduledAt,
        'faas.cron': definition.expression,
      } satisfies Record<typeof JOB_NAME | typeof JOB_ID | typeof SCHEDULED_AT | typeof CRON, string>)
    : ({
        'tscron.job.name': job.name,
        'tscron.job.id': job.id,
        'tscron.scheduled_at': scheduledAt,
      } satisfies Record<typeof JOB_NAME | typeof JOB_ID | typeof SCHEDULED_AT, string>);
}

// The last time written as text: the runs of a burst share their scheduled time, and `toISOString`
// costs more than the rest of the attributes together.
let lastIsoTime = Number.NaN;
let lastIsoText = '';

/** `date.toISOString()`, remembered for the last time asked. */
function isoText(date: Date): string {
  const time = date.getTime();
  if (time !== lastIsoTime) {
    lastIsoText = date.toISOString();
    lastIsoTime = time;
  }
  return lastIsoText;
}

/** A fence as an attribute: a number while it is exact as one, its decimal text beyond. */
function fenceValue(fence: bigint): AttributeValue {
  return fence <= BigInt(Number.MAX_SAFE_INTEGER) && fence >= 0n ? Number(fence) : fence.toString();
}
