import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gdal from 'gdal-async';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { TestBucket, s3TestEnv } from './support/s3.js';
import { Stack, uniqueOwner } from './support/stack.js';
import { SwitchableProxy } from './support/switchable-proxy.js';

type Body = Record<string, unknown>;
const MiB = 1024 * 1024;

/** A GeoJSON FeatureCollection of at least `bytes` bytes (valid, so GDAL can preview it). */
function bigGeoJson(bytes: number): { data: Buffer; features: number } {
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    const feature = `{"type":"Feature","properties":{"id":${n},"label":"feature number ${n} ${'x'.repeat(200)}"},"geometry":{"type":"Point","coordinates":[${15 + (n % 1000) / 1000},${45 + n / 1e7}]}}`;
    parts.push(feature);
    size += feature.length + 1;
    n += 1;
  }
  return { data: Buffer.from(`{"type":"FeatureCollection","features":[${parts.join(',')}]}`), features: n };
}

describe('presigned uploads against an S3 server that verifies signatures (Swift s3api)', () => {
  let stack: Stack;
  let token: string;
  let bucket: TestBucket;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    bucket = await TestBucket.create('strata-e2e');
    stack = await Stack.start({
      env: {
        ...bucket.stackEnv(),
        PRESIGNED_THRESHOLD_BYTES: String(5 * MiB),
        PRESIGNED_PART_SIZE_BYTES: String(5 * MiB),
        UPLOAD_MAX_FILE_SIZE_BYTES: String(64 * MiB),
      },
    });
    token = await stack.mintToken(uniqueOwner('browser'), ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
    await bucket?.drop();
  });

  const start = (filename: string, fileSize: number) =>
    stack.api<Body>('POST', '/api/ingest/upload/presigned', {
      token,
      body: { filename, file_size: fileSize, content_type: 'application/octet-stream' },
    });

  /** PUTs bytes to presigned URLs exactly as a browser would, returning the parts list for completion. */
  const putParts = async (
    urls: string[],
    data: Buffer,
    partSize: number,
  ): Promise<{ etag: string; part_number: number }[]> => {
    const out: { etag: string; part_number: number }[] = [];
    for (const [i, url] of urls.entries()) {
      const res = await fetch(url, { method: 'PUT', body: data.subarray(i * partSize, (i + 1) * partSize) });
      expect(res.status, await res.clone().text()).toBe(200);
      out.push({ etag: res.headers.get('etag') ?? '', part_number: i + 1 });
    }
    return out;
  };

  it('says presigned uploads are available', async () => {
    const res = await stack.api<Body>('GET', '/api/ingest/upload/config', { token });
    expect(res.body).toMatchObject({
      presigned_uploads: true,
      presigned_threshold_bytes: 5 * MiB,
      part_size_bytes: 5 * MiB,
    });
  });

  it('takes a small file with one PUT, freezes it, and previews it from S3', async () => {
    const data = await readFile(fixtures['sample.geojson']);
    const started = await start('sample.geojson', data.length);
    expect(started.status).toBe(201);
    const urls = started.body.urls as string[];
    expect(urls).toHaveLength(1);
    expect(started.body.upload_id).toBeUndefined();
    expect(urls[0]).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum-algorithm/i);
    await putParts(urls, data, data.length);

    const jobId = String(started.body.job_id);
    const done = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts: [] },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ job_id: jobId, status: 'pending', message: 'File uploaded and ready for preview.' });
    expect(await bucket.keys(`staging/${jobId}/`)).toEqual([`staging/${jobId}/sample.geojson`]);

    const preview = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ kind: 'vector', geometry_type: 'Point', crs: 4326 });
  });

  it('takes a multipart upload of 3 parts PUT by plain fetch, then completes and previews it', async () => {
    const { data, features } = bigGeoJson(11 * MiB);
    const started = await start('big.geojson', data.length);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ part_size: 5 * MiB, upload_id: expect.any(String) });
    const urls = started.body.urls as string[];
    expect(urls).toHaveLength(3);
    for (const url of urls) expect(url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum-algorithm/i);
    const parts = await putParts(urls, data, 5 * MiB);
    const jobId = String(started.body.job_id);

    const done = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const again = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(done.body);
    const different = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts: parts.map((p) => ({ ...p, etag: '"0000"' })) },
    });
    expect(different.status).toBe(409);

    const preview = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ kind: 'vector', feature_count: features });
  });

  it('commits from S3: a GeoJSON layer into PostGIS, a GeoTIFF into a COG in the bucket', async () => {
    const uploaded = async (name: FixtureName): Promise<string> => {
      const data = await readFile(fixtures[name]);
      const started = await start(name, data.length);
      await putParts(started.body.urls as string[], data, data.length);
      const jobId = String(started.body.job_id);
      const done = await stack.api('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
        token,
        body: { parts: [] },
      });
      expect(done.status).toBe(200);
      return jobId;
    };
    const vector = await uploaded('sample.geojson');
    const raster = await uploaded('plain.tif');
    for (const jobId of [vector, raster]) {
      const res = await stack.api('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: `from S3 ${jobId}` },
      });
      expect(res.status, res.text).toBe(202);
    }
    const finished = (jobId: string) =>
      stack.waitForJob(token, jobId, (j) => ['completed', 'failed'].includes(String(j.status)), 60_000);

    const vectorJob = await finished(vector);
    expect(vectorJob, JSON.stringify(vectorJob)).toMatchObject({ status: 'completed', rows_processed: 10 });
    const [table] = await stack.sql<{ table_name: string }>('SELECT table_name FROM datasets WHERE id = $1', [
      vectorJob.dataset_id,
    ]);
    const [schema, name] = table!.table_name.split('.');
    expect(await stack.sql(`SELECT gid FROM "${schema}"."${name}"`)).toHaveLength(10);

    const rasterJob = await finished(raster);
    expect(rasterJob, JSON.stringify(rasterJob)).toMatchObject({ status: 'completed' });
    const dataset = await stack.api<Body>('GET', `/api/datasets/${String(rasterJob.dataset_id)}`, { token });
    expect(dataset.body).toMatchObject({ kind: 'raster', crs: 32633 });
    const key = String(dataset.body.storage_key);
    expect(await bucket.keys(key)).toEqual([key]);
    // The object in the bucket is a COG.
    const object = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
    const local = join(tmpdir(), `strata-e2e-${randomUUID()}.tif`);
    await writeFile(local, await object.Body!.transformToByteArray());
    try {
      const ds = await gdal.openAsync(local);
      const info = JSON.parse(await gdal.infoAsync(ds, ['-json'])) as {
        metadata: { IMAGE_STRUCTURE: Record<string, string> };
      };
      ds.close();
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG' });
    } finally {
      await rm(local, { force: true });
    }
  });

  it('completes once when ten clients complete the same upload at the same time', async () => {
    const { data } = bigGeoJson(6 * MiB);
    const started = await start('race.geojson', data.length);
    const jobId = String(started.body.job_id);
    const parts = await putParts(started.body.urls as string[], data, 5 * MiB);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, { token, body: { parts } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of results)
      expect(r.body).toEqual({ job_id: jobId, status: 'pending', message: 'File uploaded and ready for preview.' });
    // A completed multipart object is immutable (its part URLs died with the upload id): kept in place.
    expect(await bucket.keys(`staging/${jobId}/`)).toEqual([`staging/${jobId}/incoming/race.geojson`]);
    const [row] = await stack.sql<{ status: string; source_key: string }>(
      `SELECT status, source->>'key' AS source_key FROM ingest_jobs WHERE id = $1`,
      [jobId],
    );
    expect(row).toEqual({ status: 'pending', source_key: `staging/${jobId}/incoming/race.geojson` });
  });

  it('refuses bad part lists, parts on a single PUT, and wrong ETags', async () => {
    const { data } = bigGeoJson(11 * MiB);
    const started = await start('parts.geojson', data.length);
    const jobId = String(started.body.job_id);
    const parts = await putParts(started.body.urls as string[], data, 5 * MiB);
    const complete = (body: unknown) =>
      stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, { token, body });

    const gap = await complete({ parts: [parts[0], parts[2]] });
    expect(gap.status).toBe(422);
    expect(gap.body.detail).toBe('Missing parts: 2 (expected 1..3).');
    expect((await complete({ parts: [parts[1], parts[0], parts[2]] })).status).toBe(422);
    expect((await complete({ parts: [parts[0], parts[0], parts[1], parts[2]] })).status).toBe(422);
    expect((await complete({ parts: [] })).status).toBe(422);
    expect((await complete({ parts: [{ part_number: 0, etag: 'x' }] })).status).toBe(400);
    const wrongEtag = await complete({
      parts: parts.map((p, i) => (i === 1 ? { ...p, etag: '"0123456789abcdef0123456789abcdef"' } : p)),
    });
    expect(wrongEtag.status).toBe(422);
    expect(wrongEtag.text).not.toMatch(new RegExp(`${bucket.name}|127\\.0\\.0\\.1`));
    // The real parts still complete afterwards.
    expect((await complete({ parts })).status).toBe(200);

    const small = await readFile(fixtures['sample.geojson']);
    const single = await start('single.geojson', small.length);
    await putParts(single.body.urls as string[], small, small.length);
    const withParts = await stack.api<Body>(
      'POST',
      `/api/ingest/upload/presigned/${String(single.body.job_id)}/complete`,
      {
        token,
        body: { parts: [{ part_number: 1, etag: 'abc' }] },
      },
    );
    expect(withParts.status).toBe(422);
  });

  it('fails the job when the object size or content is wrong, and removes the bytes', async () => {
    const data = await readFile(fixtures['sample.geojson']);
    const lying = await start('lying.geojson', data.length + 10);
    await putParts(lying.body.urls as string[], data, data.length);
    const sized = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${String(lying.body.job_id)}/complete`, {
      token,
      body: { parts: [] },
    });
    expect(sized.status).toBe(422);
    expect(sized.body.detail).toBe(
      `The uploaded object has ${data.length} bytes but ${data.length + 10} were declared.`,
    );
    expect((await stack.api<Body>('GET', `/api/jobs/${String(lying.body.job_id)}`, { token })).body.status).toBe(
      'failed',
    );
    expect(await bucket.keys(`staging/${String(lying.body.job_id)}/`)).toEqual([]);

    const elf = await readFile(fixtures['elf.geojson']);
    const disguised = await start('tool.geojson', elf.length);
    await putParts(disguised.body.urls as string[], elf, elf.length);
    const sniffed = await stack.api<Body>(
      'POST',
      `/api/ingest/upload/presigned/${String(disguised.body.job_id)}/complete`,
      { token, body: { parts: [] } },
    );
    expect(sniffed.status).toBe(415);
    expect(await bucket.keys(`staging/${String(disguised.body.job_id)}/`)).toEqual([]);

    const missing = await start('never.geojson', 100);
    const nothing = await stack.api<Body>(
      'POST',
      `/api/ingest/upload/presigned/${String(missing.body.job_id)}/complete`,
      { token, body: { parts: [] } },
    );
    expect(nothing.status).toBe(422);
  });

  it('checks size and extension before handing out URLs', async () => {
    expect((await start('huge.gpkg', 65 * MiB)).status).toBe(413);
    const exe = await start('tool.exe', 100);
    expect(exe.status).toBe(422);
    expect(
      (await stack.api('POST', '/api/ingest/upload/presigned', { token, body: { filename: 'a.gpkg', file_size: 0 } }))
        .status,
    ).toBe(400);
  });

  it('aborts a multipart upload, deleting what was staged, after which it cannot complete', async () => {
    const { data } = bigGeoJson(6 * MiB);
    const started = await start('aborted.geojson', data.length);
    const jobId = String(started.body.job_id);
    const parts = await putParts((started.body.urls as string[]).slice(0, 1), data, 5 * MiB);
    const aborted = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/abort`, { token });
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ job_id: jobId, status: 'failed' });
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body).toMatchObject({
      status: 'failed',
      error: { code: 'aborted' },
    });
    expect(
      (await stack.api('POST', `/api/ingest/upload/presigned/${jobId}/complete`, { token, body: { parts } })).status,
    ).toBe(409);
    expect((await stack.api('POST', `/api/ingest/upload/presigned/${jobId}/abort`, { token })).status).toBe(409);
    expect(await bucket.keys(`staging/${jobId}/`)).toEqual([]);
  });

  it("hides another owner's upload", async () => {
    const data = await readFile(fixtures['sample.geojson']);
    const started = await start('mine.geojson', data.length);
    const other = await stack.mintToken(uniqueOwner('other'), ['upload']);
    const jobId = String(started.body.job_id);
    expect(
      (await stack.api('POST', `/api/ingest/upload/presigned/${jobId}/complete`, { token: other, body: { parts: [] } }))
        .status,
    ).toBe(404);
    expect((await stack.api('POST', `/api/ingest/upload/presigned/${jobId}/abort`, { token: other })).status).toBe(404);
  });
});

