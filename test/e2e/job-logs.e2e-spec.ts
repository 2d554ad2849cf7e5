import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner, type AppProcess } from './support/stack.js';

type LogLine = Record<string, unknown>;

const GEOJSON = Buffer.from(
  JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { name: 'a' }, geometry: { type: 'Point', coordinates: [7.1, 50.7] } },
      { type: 'Feature', properties: { name: 'b' }, geometry: { type: 'Point', coordinates: [7.2, 50.8] } },
    ],
  }),
);

/** Every line a worker wrote after `from` (an index into its output), parsed; a non-JSON line fails the test. */
function linesSince(worker: AppProcess, from: number): LogLine[] {
  return worker.output.slice(from).map((line) => {
    try {
      return JSON.parse(line) as LogLine;
    } catch {
      throw new Error(`${worker.name} wrote a line that is not a structured log line: ${line}`);
    }
  });
}

/** Waits until the worker has logged `msg` for the job, and a little longer for lines still in flight. */
async function settled(worker: AppProcess, jobId: string, msg: string): Promise<void> {
  await worker.waitForLog((l) => l.job_id === jobId && l.msg === msg, 30_000);
  await new Promise((r) => setTimeout(r, 300));
}

describe('job log lines carry job_id, attempt and the request id that caused them', () => {
  let stack: Stack;
  let uploader: string;
  let admin: string;
  let fileWorker: AppProcess;

  beforeAll(async () => {
    stack = await Stack.start({
      // The first worker takes files (preview, ingest); `system` waits for a second one. Debug level,
      // so the GDAL runner's own lines are there too. The sweeper looks every 300 ms.
      env: { SWEEPER_INTERVAL_MS: '300', SWEEPER_GRACE_MS: '300', JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '100' },
      workerEnv: { WORKER_QUEUES: 'ingest,preview', LOG_LEVEL: 'debug' },
    });
    fileWorker = stack.workers[0]!;
    uploader = await stack.mintToken(uniqueOwner('logs'), ['upload']);
    admin = await stack.mintToken(uniqueOwner('logs-admin'), ['admin']);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('upload → preview → commit: each run is logged under its own request id, by every logger', async () => {
    const uploaded = await stack.upload<{ job_id: string }>(uploader, { name: 'points.geojson', data: GEOJSON });
    expect(uploaded.status).toBe(201);
    const jobId = uploaded.body.job_id;
    const previewRequest = `preview-${randomUUID()}`;
    const commitRequest = `commit-${randomUUID()}`;
    const from = fileWorker.output.length;

    const preview = await stack.api('POST', `/api/ingest/preview/${jobId}`, {
      token: uploader,
      headers: { 'x-request-id': previewRequest },
    });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('x-request-id')).toBe(previewRequest);
    const commit = await stack.api('POST', `/api/ingest/commit/${jobId}`, {
      token: uploader,
      body: { title: 'Logged points' },
      headers: { 'x-request-id': commitRequest },
    });
    expect(commit.status).toBe(202);
    expect(commit.headers.get('x-request-id')).toBe(commitRequest);
    await stack.waitForJob(uploader, jobId, (j) => j.status === 'completed');
    await settled(fileWorker, jobId, 'job finished');

    // Only this job ran on this worker meanwhile: every line it wrote belongs to it.
    const lines = linesSince(fileWorker, from);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      expect(line, JSON.stringify(line)).toMatchObject({ job_id: jobId, attempt: 1 });
      const expected = line.queue === 'preview' ? previewRequest : commitRequest;
      expect(line.request_id, JSON.stringify(line)).toBe(expected);
    }
    const seen = (queue: string) => lines.filter((l) => l.queue === queue).map((l) => l.msg);
    // The GDAL runner logs through Nest's logger, not the job's: the fields come from the job's context.
    expect(seen('preview')).toEqual(
      expect.arrayContaining(['GDAL task started', 'GDAL task finished', 'preview ready']),
    );
    expect(seen('ingest')).toEqual(
      expect.arrayContaining(['job started', 'GDAL task started', 'GDAL task finished', 'job finished']),
    );
    expect(lines.find((l) => l.msg === 'GDAL task started' && l.queue === 'ingest')).toMatchObject({
      context: 'GdalTaskRunner',
      job_name: 'ingest-dataset',
    });
    // The worker's own split of the attempt: each step from when it started (the GDAL child's steps too,
    // which begin between two progress writes), adding up to the attempt's duration.
    const finished = lines.find((l) => l.msg === 'job finished' && l.queue === 'ingest') as {
      duration_ms: number;
      steps_ms: Record<string, number>;
    };
    expect(Object.keys(finished.steps_ms)).toEqual(
      expect.arrayContaining(['starting', 'loading', 'indexing', 'finalizing', 'publishing']),
    );
    const total = Object.values(finished.steps_ms).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - finished.duration_ms)).toBeLessThanOrEqual(Object.keys(finished.steps_ms).length);
  });

  it('keeps the original request id through a sweeper re-enqueue and counts attempts across retries', async () => {
    const requestId = `diag-${randomUUID()}`;
    const created = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token: admin,
      body: { steps: 2, step_ms: 10, fail_with: 'transient' },
      headers: { 'x-request-id': requestId },
    });
    expect(created.status).toBe(202);
    const jobId = created.body.id;
    await stack.gateway.waitForLog((l) => l.msg === 'enqueued' && l.job_id === jobId);

    // Redis loses the entry; the sweeper (on the file worker) puts it back from the job row.
    expect(await stack.flushQueues()).toBeGreaterThan(0);
    const requeued = await fileWorker.waitForLog(
      (l) => l.msg === 'requeued a job whose queue entry was missing' && l.job_id === jobId,
      10_000,
    );
    expect(requeued.request_id).toBe(requestId);

    // A fresh worker: all its output counts (it may take the job before startWorker has returned).
    const systemWorker = await stack.startWorker({ WORKER_QUEUES: 'system', LOG_LEVEL: 'debug' });
    const from = 0;
    await stack.waitForJob(admin, jobId, (j) => j.status === 'completed');
    await settled(systemWorker, jobId, 'job finished');

    // From the first delivery on (the worker may still log that it is consuming just before).
    const all = linesSince(systemWorker, from);
    const lines = all.slice(all.findIndex((l) => l.msg === 'job started'));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      expect(line, JSON.stringify(line)).toMatchObject({ job_id: jobId, request_id: requestId, queue: 'system' });
    }
    // Two transient failures, then the last attempt succeeds: each line names its own attempt.
    const byAttempt = (msg: string) => lines.filter((l) => l.msg === msg).map((l) => l.attempt);
    expect(byAttempt('job started')).toEqual([1, 2, 3]);
    expect(byAttempt('transient failure; BullMQ will retry with backoff')).toEqual([1, 2]);
    expect(byAttempt('job finished')).toEqual([3]);
  });
});
