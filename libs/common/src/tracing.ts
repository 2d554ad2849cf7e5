import {
  context,
  propagation,
  trace,
  SpanStatusCode,
  type Attributes,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { describeError } from './safe-error.js';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) names a collector.
 * Only the API (a no-op without an SDK) is imported statically; the SDK and the exporter are loaded when
 * tracing is switched on, so a process without the variable runs exactly as before.
 */

/** W3C trace context (`traceparent`, `tracestate`) as it travels in a queue payload. */
export type TraceCarrier = Record<string, string>;

/** What startTracing set up: a way to flush and stop it. */
export interface TracingSdk {
  shutdown(): Promise<void>;
}

/** Builds and registers the SDK: a tracer provider exporting OTLP/HTTP JSON to `url` in batches. */
export type TracingSdkLoader = (settings: { url: string; serviceName: string }) => Promise<TracingSdk>;

const TRACER_NAME = 'strata';

let sdk: TracingSdk | undefined;

/** Whether this process records spans (startTracing found an endpoint). */
export function tracingEnabled(): boolean {
  return sdk !== undefined;
}

/**
 * Starts tracing for `app` when the configuration names a collector; does nothing (loads nothing)
 * otherwise. Call once, before the Nest application is created. Returns whether tracing is on.
 */
export async function startTracing(
  config: AppConfig,
  app: 'gateway' | 'worker',
  load: TracingSdkLoader = loadTracingSdk,
): Promise<boolean> {
  const url = config.tracing.tracesUrl;
  if (!url || sdk) return sdk !== undefined;
  sdk = await load({ url, serviceName: config.tracing.serviceName ?? `strata-${app}` });
  return true;
}

/** Exports the spans still buffered and stops the SDK (no-op when tracing is off). */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

const loadTracingSdk: TracingSdkLoader = async ({ url, serviceName }) => {
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // OTEL_RESOURCE_ATTRIBUTES still apply; the service name is ours unless OTEL_SERVICE_NAME says otherwise.
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(resources.resourceFromAttributes({ 'service.name': serviceName }));
  // Batch size, delay and timeouts come from the standard OTEL_BSP_* variables; headers from
  // OTEL_EXPORTER_OTLP_HEADERS (read by the exporter).
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // The global tracer, an AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return { shutdown: () => provider.shutdown() };
};

/** The active trace context, ready for a queue payload; undefined when there is none (tracing off). */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The ids of the active span, for log lines (empty without one). */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export interface SpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  /** Continue the trace this carrier names (a job's enqueuing request); else the active context. */
  parent?: TraceCarrier;
}

/**
 * Runs `work` inside a new active span; a throw marks the span as failed (the error's class and message
 * only) and is rethrown. Without tracing, runs `work` with a non-recording span and nothing else.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ? propagation.extract(context.active(), options.parent) : context.active();
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(name, { kind: options.kind, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markSpanFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Error status plus an `exception` event, with what the logs may show of the error (secrets scrubbed). */
export function markSpanFailed(span: Span, error: unknown): void {
  const { type, message } = describeError(error);
  span.recordException({ name: type, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${type}: ${message}` });
}

/** Flushes and stops tracing when the Nest application closes (after the HTTP server has stopped). */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await shutdownTracing();
  }
}
