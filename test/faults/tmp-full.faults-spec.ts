import { randomUUID } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLargeRaster } from '../fixtures/large.js';
import { writeImporters } from '../e2e/support/importers.js';
import { commitUpload } from '../e2e/support/interruptions.js';
import { TestBucket } from '../e2e/support/s3.js';
import { Stack, uniqueOwner } from '../e2e/support/stack.js';
import { Tmpfs } from './support/tmpfs.js';

/**
 * The worker's temporary directory full: its TMPDIR is a small tmpfs. An importer run copies its source
 * there before reading it; with S3 storage a raster's COG is written there before it is stored. A job
 * that does not fit ends failed with a user-safe message after its retries, leaves nothing in the
 * directory (nor, for the COG, in the store), and the same worker then runs a small job.
 */
type Run = { data: { id: string } };
const SCHEMA = `tmpfull_${randomUUID().slice(0, 8)}`;

describe("the worker's temporary directory full", () => {
  let tmpfs: Tmpfs;
  let stack: Stack;
  let token: string;
  let importersDir: string;
  const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);

  beforeAll(async () => {
    tmpfs = await Tmpfs.mount(16);
    importersDir = await writeImporters(
      {
        'notes.yaml': `title: Notes
source: {type: upload, formats: [csv], max_size_bytes: 104857600}
target: {table: ${SCHEMA}.notes, key: [id]}
fields:
  id: {type: integer, rules: [required]}
  body: {rules: [required]}
duplicates: {strategy: upsert}
`,
      },
      { prefix: 'strata-tmp-full' },
    );
    stack = await Stack.start({
      env: { IMPORTERS_DIR: importersDir, STORAGE_LOCAL_ROOT: storageRoot, JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '200' },
      workerEnv: { TMPDIR: tmpfs.dir },
    });
    token = await stack.mintToken(uniqueOwner('tmp-full'), ['upload']);
    await stack.sql(`CREATE SCHEMA ${SCHEMA}`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.notes (id integer PRIMARY KEY, body text NOT NULL)`);
  });

  afterAll(async () => {
    await stack?.stop();
    await tmpfs?.unmount();
    if (importersDir) await rm(importersDir, { recursive: true, force: true });
    await rm(storageRoot, { recursive: true, force: true });
    await stack?.sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  });

  const upload = (name: string, csv: string) =>
    stack.upload<Run>(token, { name, data: Buffer.from(csv) }, 'file', '/api/v1/ingest/upload/notes');

  it('fails a run whose source does not fit with a user-safe message, then serves the next run', async () => {
    // About 24 MiB of CSV: more than the 16 MiB the worker's temporary directory holds.
    const rows = 200_000;
    const lines = ['id,body'];
    for (let n = 1; n <= rows; n += 1) lines.push(`${n},${'x'.repeat(110)}`);
    const big = await upload('big.csv', lines.join('\n'));
    expect(big.status, big.text).toBe(202);
    const failed = await stack.waitForJob(
      token,
      big.body.data.id,
      (j) => !['queued', 'processing'].includes(String(j.status)),
      120_000,
    );
    expect(failed, JSON.stringify(failed)).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'disk-full', message: 'The server ran out of disk space; retry later.' },
    });
    expect(JSON.stringify(failed.error)).not.toMatch(/\/|ENOSPC|tmp/);
    // Nothing written to the target, nothing left in the temporary directory.
    expect(await stack.sql(`SELECT id FROM ${SCHEMA}.notes`)).toEqual([]);
    expect(await readdir(tmpfs.dir)).toEqual([]);

    // The same worker goes on with a run that fits.
    const small = await upload('small.csv', 'id,body\n1,one\n2,two\n3,three\n');
    expect(small.status, small.text).toBe(202);
    const done = await stack.waitForJob(
      token,
      small.body.data.id,
      (j) => !['queued', 'processing'].includes(String(j.status)),
      60_000,
    );
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', rows_processed: 3, rows_failed: 0 });
    expect(await stack.sql(`SELECT id, body FROM ${SCHEMA}.notes ORDER BY id`)).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
      { id: 3, body: 'three' },
    ]);
    expect(stack.workers[0]!.running).toBe(true);
  });
});

describe("the worker's temporary directory full during a COG conversion (S3 storage)", () => {
  let tmpfs: Tmpfs;
  let bucket: TestBucket;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    // 2 MiB: the COG of the 2000 × 2000 × 3-band noise raster (12 MiB; its COG about 3 MiB) does not fit;
    // the source itself is read from the store through /vsis3/, not copied into TMPDIR.
    tmpfs = await Tmpfs.mount(2);
    bucket = await TestBucket.create('strata-tmp-full');
    stack = await Stack.start({
      env: { ...bucket.stackEnv(), JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '200' },
      workerEnv: { TMPDIR: tmpfs.dir },
    });
    token = await stack.mintToken(uniqueOwner('tmp-full-cog'), ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
    await tmpfs?.unmount();
    await bucket?.drop();
  });

  const finished = (jobId: string) =>
    stack.waitForJob(token, jobId, (j) => !['queued', 'processing'].includes(String(j.status)), 180_000);
  const datasets = async () =>
    (await stack.api<{ data: { id: string }[] }>('GET', '/api/datasets', { token })).body.data.map((d) => d.id);

  it('fails a COG that does not fit with a user-safe message, stores nothing, then converts a small raster', async () => {
    const big = await commitUpload(
      stack,
      token,
      { name: 'noise.tif', data: await readFile(await ensureLargeRaster(2000)) },
      { title: 'too big for TMPDIR' },
    );
    const failed = await finished(big);
    expect(failed, JSON.stringify(failed)).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'disk-full', message: 'The server ran out of disk space; retry later.' },
    });
    expect(JSON.stringify(failed.error)).not.toMatch(/\/|ENOSPC|tmp|vsis3/i);
    // Nothing published: no dataset, no COG object, no scratch left in TMPDIR.
    expect(await datasets()).toEqual([]);
    expect(await bucket.keys('datasets/')).toEqual([]);
    expect(await readdir(tmpfs.dir)).toEqual([]);

    // The same worker converts a raster whose COG fits.
    const small = await commitUpload(
      stack,
      token,
      { name: 'small.tif', data: await readFile(await ensureLargeRaster(256)) },
      { title: 'fits' },
    );
    const done = await finished(small);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed' });
    const [datasetId] = await datasets();
    expect(datasetId).toBeDefined();
    expect(await bucket.keys(`datasets/${datasetId}/`)).toEqual([`datasets/${datasetId}/small.tif`]);
    expect(await readdir(tmpfs.dir)).toEqual([]);
    expect(stack.workers[0]!.running).toBe(true);
  });
});
