import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLargePoints } from '../fixtures/large.js';
import {
  alive,
  childrenOf,
  commitUpload,
  killAndReplace,
  loadedOnce,
  loadedTable,
  stagingTables,
} from './support/interruptions.js';
import { Stack, uniqueOwner } from './support/stack.js';

type Body = Record<string, unknown>;

/** Large enough that loading it takes seconds, so it can be interrupted half-way. */
const POINTS = 1_000_000;

describe('interrupting an ingest: cancel, and a worker killed mid-load', () => {
  let stack: Stack;
  let token: string;
  let data: Buffer;

  beforeAll(async () => {
    data = await readFile(await ensureLargePoints(POINTS));
    // Short locks so BullMQ notices a dead worker within seconds; no sweeper, so recovery is BullMQ's.
    stack = await Stack.start({
      env: {
        WORKER_LOCK_MS: '1500',
        SWEEPER_INTERVAL_MS: '0',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('interrupter'), ['upload']);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const committed = (title: string): Promise<string> =>
    commitUpload(stack, token, { name: 'points.gpkg', data }, { title });

  /** Waits until GDAL is loading rows and has reported progress (the child process is running). */
  const loading = (jobId: string) =>
    stack.waitForJob(
      token,
      jobId,
      (j) => j.status === 'processing' && j.step === 'loading' && Number(j.progress) > 0.06,
      60_000,
    );

  it('cancels a running load mid-way, leaving no table and no dataset', async () => {
    const jobId = await committed('To be cancelled');
    const midway = await loading(jobId);
    // Progress comes from the rows the load's COPY has written, against the layer's feature count.
    expect(midway.rows_total).toBe(POINTS);
    expect(Number(midway.rows_processed)).toBeGreaterThan(0);
    expect(Number(midway.rows_processed)).toBeLessThan(POINTS);
    const worker = stack.workers[0]!;
    const gdalChildren = await childrenOf(worker.child.pid!);
    expect(gdalChildren.length).toBeGreaterThan(0);

    const res = await stack.api<Body>('POST', `/api/jobs/${jobId}/cancel`, { token });
    expect(res.status).toBe(200);
    const job = await stack.waitForJob(token, jobId, (j) => j.status === 'cancelled', 60_000);
    expect(job).toMatchObject({ status: 'cancelled', dataset_id: null });
    // Stopped part-way through the rows, not after the load ran to its end.
    expect(Number(job.rows_processed)).toBeLessThan(POINTS);
    await worker.waitForLog((l) => l.job_id === jobId && l.msg === 'job cancelled at a checkpoint');
    expect(await stagingTables(stack, jobId)).toEqual([]);
    expect(await stack.sql('SELECT id FROM datasets WHERE source_job_id = $1', [jobId])).toEqual([]);
    // The GDAL process doing the load was killed; the worker's pre-forked spare (if any) is left idle.
    const survivors: number[] = [];
    for (const pid of gdalChildren) if (await alive(pid)) survivors.push(pid);
    expect(survivors).toHaveLength(gdalChildren.length - 1);
    expect(worker.running).toBe(true);
  });

  it('finishes on another worker after kill -9 mid-load, with exactly the source features', async () => {
    const jobId = await committed('Survives a crash');
    await loading(jobId);
    // Its GDAL child (loading) notices the worker is gone and exits too.
    const gdalChildren = await killAndReplace(stack, stack.workers[0]!);
    expect(gdalChildren.length).toBeGreaterThan(0);

    const done = await stack.waitForJob(token, jobId, (j) => j.status !== 'processing', 180_000);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', rows_processed: POINTS });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    expect(await loadedTable(stack, jobId)).toEqual(loadedOnce(POINTS));
  });

  it('on Ctrl-C (SIGINT to the worker and its GDAL child) finishes the running ingest, then exits', async () => {
    const jobId = await committed('Graceful');
    await loading(jobId);
    const worker = stack.workers.at(-1)!;
    const gdalChildren = await childrenOf(worker.child.pid!);
    expect(gdalChildren.length).toBeGreaterThan(0);
    // What a terminal's Ctrl-C does: the signal reaches every process of the foreground group.
    for (const pid of gdalChildren) process.kill(pid, 'SIGINT');
    const exited = await worker.stop('SIGINT');
    expect(exited.code).toBe(0);

    const job = await stack.waitForJob(token, jobId, () => true);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'completed', rows_processed: POINTS, attempts: 1 });
    const [row] = await stack.sql<{ feature_count: string }>(
      'SELECT feature_count FROM datasets WHERE source_job_id = $1',
      [jobId],
    );
    expect(Number(row!.feature_count)).toBe(POINTS);
  });
});
