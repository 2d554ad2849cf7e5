import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures } from '../fixtures/fixtures.js';
import { CountsStack, NO_LEFTOVERS, countsTruth, leftovers, loadedTable } from '../e2e/support/interruptions.js';
import type { Stack } from '../e2e/support/stack.js';
import { RedisServer } from './support/redis-server.js';

type Body = Record<string, unknown>;

const ROWS = 100_000;
const CHUNK = 2_000;
const OUTAGE_MS = 30_000;
/** Longer than any bounded wait of the gateway: a request still open after this is hanging. */
const HANG_MS = 20_000;

/**
 * Redis faults, on a redis-server of this file's own (the shared one is never touched): every key
 * flushed mid-run, and the server down for 30 s mid-run and then back on the same port, empty. The
 * database is the record; the sweeper re-enqueues what Redis lost, and every job ends exactly once.
 */
describe('Redis flushed or down mid-run', () => {
  let redis: RedisServer;
  let counts: CountsStack;
  let stack: Stack;
  let token: string;
  let sampleGeojson: Buffer;

  beforeAll(async () => {
    sampleGeojson = await readFile((await ensureFixtures())['sample.geojson']);
    redis = await RedisServer.start();
    counts = await CountsStack.start({
      name: 'redis-fault',
      chunk: CHUNK,
      importers: { 'counts-flush': 'flush', 'counts-outage': 'outage' },
      env: {
        REDIS_URL: redis.url,
        // One job at a time, so a run leaves jobs waiting in the queue behind the one running.
        WORKER_CONCURRENCY: '1',
        WORKER_LOCK_MS: '2000',
        SWEEPER_INTERVAL_MS: '500',
        SWEEPER_GRACE_MS: '3000',
      },
    });
    ({ stack, token } = counts);
  }, 120_000);

  afterAll(async () => {
    // Back up first if a failed test left it down: a worker's graceful stop waits for Redis.
    if (redis && !redis.running) await redis.launch();
    await counts?.stop();
    await redis?.close();
  });

  /** Uploads sample.geojson (10 features); resolves to the pending job's id. */
  const uploaded = async (): Promise<string> => {
    const up = await stack.upload<Body>(token, { name: 'sample.geojson', data: sampleGeojson });
    expect(up.status, up.text).toBe(201);
    return String(up.body.job_id);
  };

  const commit = async (jobId: string): Promise<void> => {
    const res = await stack.api('POST', `/api/ingest/commit/${jobId}`, { token, body: { title: 'Sample' } });
    expect(res.status, res.text).toBe(202);
  };

  /** An importer run first (the worker takes it), then three vector ingests queued behind it. */
  const submitBatch = async (batch: string): Promise<{ run: string; vectors: string[] }> => {
    // Previewed before the run starts, so the commits below only claim and enqueue.
    const pending = [await uploaded(), await uploaded(), await uploaded()];
    for (const jobId of pending) {
      const res = await stack.api('POST', `/api/ingest/preview/${jobId}`, { token });
      expect(res.status, res.text).toBe(200);
    }
    const run = await counts.startRun(ROWS, `counts-${batch}`);
    for (const jobId of pending) await commit(jobId);
    return { run, vectors: pending };
  };

  /** Waits until the run is part-way through and the vector jobs are still waiting behind it. */
  const midRun = async (jobs: { run: string; vectors: string[] }): Promise<void> => {
    await counts.midRun(jobs.run, 2 * CHUNK, 120_000);
    const waiting = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM ingest_jobs WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
      [jobs.vectors],
    );
    expect(Number(waiting[0]?.n)).toBeGreaterThan(0);
  };

  const finished = (jobId: string): Promise<Body> => counts.finished(jobId, 180_000);

  /** Every job ended as it should, exactly once: the run's rows and counters, one 10-feature table per ingest. */
  const expectAllDone = async (batch: string, jobs: { run: string; vectors: string[] }): Promise<void> => {
    expect(await finished(jobs.run)).toMatchObject({ status: 'completed_with_errors' });
    const truth = await countsTruth(stack, counts.table(batch), jobs.run, ROWS, CHUNK);
    expect(truth.actual).toEqual(truth.expected);
    for (const jobId of jobs.vectors) await expectOneTable(jobId);
  };

  const expectOneTable = async (jobId: string): Promise<void> => {
    const done = await finished(jobId);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', rows_processed: 10 });
    expect(await loadedTable(stack, jobId)).toMatchObject({ datasets: 1, features: 10, rows: 10 });
  };

  /** A request that must answer, whatever it answers, rather than hang. */
  const answered = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(HANG_MS),
    });
    return res;
  };

  const readiness = async (): Promise<{ status: number; type: string | null; body: Body }> => {
    const res = await fetch(`${stack.baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(HANG_MS) });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Body };
  };

  it('FLUSHALL mid-run: the sweeper re-enqueues what was lost, every job completes once', async () => {
    const jobs = await submitBatch('flush');
    await midRun(jobs);
    await redis.flushAll();
    const requeued = await stack.workers[0]!.waitForLog(
      (l) => l.msg === 'requeued a job whose queue entry was missing' && jobs.vectors.includes(String(l.job_id)),
      60_000,
    );
    expect(requeued.job_id).toBeDefined();
    await expectAllDone('flush', jobs);
    expect([stack.gateway.running, stack.workers[0]!.running]).toEqual([true, true]);
  });

  it('down for 30 s mid-run: refused or accepted truthfully, not ready, then ready; every job completes', async () => {
    const jobs = await submitBatch('outage');
    // Previewed now: a commit of an unpreviewed job previews first, which needs the queue (503 below).
    const during = await uploaded();
    const previewed = await stack.api('POST', `/api/ingest/preview/${during}`, { token });
    expect(previewed.status, previewed.text).toBe(200);
    await midRun(jobs);
    const downAt = Date.now();
    await redis.stop();

    // Readiness says so (problem+json naming Redis), and answers rather than waits.
    const notReady = await readiness();
    expect(notReady).toMatchObject({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
      body: { status: 503, checks: { redis: 'down', database: 'up', storage: 'up' } },
    });
    // What needs no queue still works: reading a job, staging an upload.
    expect((await answered('GET', `/api/jobs/${jobs.run}`)).status).toBe(200);
    const staged = await uploaded();
    // A preview needs a worker's answer through the queue: 503, a problem document without internals.
    const preview = await answered('POST', `/api/ingest/preview/${staged}`);
    const problem = (await preview.json()) as Body;
    expect({ status: preview.status, type: preview.headers.get('content-type') }).toEqual({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
    });
    expect(problem).toMatchObject({ status: 503, type: 'https://strata.dev/problems/dependency-unavailable' });
    expect(JSON.stringify(problem)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|redis:\/\/|\bat .*\.js/);
    // A commit is durable without Redis: it is stored as queued and the sweeper enqueues it later.
    const committed = await answered('POST', `/api/ingest/commit/${during}`, { title: 'During the outage' });
    expect(committed.status, await committed.clone().text()).toBe(202);
    expect(await committed.json()).toMatchObject({ job_id: during, status: 'queued' });

    // Still down until the outage has lasted its 30 s; the processes stay up throughout.
    while (Date.now() - downAt < OUTAGE_MS) {
      expect((await readiness()).status).toBe(503);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect([stack.gateway.running, stack.workers[0]!.running]).toEqual([true, true]);
    await redis.launch();

    const deadline = Date.now() + 60_000;
    let ready = await readiness();
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      ready = await readiness();
    }
    expect(ready).toMatchObject({ status: 200, body: { status: 'ok' } });

    await expectAllDone('outage', jobs);
    await expectOneTable(during);
    // The upload staged during the outage can be previewed now.
    const later = await stack.api('POST', `/api/ingest/preview/${staged}`, { token });
    expect(later.status, later.text).toBe(200);
  });

  it('afterwards: every job terminal, no staging table, no stored object nothing points at', async () => {
    expect(await leftovers(stack, counts.owner, counts.storageRoot)).toEqual(NO_LEFTOVERS);
  });
});
