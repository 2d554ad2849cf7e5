import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

describe('a worker killed mid-job (kill -9)', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    // Short locks so BullMQ notices the dead worker within seconds instead of the default 30 s.
    stack = await Stack.start({ env: { WORKER_LOCK_MS: '1500', SWEEPER_INTERVAL_MS: '0' } });
    token = await stack.mintToken(uniqueOwner('ops'), ['admin']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('hands the job to another worker, which finishes it under a new attempt token', async () => {
    const created = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token,
      body: { steps: 12, step_ms: 250 },
    });
    await stack.waitForJob(token, created.body.id, (j) => j.status === 'processing' && Number(j.rows_processed) >= 2);
    const [before] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      created.body.id,
    ]);

    const victim = stack.workers[0]!;
    const killed = await victim.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const stuck = await stack.waitForJob(token, created.body.id, () => true);
    expect(stuck.status).toBe('processing');

    const rescuer = await stack.startWorker();
    const done = await stack.waitForJob(token, created.body.id, (j) => j.status === 'completed', 30_000);
    expect(done).toMatchObject({ attempts: 2, rows_processed: 12, progress: 1 });
    const [after] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      created.body.id,
    ]);
    expect(after?.attempt_token).not.toBe(before?.attempt_token);
    const started = await rescuer.waitForLog((l) => l.msg === 'job started' && l.job_id === created.body.id);
    expect(started.job_id).toBe(created.body.id);
  });
});
