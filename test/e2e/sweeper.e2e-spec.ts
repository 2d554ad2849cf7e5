import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

describe('queue sweeper', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await Stack.start({
      // No worker consumes `system` yet, and the sweeper looks every 300 ms for jobs queued > 300 ms ago.
      workerEnv: { WORKER_QUEUES: 'ingest' },
      env: { SWEEPER_INTERVAL_MS: '300', SWEEPER_GRACE_MS: '300' },
    });
    token = await stack.mintToken(uniqueOwner('ops'), ['admin']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('re-enqueues a queued job whose queue entry was lost, and it then completes', async () => {
    const created = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token,
      body: { steps: 1, step_ms: 0 },
    });
    expect(created.status).toBe(202);
    const redis = stack.redis();
    try {
      const jobKey = `${stack.env.QUEUE_PREFIX}:system:${created.body.id}`;
      expect(await redis.exists(jobKey)).toBe(1);
      expect(await stack.flushQueues()).toBeGreaterThan(0);
      expect(await redis.exists(jobKey)).toBe(0);

      const sweeper = stack.workers[0];
      await sweeper!.waitForLog(
        (l) => l.msg === 'requeued a job whose queue entry was missing' && l.job_id === created.body.id,
        10_000,
      );
      expect(await redis.exists(jobKey)).toBe(1);
    } finally {
      redis.disconnect();
    }
    expect((await stack.waitForJob(token, created.body.id, () => true)).status).toBe('queued');
    await stack.startWorker({ WORKER_QUEUES: 'system' });
    await stack.waitForJob(token, created.body.id, (j) => j.status === 'completed');
  });
});
