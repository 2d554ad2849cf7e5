import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import gdal from 'gdal-async';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLargePoints, ensureLargeRaster } from '../fixtures/large.js';
import {
  CountsStack,
  NO_LEFTOVERS,
  childrenOf,
  commitUpload,
  countsTruth,
  killAndReplace,
  leftovers,
  loadedOnce,
  loadedTable,
  storedFiles,
} from '../e2e/support/interruptions.js';
import type { AppProcess, Stack } from '../e2e/support/stack.js';
import { SIZE, PX, VrtClient, X0, Y0 } from '../e2e/support/vrt-client.js';

type Body = Record<string, unknown>;

/** Enough points that the load's COPY runs for seconds; enough pixels that the COG conversion does. */
const POINTS = 500_000;
const RASTER_SIZE = 6000;
const ROWS = 200_000;
const CHUNK = 5_000;

/**
 * `kill -9` of the worker in the middle of each kind of work — a vector load's COPY, a raster's COG
 * conversion, an importer run, a VRT regeneration's publish — and of a GDAL child mid-conversion. Each
 * kill happens at a moment the test has observed (the job's step and progress, a scratch file, a
 * waiting lock), never after a guessed delay. A new worker finishes every job; afterwards the data is
 * exact and nothing is left behind.
 */
describe('a worker killed mid-work (kill -9): a new worker finishes every job', () => {
  let counts: CountsStack;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    await Promise.all([ensureLargePoints(POINTS), ensureLargeRaster(RASTER_SIZE)]);
    counts = await CountsStack.start({
      name: 'kill-worker',
      chunk: CHUNK,
      env: {
        // BullMQ hands a dead worker's job to another within seconds; the sweeper runs as in production.
        WORKER_LOCK_MS: '1500',
        SWEEPER_INTERVAL_MS: '2000',
        SWEEPER_GRACE_MS: '10000',
      },
    });
    ({ stack, token } = counts);
  }, 180_000);

  afterAll(async () => {
    await counts?.stop();
  });

  const current = (): AppProcess => stack.workers.at(-1)!;

  /** Uploads and commits a file (titled by its name); resolves to the job id. */
  const committed = async (path: string, name: string): Promise<string> =>
    commitUpload(stack, token, { name, data: await readFile(path) }, { title: name });

  const finished = (jobId: string): Promise<Body> => counts.finished(jobId, 240_000);

  it('mid vector load (rows streaming into the staging table): the table holds exactly the source features', async () => {
    const jobId = await committed(await ensureLargePoints(POINTS), 'points.gpkg');
    const midway = await stack.waitForJob(
      token,
      jobId,
      (j) => j.status === 'processing' && j.step === 'loading' && Number(j.rows_processed) > 0,
      120_000,
    );
    expect(Number(midway.rows_processed)).toBeLessThan(POINTS);
    await killAndReplace(stack);

    const done = await finished(jobId);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', rows_processed: POINTS });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    expect(await loadedTable(stack, jobId)).toEqual(loadedOnce(POINTS));
  });

  /**
   * Waits until the COG conversion is writing its scratch file; resolves to the scratch files. Polled
   * every 25 ms, not through a progress tick: the job's progress is written once a second, and a warm
   * GDAL child converts this raster in about a second, so a tick may never come.
   */
  const converting = async (jobId: string): Promise<string[]> => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const job = (await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body;
      if (job.status === 'processing' && job.step === 'converting') {
        const parts = (await storedFiles(counts.storageRoot)).filter((f) => f.includes('.part'));
        if (parts.length > 0) return parts;
      } else if (!['pending', 'queued', 'processing'].includes(String(job.status))) {
        throw new Error(`job ${jobId} ended before it was seen converting: ${JSON.stringify(job)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${jobId} was not seen converting`);
  };

  /** The raster dataset a job made: one, with its COG stored and readable at full size. */
  const expectOneCog = async (jobId: string): Promise<void> => {
    const datasets = await stack.sql<{ storage_key: string }>(
      'SELECT storage_key FROM datasets WHERE source_job_id = $1',
      [jobId],
    );
    expect(datasets).toHaveLength(1);
    const cog = await gdal.openAsync(join(counts.storageRoot, datasets[0]!.storage_key));
    try {
      const size = await cog.rasterSizeAsync;
      expect([size.x, size.y, await cog.bands.countAsync()]).toEqual([RASTER_SIZE, RASTER_SIZE, 3]);
    } finally {
      cog.close();
    }
  };

  it('mid COG conversion: one raster dataset, its COG complete, no scratch file of the dead attempt', async () => {
    const jobId = await committed(await ensureLargeRaster(RASTER_SIZE), 'noise.tif');
    expect((await converting(jobId)).length).toBeGreaterThan(0);
    await killAndReplace(stack);

    const done = await finished(jobId);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed' });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    await expectOneCog(jobId);
  });

  it('a GDAL child killed mid-conversion: the job fails as a GDAL crash, the worker lives on', async () => {
    const jobId = await committed(await ensureLargeRaster(RASTER_SIZE), 'noise.tif');
    expect((await converting(jobId)).length).toBeGreaterThan(0);
    const worker = current();
    const children = await childrenOf(worker.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    // The child doing the conversion, and a pre-forked spare if there is one.
    for (const pid of children) process.kill(pid, 'SIGKILL');

    // A GDAL crash is permanent (a file that crashes GDAL would crash it again): failed at once, truthfully.
    const done = await finished(jobId);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, dataset_id: null, error: { code: 'gdal-crashed' } });
    expect(await stack.sql('SELECT id FROM datasets WHERE source_job_id = $1', [jobId])).toEqual([]);
    expect(worker.running).toBe(true);
    const scratch = (await storedFiles(counts.storageRoot)).filter((f) => f.includes('.part'));
    expect(scratch).toEqual([]);
  });

  it('mid importer run: every row exactly once, counters equal the truth', async () => {
    const runId = await counts.startRun(ROWS);
    await counts.midRun(runId, 6 * CHUNK, 180_000);
    const [atKill] = await stack.sql<{ chunks: string }>(
      'SELECT count(*) AS chunks FROM import_chunks WHERE job_id = $1',
      [runId],
    );
    await killAndReplace(stack);
    expect(Number(atKill?.chunks)).toBeLessThan(ROWS / CHUNK);

    const done = await finished(runId);
    expect(done).toMatchObject({ status: 'completed_with_errors' });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    const truth = await countsTruth(stack, counts.table(), runId, ROWS, CHUNK);
    expect(truth.actual).toEqual(truth.expected);
  });

  it('mid VRT regeneration (document stored, publish waiting): the new generation publishes once', async () => {
    const vrt = new VrtClient(stack, token, counts.workDir);
    const a = await vrt.tile('west', { x0: X0, y0: Y0, value: 11 });
    const b = await vrt.tile('middle', { x0: X0 + SIZE * PX, y0: Y0, value: 22 });
    const c = await vrt.tile('east', { x0: X0 + 2 * SIZE * PX, y0: Y0, value: 33 });
    const mosaic = await vrt.createReady([a.id, b.id]);

    // Another session holds a source row, so the publish transaction waits on it where the test can see it.
    const blocker = new Client({ connectionString: stack.env.DATABASE_URL });
    await blocker.connect();
    let jobId: string;
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM datasets WHERE id = $1 FOR UPDATE', [a.id]);
      const accepted = await vrt.add(mosaic.id, c.id);
      expect(accepted.status, accepted.text).toBe(202);
      jobId = String(accepted.body.job_id);
      await stack.waitForJob(token, jobId, (j) => j.status === 'processing' && j.step === 'finalizing', 60_000);
      const deadline = Date.now() + 30_000;
      let waiting = 0;
      while (waiting === 0 && Date.now() < deadline) {
        const [row] = await stack.sql<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%FROM datasets%FOR SHARE%'`,
        );
        waiting = Number(row?.n);
        if (waiting === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(waiting).toBe(1);
      // The new generation's document is already stored; nothing points at it yet.
      expect(await storedFiles(join(counts.storageRoot, 'datasets', String(mosaic.id)))).toEqual([
        'generations/1.vrt',
        'generations/2.vrt',
      ]);
      expect((await vrt.status(mosaic.id)).status).toBe('regenerating');
      const victim = current();
      expect((await victim.stop('SIGKILL')).signal).toBe('SIGKILL');
    } finally {
      await blocker.query('COMMIT').catch(() => undefined);
      await blocker.end();
    }
    await stack.startWorker();

    const done = await finished(jobId);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', dataset_id: mosaic.id });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    const status = await vrt.status(mosaic.id);
    expect(status).toMatchObject({ status: 'ready', generation: 2 });
    expect((status.sources as Body[]).map((s) => s.dataset_id)).toEqual([a.id, b.id, c.id]);
    expect((status.generations as Body[]).map((g) => [g.generation, g.status, g.source_count])).toEqual([
      [1, 'published', 2],
      [2, 'published', 3],
    ]);
    const wider = await vrt.dataset(mosaic.id);
    expect(wider.storage_key).toBe(`datasets/${String(mosaic.id)}/generations/2.vrt`);
    expect((wider.raster as Body).width).toBe(3 * SIZE);
    const [links] = await stack.sql<{ n: string }>('SELECT count(*) AS n FROM vrt_links WHERE vrt_dataset_id = $1', [
      mosaic.id,
    ]);
    expect(Number(links?.n)).toBe(3);
  });

  it('afterwards: every job terminal, no staging table, no stored object nothing points at', async () => {
    expect(await leftovers(stack, counts.owner, counts.storageRoot)).toEqual(NO_LEFTOVERS);
  });
});