describe('presigned completion while the S3 server is unreachable', () => {
  let stack: Stack;
  let token: string;
  let proxy: SwitchableProxy;
  let bucket: TestBucket;

  beforeAll(async () => {
    const env = s3TestEnv();
    const target = new URL(env.endpoint);
    proxy = await SwitchableProxy.start({ host: target.hostname, port: Number(target.port) });
    bucket = await TestBucket.create('strata-e2e', env);
    stack = await Stack.start({ env: bucket.stackEnv(proxy.url) });
    token = await stack.mintToken(uniqueOwner('flaky'), ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
    proxy?.restore();
    await bucket?.drop();
    await proxy?.stop();
  });

  it('answers 502 with a problem body, keeps the job pending, and completes when retried', async () => {
    const data = Buffer.from('{"type":"FeatureCollection","features":[]}');
    const started = await stack.api<Body>('POST', '/api/ingest/upload/presigned', {
      token,
      body: { filename: 'later.geojson', file_size: data.length, content_type: 'application/geo+json' },
    });
    expect(started.status).toBe(201);
    const [url] = started.body.urls as string[];
    expect((await fetch(String(url), { method: 'PUT', body: data })).status).toBe(200);
    const jobId = String(started.body.job_id);

    proxy.cut();
    const failed = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts: [] },
    });
    expect(failed.status).toBe(502);
    expect(failed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(failed.body.detail).toBe('The storage service is unavailable right now; retry the request.');
    expect(JSON.stringify(failed.body)).not.toContain(String(proxy.port));
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toBe('pending');

    proxy.restore();
    const retried = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${jobId}/complete`, {
      token,
      body: { parts: [] },
    });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ job_id: jobId, status: 'pending' });
  });
});
