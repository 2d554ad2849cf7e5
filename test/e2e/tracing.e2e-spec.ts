import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCollector, type CollectedSpan } from './support/otlp-collector.js';
import { Stack, uniqueOwner } from './support/stack.js';

// OTLP enums: span kinds and status codes.
const SERVER = 2;
const CONSUMER = 5;
const STATUS_ERROR = 2;

const GEOJSON = Buffer.from(
  JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [7.1, 50.7] } }],
  }),
);

describe('OpenTelemetry: one trace from the gateway request through the queue to the worker job', () => {
  let collector: OtlpCollector;
  let stack: Stack;
  let uploader: string;
  let admin: string;

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    stack = await Stack.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
      // `system` jobs wait for a worker started by a test below.
      workerEnv: { WORKER_QUEUES: 'ingest,preview' },
    });
    uploader = await stack.mintToken(uniqueOwner('traced'), ['upload']);
    admin = await stack.mintToken(uniqueOwner('traced-admin'), ['admin']);
  });

  afterAll(async () => {
    await stack?.stop();
    await collector?.stop();
  });

  const requestSpan = (route: string, requestId: string) =>
    collector.waitForSpan(
      (s) => s.service === 'strata-gateway' && s.name === route && s.attributes['strata.request_id'] === requestId,
    );
  const jobSpan = (jobId: string, queue: string) =>
    collector.waitForSpan(
      (s) => s.service === 'strata-worker' && s.attributes['job.id'] === jobId && s.attributes['job.queue'] === queue,
    );
  const expectChildOf = (child: CollectedSpan, parent: CollectedSpan): void => {
    expect(child.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
  };

  it('upload → preview → commit: each job span is the child of the request span that enqueued it', async () => {
    const uploaded = await stack.upload<{ job_id: string }>(uploader, { name: 'traced.geojson', data: GEOJSON });
    expect(uploaded.status).toBe(201);
    const jobId = uploaded.body.job_id;
    const previewRequest = `preview-${randomUUID()}`;
    const commitRequest = `commit-${randomUUID()}`;
    const preview = await stack.api('POST', `/api/ingest/preview/${jobId}`, {
      token: uploader,
      headers: { 'x-request-id': previewRequest },
    });
    expect(preview.status).toBe(200);
    const commit = await stack.api('POST', `/api/ingest/commit/${jobId}`, {
      token: uploader,
      body: { title: 'Traced' },
      headers: { 'x-request-id': commitRequest },
    });
    expect(commit.status).toBe(202);
    await stack.waitForJob(uploader, jobId, (j) => j.status === 'completed');

    const commitSpan = await requestSpan('POST /api/ingest/commit/:job_id', commitRequest);
    expect(commitSpan.kind).toBe(SERVER);
    expect(commitSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/ingest/commit/:job_id',
      'url.path': `/api/ingest/commit/${jobId}`,
      'http.response.status_code': 202,
    });
    const ingest = await jobSpan(jobId, 'ingest');
    expectChildOf(ingest, commitSpan);
    expect(ingest).toMatchObject({
      name: 'process ingest-dataset',
      kind: CONSUMER,
      attributes: {
        'job.id': jobId,
        'job.kind': 'file-dataset',
        'job.name': 'ingest-dataset',
        'job.queue': 'ingest',
        'job.attempt': 1,
        'job.outcome': 'completed',
        'messaging.system': 'bullmq',
        'strata.request_id': commitRequest,
      },
    });
    expect(ingest.status.code).not.toBe(STATUS_ERROR);

    // The awaited preview: its job span sits inside the request that waited for it.
    const previewSpan = await requestSpan('POST /api/ingest/preview/:job_id', previewRequest);
    expect(previewSpan.attributes['url.path']).toBe(`/api/ingest/preview/${jobId}`);
    const previewJob = await jobSpan(jobId, 'preview');
    expectChildOf(previewJob, previewSpan);
    expect(previewJob.attributes).toMatchObject({ 'job.kind': 'preview', 'job.attempt': 1 });
    expect(previewSpan.traceId).not.toBe(commitSpan.traceId);

    // Log lines name the span they were written in, so a request's logs lead to its trace.
    const enqueued = await stack.gateway.waitForLog(
      (l) => l.msg === 'enqueued' && l.job_id === jobId && l.job_name === 'ingest-dataset',
    );
    expect(enqueued).toMatchObject({ trace_id: commitSpan.traceId, span_id: commitSpan.spanId });
    const started = await stack.workers[0]!.waitForLog((l) => l.msg === 'job started' && l.job_id === jobId);
    expect(started).toMatchObject({ trace_id: ingest.traceId, span_id: ingest.spanId });
  });

  it('continues a caller’s own traceparent', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const parentId = traceId.slice(0, 16);
    const requestId = `caller-${randomUUID()}`;
    const res = await stack.api('GET', `/api/jobs/${randomUUID()}`, {
      token: uploader,
      headers: { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': requestId },
    });
    expect(res.status).toBe(404);
    const span = await requestSpan('GET /api/jobs/:id', requestId);
    expect(span).toMatchObject({ traceId, parentSpanId: parentId });
  });

  it('marks a failed job span as an error, and a stopping worker exports what it still holds', async () => {
    const requestId = `diag-${randomUUID()}`;
    const created = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token: admin,
      body: { steps: 1, step_ms: 0, fail_with: 'permanent' },
      headers: { 'x-request-id': requestId },
    });
    expect(created.status).toBe(202);
    const jobId = created.body.id;
    const diagnosticsSpan = await requestSpan('POST /api/admin/diagnostics', requestId);

    // A worker that would hold its spans for ten minutes: only its shutdown sends them.
    const worker = await stack.startWorker({ WORKER_QUEUES: 'system', OTEL_BSP_SCHEDULE_DELAY: '600000' });
    await stack.waitForJob(admin, jobId, (j) => j.status === 'failed');
    await new Promise((r) => setTimeout(r, 1000));
    expect(collector.spans.filter((s) => s.attributes['job.id'] === jobId)).toEqual([]);
    expect((await worker.stop()).code).toBe(0);

    const failed = await jobSpan(jobId, 'system');
    expectChildOf(failed, diagnosticsSpan);
    expect(failed).toMatchObject({
      name: 'process diagnostics',
      status: { code: STATUS_ERROR, message: expect.stringContaining('UnrecoverableError') },
      attributes: { 'job.kind': 'diagnostics', 'job.attempt': 1, 'strata.request_id': requestId },
    });
  });
});
