import { SpanKind, trace } from '@opentelemetry/api';
import { inSpan, tracingEnabled } from '@app/common';
import type { BasePayload } from '@app/queues';
import type { Job } from 'bullmq';

/** The fields every log line written while a job runs carries (the names operators search by). */
export interface JobLogBindings {
  job_id: string;
  /** 1-based delivery number of this run. */
  attempt: number;
  /** The gateway request that created, committed or retried the job (null for CLI-made jobs). */
  request_id: string | null;
  queue: string;
  job_name: string;
}

export function jobLogBindings(job: Job<BasePayload>): JobLogBindings {
  return {
    job_id: job.data.jobId,
    attempt: job.attemptsMade + 1,
    request_id: job.data.requestId ?? null,
    queue: job.queueName,
    job_name: job.name,
  };
}

/**
 * Runs one delivery inside a CONSUMER span that continues the trace of the request that enqueued it
 * (from the payload's W3C trace context). A throw (a retry or a failure) marks the span as failed. Only
 * while tracing is on; otherwise `work` runs as it is.
 */
export function traceJobRun<T>(job: Job<BasePayload>, work: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return work();
  const bindings = jobLogBindings(job);
  return inSpan(
    `process ${job.name}`,
    {
      kind: SpanKind.CONSUMER,
      ...(job.data.traceContext ? { parent: job.data.traceContext } : {}),
      attributes: {
        'job.id': bindings.job_id,
        // The job runner narrows this to the domain kind (file-dataset, vrt…) once it has the row.
        'job.kind': job.name,
        'job.name': job.name,
        'job.queue': bindings.queue,
        'job.attempt': bindings.attempt,
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': bindings.queue,
        'messaging.message.id': job.id ?? bindings.job_id,
        ...(bindings.request_id ? { 'strata.request_id': bindings.request_id } : {}),
      },
    },
    async (span) => {
      const result = await work();
      const outcome = (result as { outcome?: unknown } | null | undefined)?.outcome;
      if (typeof outcome === 'string') span.setAttribute('job.outcome', outcome);
      return result;
    },
  );
}

/** Names the domain kind of the job on the active job span (no-op without one). */
export function annotateJobKind(kind: string): void {
  trace.getActiveSpan()?.setAttribute('job.kind', kind);
}
