import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

type Job = Record<string, unknown> & { id: string; status: string };

describe('job lifecycle through gateway → Redis → worker → PostgreSQL', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    // Two attempts with a short backoff keep the retry test quick.
    stack = await Stack.start({ env: { JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '200' } });
    token = await stack.mintToken(uniqueOwner('ops'), ['admin']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  const diagnostics = async (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Job> => {
    const res = await stack.api<Job>('POST', '/api/admin/diagnostics', { token, body, headers });
    expect(res.status).toBe(202);
    return res.body;
  };

  it('runs a job end to end and carries the request id into the worker logs', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const created = await diagnostics({ steps: 3, step_ms: 50 }, { 'x-request-id': requestId });
    expect(created).toMatchObject({ status: 'queued', step: 'queued', progress: 0, importer: 'diagnostics' });

    const done = await stack.waitForJob(token, created.id, (j) => j.status === 'completed');
    expect(done).toMatchObject({
      progress: 1,
      rows_processed: 3,
      rows_total: 3,
      step: 'done',
      attempts: 1,
      error: null,
    });
    expect(done.result).toMatchObject({
      gdal_bundled: false,
      gdal_version: expect.stringMatching(/^3\./),
      attempts: 1,
    });
    expect(Date.parse(String(done.completed_at))).toBeGreaterThanOrEqual(Date.parse(String(done.started_at)));

    const [row] = await stack.sql('SELECT status, progress, attempt_token FROM ingest_jobs WHERE id = $1', [
      created.id,
    ]);
    expect(row).toMatchObject({ status: 'completed', progress: 1 });
    expect(row?.attempt_token).toEqual(expect.any(String));

    const worker = stack.workers[0];
    const started = await worker!.waitForLog((l) => l.msg === 'job started' && l.job_id === created.id);
    expect(started.request_id).toBe(requestId);
    const finished = await worker!.waitForLog((l) => l.msg === 'job finished' && l.job_id === created.id);
    expect(finished).toMatchObject({ request_id: requestId, status: 'completed' });
  });

  it('reports progress while the job runs', async () => {
    const created = await diagnostics({ steps: 6, step_ms: 400 });
    const midway = await stack.waitForJob(
      token,
      created.id,
      (j) => j.status === 'processing' && Number(j.progress) > 0 && Number(j.progress) < 1,
    );
    expect(String(midway.step)).toMatch(/^step-\d-of-6$/);
    await stack.waitForJob(token, created.id, (j) => j.status === 'completed');
  });

  it('stops a running job at its next checkpoint when cancelled, and refuses a second cancel', async () => {
    const created = await diagnostics({ steps: 100, step_ms: 200 });
    await stack.waitForJob(token, created.id, (j) => j.status === 'processing' && Number(j.rows_processed) >= 1);
    const cancel = await stack.api<Job>('POST', `/api/jobs/${created.id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'processing', step: 'cancelling' });

    const cancelled = await stack.waitForJob(token, created.id, (j) => j.status === 'cancelled', 60_000);
    // Stopped at a checkpoint part-way, not after running all 100 steps.
    expect(Number(cancelled.rows_processed)).toBeLessThan(100);
    await stack.workers[0]!.waitForLog((l) => l.job_id === created.id && l.msg === 'job cancelled at a checkpoint');
    expect(cancelled.completed_at).not.toBeNull();

    const again = await stack.api('POST', `/api/jobs/${created.id}/cancel`, { token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      detail: "Job is already 'cancelled'; it cannot be cancelled.",
      current_status: 'cancelled',
    });
  });

  it('fails a permanent error at once, and retries it on request with a fresh attempt', async () => {
    const created = await diagnostics({ steps: 2, step_ms: 0, fail_with: 'permanent' });
    const failed = await stack.waitForJob(token, created.id, (j) => j.status === 'failed');
    expect(failed).toMatchObject({
      attempts: 1,
      error: { code: 'injected-failure', message: 'Diagnostics: injected permanent failure.' },
    });

    const [before] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      created.id,
    ]);
    const retried = await stack.api<Job>('POST', `/api/jobs/${created.id}/retry`, { token });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'queued', error: null });
    const failedAgain = await stack.waitForJob(token, created.id, (j) => j.status === 'failed' && j.attempts === 2);
    expect(failedAgain.error).toMatchObject({ code: 'injected-failure' });
    const [after] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      created.id,
    ]);
    expect(after?.attempt_token).not.toBe(before?.attempt_token);

    const notFailed = await diagnostics({ steps: 1, step_ms: 0 });
    await stack.waitForJob(token, notFailed.id, (j) => j.status === 'completed');
    const refused = await stack.api('POST', `/api/jobs/${notFailed.id}/retry`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe("Job is 'completed'; only a failed job can be retried.");
  });

  it('retries a transient failure with backoff and completes on the next attempt', async () => {
    const created = await diagnostics({ steps: 1, step_ms: 0, fail_with: 'transient' });
    const done = await stack.waitForJob(token, created.id, (j) => j.status === 'completed');
    expect(done).toMatchObject({ attempts: 2, error: null });
    expect(done.result).toMatchObject({ attempts: 2 });
  });
});

describe('queued jobs, worker readiness and graceful shutdown', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    // This worker consumes only the ingest queue: diagnostics jobs stay queued until a system worker starts.
    stack = await Stack.start({ workerEnv: { WORKER_QUEUES: 'ingest' }, env: { SWEEPER_INTERVAL_MS: '0' } });
    token = await stack.mintToken(uniqueOwner('ops'), ['admin']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('never starts a queued job that was cancelled', async () => {
    const created = await stack.api<Job>('POST', '/api/admin/diagnostics', { token, body: { steps: 1, step_ms: 0 } });
    const cancel = await stack.api<Job>('POST', `/api/jobs/${created.body.id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'cancelled', step: 'cancelled' });

    const worker = await stack.startWorker({ WORKER_QUEUES: 'system' });
    await worker.waitForLog(
      (l) => l.job_id === created.body.id && l.msg === 'job not runnable; acknowledging delivery',
    );
    const job = await stack.waitForJob(token, created.body.id, () => true);
    expect(job).toMatchObject({ status: 'cancelled', started_at: null, attempts: 0 });
    await worker.stop();
  });

  it('does not take jobs until its dependencies answer', async () => {
    const created = await stack.api<Job>('POST', '/api/admin/diagnostics', { token, body: { steps: 1, step_ms: 0 } });
    // Storage root below a regular file: the storage check cannot pass.
    const blocked = await stack.startWorker(
      { WORKER_QUEUES: 'system', STORAGE_LOCAL_ROOT: '/dev/null/strata' },
      { waitUntilConsuming: false },
    );
    const waiting = await blocked.waitForLog((l) => l.msg === 'waiting for dependencies before taking jobs');
    expect(waiting.failing).toEqual(['storage']);
    // Several failed readiness rounds with the job on its queue all along: the worker kept checking and never took it.
    await blocked.waitForLog((l) => l.msg === 'waiting for dependencies before taking jobs' && Number(l.round) >= 3);
    expect(blocked.logs().filter((l) => l.msg === 'consuming' || l.job_id === created.body.id)).toEqual([]);
    expect((await stack.waitForJob(token, created.body.id, () => true)).status).toBe('queued');
    const stopped = await blocked.stop();
    expect(stopped.code).toBe(0);

    const healthy = await stack.startWorker({ WORKER_QUEUES: 'system' });
    await stack.waitForJob(token, created.body.id, (j) => j.status === 'completed');
    await healthy.stop();
  });

  it('finishes the active job before exiting on SIGTERM', async () => {
    const worker = await stack.startWorker({ WORKER_QUEUES: 'system' });
    const created = await stack.api<Job>('POST', '/api/admin/diagnostics', { token, body: { steps: 8, step_ms: 250 } });
    await stack.waitForJob(token, created.body.id, (j) => j.status === 'processing' && Number(j.rows_processed) >= 1);
    const exit = await worker.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const job = await stack.waitForJob(token, created.body.id, () => true);
    expect(job).toMatchObject({ status: 'completed', rows_processed: 8 });
  });
});
