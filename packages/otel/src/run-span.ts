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
  CRON,
  JOB_ID,
  JOB_NAME,
  LOCK_ACQUIRED,
  LOCK_FENCE,
  RETRY,
  RUN_ATTEMPTS,
  RUN_STATUS,
  SCHEDULED_AT,
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
    const job = run.job;
    const attributes: Attributes = {
      [JOB_NAME]: job.name,
      [JOB_ID]: job.id,
      [SCHEDULED_AT]: run.scheduledAt.toISOString(),
    };
    const definition = job.definition;
    if (definition.kind === 'cron') attributes[CRON] = definition.expression;
    // A root: the context active at dispatch is the timer's, which may be left over from whatever
    // armed it (another run's task), and a run is no child of that.
    this.#span = tracer.startSpan(`tscron ${job.name}`, { kind: SpanKind.INTERNAL, attributes, root: true });
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

/** A fence as an attribute: a number while it is exact as one, its decimal text beyond. */
function fenceValue(fence: bigint): AttributeValue {
  return fence <= BigInt(Number.MAX_SAFE_INTEGER) && fence >= 0n ? Number(fence) : fence.toString();
}
