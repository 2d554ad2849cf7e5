import 'reflect-metadata';
import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { parseConfig } from '@app/config';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  activeTraceIds,
  currentTraceCarrier,
  inSpan,
  shutdownTracing,
  startTracing,
  tracingEnabled,
  type TracingSdkLoader,
} from './tracing.js';

const fakeSdk = () => {
  const shutdown = vi.fn<() => Promise<void>>(async () => undefined);
  const load = vi.fn<TracingSdkLoader>(async () => ({ shutdown }));
  return { load, shutdown };
};

afterEach(async () => {
  await shutdownTracing();
});

describe('tracing switched off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('loads no SDK, registers nothing and leaves payloads and logs as they were', async () => {
    const { load } = fakeSdk();
    expect(await startTracing(parseConfig({}), 'gateway', load)).toBe(false);
    expect(load).not.toHaveBeenCalled();
    expect(tracingEnabled()).toBe(false);
    // The API alone: no tracer provider, no propagator, no context manager.
    const result = await inSpan('work', { kind: SpanKind.INTERNAL }, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceCarrier()).toBeUndefined();
      expect(activeTraceIds()).toEqual({});
      return 42;
    });
    expect(result).toBe(42);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    expect(carrier).toEqual({});
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('stays off with OTEL_SDK_DISABLED even when an endpoint is named', async () => {
    const { load } = fakeSdk();
    const config = parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' });
    expect(await startTracing(config, 'worker', load)).toBe(false);
    expect(load).not.toHaveBeenCalled();
  });

  it('still reports a failing piece of work as a failure, unchanged', async () => {
    const boom = new Error('boom');
    await expect(inSpan('work', { kind: SpanKind.INTERNAL }, () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

describe('tracing switched on', () => {
  it('loads the SDK once, for the traces URL and the default service name, and shuts it down', async () => {
    const { load, shutdown } = fakeSdk();
    const config = parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(await startTracing(config, 'worker', load)).toBe(true);
    expect(await startTracing(config, 'worker', load)).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith({ url: 'http://collector:4318/v1/traces', serviceName: 'strata-worker' });
    expect(tracingEnabled()).toBe(true);
    await shutdownTracing();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(tracingEnabled()).toBe(false);
  });

  it('takes OTEL_SERVICE_NAME and a signal-specific traces URL as given', async () => {
    const { load } = fakeSdk();
    const config = parseConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
      OTEL_SERVICE_NAME: 'strata-eu-gateway',
    });
    await startTracing(config, 'gateway', load);
    expect(load).toHaveBeenCalledWith({
      url: 'https://traces.example.com/otlp/spans',
      serviceName: 'strata-eu-gateway',
    });
  });
});
