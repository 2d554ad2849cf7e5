import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { Stack, uniqueOwner } from './support/stack.js';
import { SwitchableProxy } from './support/switchable-proxy.js';

type Body = Record<string, unknown>;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('commit: from a staged file to a dataset', () => {
  let stack: Stack;
  let token: string;
  let owner: string;
  let fixtures: Record<FixtureName, string>;
  const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: storageRoot } });
    owner = uniqueOwner('committer');
    token = await stack.mintToken(owner, ['upload']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  const staged = async (name: FixtureName, preview = true): Promise<string> => {
    const up = await stack.upload<Body>(token, { name, data: await readFile(fixtures[name]) });
    expect(up.status, up.text).toBe(201);
    const jobId = String(up.body.job_id);
    if (preview) {
      const res = await stack.api('POST', `/api/ingest/preview/${jobId}`, { token });
      expect(res.status, res.text).toBe(200);
    }
    return jobId;
  };

  const commit = (jobId: string, body: Body, as = token) =>
    stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, { token: as, body });

  const finished = (jobId: string, timeoutMs = 60_000) =>
    stack.waitForJob(token, jobId, (j) => ['completed', 'failed', 'cancelled'].includes(String(j.status)), timeoutMs);

  const dataset = async (id: unknown): Promise<Body> => {
    const res = await stack.api<Body>('GET', `/api/datasets/${String(id)}`, { token });
    expect(res.status).toBe(200);
    return res.body;
  };

  /** What PostGIS holds for a vector dataset's table. */
  const tableFacts = async (tableName: unknown) => {
    const [schema, table] = String(tableName).split('.');
    const [facts] = await stack.sql<{ n: string; srid: number; type: string; indexed: boolean }>(
      `SELECT (SELECT count(*) FROM "${schema}"."${table}") AS n,
              Find_SRID($1, $2, 'geom') AS srid,
              (SELECT GeometryType(geom) FROM "${schema}"."${table}" LIMIT 1) AS type,
              EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexdef ILIKE '%gist%') AS indexed`,
      [schema, table],
    );
    return { count: Number(facts!.n), srid: facts!.srid, type: facts!.type, indexed: facts!.indexed };
  };

  const stagingTablesOf = async (jobId: string): Promise<string[]> =>
    (
      await stack.sql<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'strata_data' AND starts_with(tablename, $1)`,
        [`stg_${jobId.replace(/-/g, '').slice(0, 20)}_`],
      )
    ).map((r) => r.tablename);

  const inside = (extent: unknown, [minx, miny, maxx, maxy]: number[]): boolean => {
    const e = extent as number[];
    return e.length === 4 && e[0]! >= minx! && e[1]! >= miny! && e[2]! <= maxx! && e[3]! <= maxy! && e[0]! <= e[2]!;
  };

  it.each([
    {
      name: 'layers3.gpkg' as const,
      layer: 'parcels',
      count: 10,
      srid: 32633,
      type: 'MULTIPOLYGON',
      bbox: [10, 0, 20, 90],
    },
    {
      name: 'layers3.gpkg' as const,
      layer: 'roads',
      count: 20,
      srid: 4326,
      type: 'MULTILINESTRING',
      bbox: [-180, -90, 180, 90],
    },
    {
      name: 'parcels_shp.zip' as const,
      layer: undefined,
      count: 10,
      srid: 32633,
      type: 'MULTIPOLYGON',
      bbox: [10, 0, 20, 90],
    },
    {
      name: 'points_lonlat.csv' as const,
      layer: undefined,
      count: 100,
      srid: 4326,
      type: 'POINT',
      bbox: [-180, -90, 180, 90],
    },
    {
      name: 'sample.geojson' as const,
      layer: undefined,
      count: 10,
      srid: 4326,
      type: 'POINT',
      bbox: [-180, -90, 180, 90],
    },
  ])('ingests $name ($layer) into PostGIS', async ({ name, layer, count, srid, type, bbox }) => {
    const jobId = await staged(name);
    const res = await commit(jobId, { title: `${name} ${layer ?? ''}`, ...(layer ? { layer_name: layer } : {}) });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ job_id: jobId, status: 'queued', message: expect.stringContaining(jobId) as string });

    const job = await finished(jobId);
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'completed',
      progress: 1,
      rows_processed: count,
      rows_total: count,
    });
    const ds = await dataset(job.dataset_id);
    expect(ds).toMatchObject({
      kind: 'vector',
      title: `${name} ${layer ?? ''}`,
      crs: srid,
      feature_count: count,
      source_job_id: jobId,
    });
    expect(String(ds.table_name)).toMatch(/^strata_data\.[a-z_][a-z0-9_]{0,62}$/);
    expect(inside(ds.extent, bbox), JSON.stringify(ds.extent)).toBe(true);
    expect((ds.columns as Body[]).length).toBeGreaterThan(0);

    const facts = await tableFacts(ds.table_name);
    expect(facts).toEqual({ count, srid, type, indexed: true });
    expect(await stagingTablesOf(jobId)).toEqual([]);
  });

  it('converts a GeoTIFF into a COG with 512×512 blocks, overviews and nodata kept', async () => {
    const jobId = await staged('plain.tif');
    expect((await commit(jobId, { title: 'Gradient', compression: 'DEFLATE' })).status).toBe(202);
    const job = await finished(jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const ds = await dataset(job.dataset_id);
    expect(ds).toMatchObject({
      kind: 'raster',
      crs: 32633,
      raster: { width: 1024, height: 1024, band_count: 1, dtype: 'UInt16', nodata: 0, res_x: 10 },
    });
    expect(String(ds.storage_key)).toMatch(new RegExp(`^datasets/${String(ds.id)}/`));

    const cog = await gdal.openAsync(join(storageRoot, String(ds.storage_key)));
    const info = JSON.parse(await gdal.infoAsync(cog, ['-json'])) as {
      metadata: { IMAGE_STRUCTURE: Record<string, string> };
      bands: { block: number[]; overviews?: unknown[]; noDataValue?: number }[];
    };
    cog.close();
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG', COMPRESSION: 'DEFLATE' });
    expect(info.bands[0]!.block).toEqual([512, 512]);
    expect(info.bands[0]!.overviews?.length).toBeGreaterThanOrEqual(1);
    expect(info.bands[0]!.noDataValue).toBe(0);
  });

  it('keeps a file that already is a valid COG byte for byte', async () => {
    const jobId = await staged('cog.tif');
    expect((await commit(jobId, { title: 'Already a COG' })).status).toBe(202);
    const job = await finished(jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const ds = await dataset(job.dataset_id);
    const stored = await readFile(join(storageRoot, String(ds.storage_key)));
    expect(sha256(stored)).toBe(sha256(await readFile(fixtures['cog.tif'])));
  });

  it('with strict_cog refuses a GeoTIFF that is not a COG, with a user-safe message', async () => {
    const jobId = await staged('plain.tif');
    expect((await commit(jobId, { title: 'Strict', strict_cog: true })).status).toBe(202);
    const job = await finished(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'not-cog' });
    expect(JSON.stringify(job.error)).not.toMatch(/\/|\\/);
    expect(job.dataset_id).toBeNull();
  });

  it('previews first when the job was never previewed', async () => {
    const jobId = await staged('sample.geojson', false);
    const res = await commit(jobId, { title: 'Unpreviewed' });
    expect(res.status, res.text).toBe(202);
    expect((await finished(jobId)).status).toBe('completed');
  });

  it('refuses bad commits with the documented errors', async () => {
    const gpkg = await staged('layers3.gpkg');
    const unknown = await commit(gpkg, { title: 't', layer_name: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ unknown_layers: ['nope'], available_layers: ['parcels', 'roads', 'sites'] });
    const dashed = await commit(gpkg, { title: 't', layer_name: '-sql' });
    expect(dashed.status).toBe(422);
    const rasterField = await commit(gpkg, { title: 't', compression: 'ZSTD' });
    expect(rasterField.status).toBe(422);
    expect(rasterField.body.errors).toEqual([
      { loc: ['body', 'compression'], msg: expect.any(String), type: 'not_applicable' },
    ]);
    expect((await commit(gpkg, { layer_name: 'sites' })).status).toBe(400);
    expect((await commit(gpkg, { title: 't', layer_name: 'sites', surprise: 1 })).status).toBe(400);

    const stranger = await stack.mintToken(uniqueOwner('stranger'), ['upload']);
    expect((await commit(gpkg, { title: 't' }, stranger)).status).toBe(404);
    const readOnly = await stack.mintToken(owner, ['create_layers']);
    expect((await commit(gpkg, { title: 't' }, readOnly)).status).toBe(403);

    const tif = await staged('plain.tif');
    const vectorField = await commit(tif, { title: 't', x_column: 'lon', y_column: 'lat' });
    expect(vectorField.status).toBe(422);
    expect((await stack.api<Body>('GET', `/api/jobs/${gpkg}`, { token })).body.status).toBe('pending');
    expect((await stack.api<Body>('GET', `/api/jobs/${tif}`, { token })).body.status).toBe('pending');
  });

  it('lets exactly one of 20 simultaneous commits win, making one dataset', async () => {
    const jobId = await staged('sample.geojson');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => commit(jobId, { title: `race ${i}` })));
    const statuses = answers.map((a) => a.status).sort((x, y) => x - y);
    expect(statuses).toEqual([202, ...Array<number>(19).fill(409)]);
    for (const loser of answers.filter((a) => a.status === 409)) {
      expect(loser.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await finished(jobId)).status).toBe('completed');
    expect(await stack.sql('SELECT id FROM datasets WHERE source_job_id = $1', [jobId])).toHaveLength(1);
    expect((await commit(jobId, { title: 'again' })).status).toBe(409);
  });

  it('retries a failed job with a new attempt token', async () => {
    const jobId = await staged('plain.tif');
    await commit(jobId, { title: 'Strict again', strict_cog: true });
    const failed = await finished(jobId);
    expect(failed.status).toBe('failed');
    const [before] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      jobId,
    ]);
    const retried = await stack.api<Body>('POST', `/api/jobs/${jobId}/retry`, { token });
    expect(retried.status).toBe(202);
    const again = await stack.waitForJob(token, jobId, (j) => j.status === 'failed' && Number(j.attempts) === 2);
    expect(again.error).toMatchObject({ code: 'not-cog' });
    const [after] = await stack.sql<{ attempt_token: string }>('SELECT attempt_token FROM ingest_jobs WHERE id = $1', [
      jobId,
    ]);
    expect(after!.attempt_token).not.toBe(before!.attempt_token);
  });

  it('retries a failed job with new commit options, checked like a commit', async () => {
    const jobId = await staged('plain.tif');
    await commit(jobId, { title: 'Strict first', strict_cog: true });
    expect((await finished(jobId)).status).toBe('failed');
    const wrongKind = await stack.api<Body>('POST', `/api/jobs/${jobId}/retry`, { token, body: { x_column: 'lon' } });
    expect(wrongKind.status, wrongKind.text).toBe(422);
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toBe('failed');

    const retried = await stack.api<Body>('POST', `/api/jobs/${jobId}/retry`, { token, body: { strict_cog: false } });
    expect(retried.status, retried.text).toBe(202);
    const job = await stack.waitForJob(
      token,
      jobId,
      (j) => ['completed', 'failed'].includes(String(j.status)) && Number(j.attempts) === 2,
    );
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(await dataset(job.dataset_id)).toMatchObject({ kind: 'raster', title: 'Strict first' });
  });

  describe('fan-out', () => {
    const fanOut = (jobId: string, layers: Body[]) =>
      stack.api<Body>('POST', `/api/ingest/commit-fan-out/${jobId}`, { token, body: { layers } });

    it('turns a three-layer GeoPackage into three datasets and ends the parent fanned_out', async () => {
      const parent = await staged('layers3.gpkg');
      const res = await fanOut(parent, [
        { layer_name: 'sites', title: 'Sites' },
        { layer_name: 'parcels' },
        { layer_name: 'roads', title: 'Roads' },
      ]);
      expect(res.status, res.text).toBe(202);
      expect(res.body.fan_out_id).toBe(parent);
      const results = res.body.results as Body[];
      expect(results.map((r) => [r.layer_name, r.status, r.dataset_id, r.error])).toEqual([
        ['sites', 'queued', null, null],
        ['parcels', 'queued', null, null],
        ['roads', 'queued', null, null],
      ]);
      expect((await stack.api<Body>('GET', `/api/jobs/${parent}`, { token })).body.status).toBe('fanned_out');

      const expected: Record<string, { count: number; title: string }> = {
        sites: { count: 50, title: 'Sites' },
        parcels: { count: 10, title: 'layers3: parcels' },
        roads: { count: 20, title: 'Roads' },
      };
      for (const result of results) {
        const child = await finished(String(result.new_job_id));
        expect(child, JSON.stringify(child)).toMatchObject({ status: 'completed', parent_id: parent });
        const ds = await dataset(child.dataset_id);
        const want = expected[String(result.layer_name)]!;
        expect(ds).toMatchObject({ title: want.title, feature_count: want.count });
        expect((await tableFacts(ds.table_name)).count).toBe(want.count);
      }
      const mine = await stack.api<Body>('GET', '/api/datasets?per_page=100', { token });
      const listed = (mine.body.data as Body[]).map((d) => d.source_job_id);
      for (const result of results) expect(listed).toContain(result.new_job_id);
      const stranger = await stack.mintToken(uniqueOwner('stranger'), ['upload']);
      const child = await stack.api<Body>('GET', `/api/jobs/${String(results[0]!.new_job_id)}`, { token });
      expect(
        (await stack.api('GET', `/api/datasets/${String(child.body.dataset_id)}`, { token: stranger })).status,
      ).toBe(404);
      expect((await stack.api('GET', `/api/jobs/${parent}/children`, { token: stranger })).status).toBe(404);

      const children = await stack.api<Body>('GET', `/api/jobs/${parent}/children`, { token });
      expect((children.body.data as Body[]).map((c) => c.status)).toEqual(['completed', 'completed', 'completed']);
      expect(children.body.meta).toMatchObject({ total: 3 });

      expect((await fanOut(parent, [{ layer_name: 'sites' }])).status).toBe(409);
      expect((await commit(parent, { title: 'after fan-out' })).status).toBe(409);
    });

    it('refuses bad layer lists with 422, listing every unknown layer', async () => {
      const parent = await staged('layers3.gpkg');
      const tooMany = await fanOut(
        parent,
        Array.from({ length: 51 }, (_, i) => ({ layer_name: `l${i}` })),
      );
      expect(tooMany.status).toBe(422);
      expect((await fanOut(parent, [])).status).toBe(422);
      const unknown = await fanOut(parent, [{ layer_name: 'sites' }, { layer_name: 'x' }, { layer_name: 'y' }]);
      expect(unknown.status).toBe(422);
      expect(unknown.body).toMatchObject({
        unknown_layers: ['x', 'y'],
        available_layers: ['parcels', 'roads', 'sites'],
      });
      const dup = await fanOut(parent, [{ layer_name: 'sites' }, { layer_name: 'sites' }]);
      expect(dup.status).toBe(422);
      expect(dup.body).toMatchObject({ duplicate_layers: ['sites'] });
      expect((await stack.api<Body>('GET', `/api/jobs/${parent}`, { token })).body.status).toBe('pending');
      expect(await stack.sql('SELECT id FROM ingest_jobs WHERE parent_id = $1', [parent])).toHaveLength(0);
    });

    it("applies commit options given once for every layer, a layer's own winning", async () => {
      const parent = await staged('layers3.gpkg');
      const res = await stack.api<Body>('POST', `/api/ingest/commit-fan-out/${parent}`, {
        token,
        body: {
          srid_override: 3857,
          summary: 'From the layers3 fixture',
          layers: [
            { layer_name: 'sites' },
            { layer_name: 'parcels', srid_override: 32633, summary: 'Parcels as delivered' },
          ],
        },
      });
      expect(res.status, res.text).toBe(202);
      const want: Record<string, { crs: number; summary: string; warned: boolean }> = {
        sites: { crs: 3857, summary: 'From the layers3 fixture', warned: true },
        parcels: { crs: 32633, summary: 'Parcels as delivered', warned: false },
      };
      for (const result of res.body.results as Body[]) {
        const child = await finished(String(result.new_job_id));
        expect(child.status, JSON.stringify(child)).toBe('completed');
        const expected = want[String(result.layer_name)]!;
        expect(await dataset(child.dataset_id)).toMatchObject({ crs: expected.crs, summary: expected.summary });
        const codes = (child.warnings as Body[]).map((w) => w.code);
        expect(codes.includes('crs-overridden'), JSON.stringify(child.warnings)).toBe(expected.warned);
      }
    });

    it('refuses raster options in a fan-out with one 422 naming each, before anything is claimed', async () => {
      const parent = await staged('layers3.gpkg');
      const res = await stack.api<Body>('POST', `/api/ingest/commit-fan-out/${parent}`, {
        token,
        body: { compression: 'LZW', layers: [{ layer_name: 'sites' }, { layer_name: 'roads', strict_cog: true }] },
      });
      expect(res.status, res.text).toBe(422);
      expect(res.body.errors).toEqual([
        { loc: ['body', 'compression'], msg: 'only applies to raster files', type: 'not_applicable' },
        { loc: ['body', 'layers', 1, 'strict_cog'], msg: 'only applies to raster files', type: 'not_applicable' },
      ]);
      expect((await stack.api<Body>('GET', `/api/jobs/${parent}`, { token })).body.status).toBe('pending');
    });

    it('lets one of two simultaneous fan-outs win, and one of a fan-out racing a commit', async () => {
      const parent = await staged('layers3.gpkg');
      const [a, b] = await Promise.all([
        fanOut(parent, [{ layer_name: 'sites' }, { layer_name: 'roads' }]),
        fanOut(parent, [{ layer_name: 'sites' }, { layer_name: 'roads' }]),
      ]);
      expect([a.status, b.status].sort((x, y) => x - y)).toEqual([202, 409]);
      const children = await stack.sql<{ id: string }>('SELECT id FROM ingest_jobs WHERE parent_id = $1', [parent]);
      expect(children).toHaveLength(2);
      for (const child of children) expect((await finished(child.id)).status).toBe('completed');

      const other = await staged('layers3.gpkg');
      const [f, c] = await Promise.all([
        fanOut(other, [{ layer_name: 'sites' }, { layer_name: 'parcels' }]),
        commit(other, { title: 'racing', layer_name: 'roads' }),
      ]);
      expect([f.status, c.status].sort((x, y) => x - y)).toEqual([202, 409]);
      const kids = await stack.sql<{ id: string }>('SELECT id FROM ingest_jobs WHERE parent_id = $1', [other]);
      const jobIds = f.status === 202 ? kids.map((k) => k.id) : [other];
      expect(kids).toHaveLength(f.status === 202 ? 2 : 0);
      for (const id of jobIds) expect((await finished(id)).status).toBe('completed');
      const datasets = await stack.sql('SELECT id FROM datasets WHERE source_job_id = ANY($1::uuid[])', [
        [other, ...kids.map((k) => k.id)],
      ]);
      expect(datasets).toHaveLength(jobIds.length);
    });
  });
});

describe('commit and fan-out while the job queue (Redis) is unreachable from the gateway', () => {
  let stack: Stack;
  let token: string;
  let proxy: SwitchableProxy;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    proxy = await SwitchableProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    stack = await Stack.start({
      // Only the gateway goes through the relay; the worker keeps its own connection.
      env: {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        STORAGE_LOCAL_ROOT: resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`),
        // No sweeper: what happens to jobs the gateway could not queue is the gateway's doing here.
        SWEEPER_INTERVAL_MS: '0',
        PREVIEW_TIMEOUT_MS: '5000',
      },
      workerEnv: { REDIS_URL: redis.toString() },
    });
    token = await stack.mintToken(uniqueOwner('outage'), ['upload']);
  });

  afterAll(async () => {
    proxy?.restore();
    await stack?.stop();
    await proxy?.stop();
  });

  const previewed = async (): Promise<string> => {
    const up = await stack.upload<Body>(token, {
      name: 'layers3.gpkg',
      data: await readFile(fixtures['layers3.gpkg']),
    });
    const jobId = String(up.body.job_id);
    expect((await stack.api('POST', `/api/ingest/preview/${jobId}`, { token })).status).toBe(200);
    return jobId;
  };

  it('a fan-out that can queue nothing answers during the outage, leaves no children and the job pending', async () => {
    const parent = await previewed();
    proxy.cut();
    // The relay is restored only once the answer is in: an answer at all shows the gateway gave up on the queue.
    const res = await stack
      .api<Body>('POST', `/api/ingest/commit-fan-out/${parent}`, {
        token,
        body: { layers: [{ layer_name: 'sites' }, { layer_name: 'roads' }] },
      })
      .finally(() => proxy.restore());
    expect(res.status, res.text).toBe(202);
    const results = res.body.results as Body[];
    expect(results.map((r) => [r.layer_name, r.status, r.new_job_id])).toEqual([
      ['sites', 'failed', null],
      ['roads', 'failed', null],
    ]);
    expect(String(results[0]!.error)).toMatch(/pending again/);
    expect(JSON.stringify(results)).not.toMatch(/127\.0\.0\.1|redis:|ECONN/i);
    expect((await stack.api<Body>('GET', `/api/jobs/${parent}`, { token })).body.status).toBe('pending');
    expect(await stack.sql('SELECT id FROM ingest_jobs WHERE parent_id = $1', [parent])).toEqual([]);

    // Once the gateway has reconnected to the queue (with its own backoff), the same request works.
    const fanOut = () =>
      stack.api<Body>('POST', `/api/ingest/commit-fan-out/${parent}`, {
        token,
        body: { layers: [{ layer_name: 'sites' }, { layer_name: 'roads' }] },
      });
    const reconnected = Date.now() + 60_000;
    let again = await fanOut();
    while (again.status === 202 && (again.body.results as Body[])[0]!.status === 'failed' && Date.now() < reconnected) {
      await new Promise((r) => setTimeout(r, 500));
      again = await fanOut();
    }
    expect(again.status, again.text).toBe(202);
    for (const result of again.body.results as Body[]) {
      expect(result.status).toBe('queued');
      const child = await stack.waitForJob(token, String(result.new_job_id), (j) => j.status === 'completed', 60_000);
      expect(child.dataset_id).toEqual(expect.any(String));
    }
    expect((await stack.api<Body>('GET', `/api/jobs/${parent}`, { token })).body.status).toBe('fanned_out');
  });

  it('a preview during the outage answers 503 (the queue is down; the gateway stops waiting for it)', async () => {
    const up = await stack.upload<Body>(token, {
      name: 'sample.geojson',
      data: await readFile(fixtures['sample.geojson']),
    });
    proxy.cut();
    const res = await stack
      .api<Body>('POST', `/api/ingest/preview/${String(up.body.job_id)}`, { token })
      .finally(() => proxy.restore());
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('https://strata.dev/problems/dependency-unavailable');
  });

  it('a commit during the outage is accepted and completes once the queue is back', async () => {
    const jobId = await previewed();
    proxy.cut();
    const res = await stack
      .api<Body>('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: 'During an outage', layer_name: 'sites' },
      })
      .finally(() => proxy.restore());
    expect(res.status, res.text).toBe(202);
    // Accepted because the bounded enqueue gave up, not because the relay came back.
    const failed = await stack.gateway.waitForLog((l) => l.job_id === jobId && /^enqueue failed/.test(String(l.msg)));
    // The error is logged by class, message and the names of the functions on its stack: no stack text,
    // so no file path or line number of the installation.
    expect(failed.err).toMatchObject({ type: expect.any(String), message: expect.any(String) });
    expect((failed.err as { frames?: unknown }).frames).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(JSON.stringify(failed)).not.toMatch(/\\n\s+at |node_modules|\/dist\/|\.js:\d+/);
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toMatch(
      /queued|processing|completed/,
    );
    // The job was persisted as queued; a worker's sweeper puts it on the queue.
    await stack.startWorker({ SWEEPER_INTERVAL_MS: '500', SWEEPER_GRACE_MS: '1000' });
    const job = await stack.waitForJob(token, jobId, (j) => j.status === 'completed', 60_000);
    expect(job.rows_processed).toBe(50);
  });

  it('a retry and an admin diagnostics run during the outage are accepted, and run once the queue is back', async () => {
    const admin = await stack.mintToken(uniqueOwner('outage-admin'), ['admin']);
    const failing = await stack.api<Body>('POST', '/api/admin/diagnostics', {
      token: admin,
      body: { steps: 1, step_ms: 0, fail_with: 'permanent' },
    });
    expect(failing.status, failing.text).toBe(202);
    const failedId = String(failing.body.id);
    await stack.waitForJob(admin, failedId, (j) => j.status === 'failed', 60_000);

    proxy.cut();
    const [retry, fresh] = await Promise.all([
      stack.api<Body>('POST', `/api/jobs/${failedId}/retry`, { token: admin }),
      stack.api<Body>('POST', '/api/admin/diagnostics', { token: admin, body: { steps: 1, step_ms: 0 } }),
    ]).finally(() => proxy.restore());
    // Both are stored as queued before the (bounded) enqueue gives up; nothing is lost.
    expect([retry.status, fresh.status]).toEqual([202, 202]);
    expect([retry.body.status, fresh.body.status]).toEqual(['queued', 'queued']);

    await stack.startWorker({ SWEEPER_INTERVAL_MS: '500', SWEEPER_GRACE_MS: '1000' });
    const retried = await stack.waitForJob(admin, failedId, (j) => j.status === 'failed' && j.attempts === 2, 60_000);
    expect(retried.error).toMatchObject({ code: 'injected-failure' });
    const ran = await stack.waitForJob(admin, String(fresh.body.id), (j) => j.status === 'completed', 60_000);
    expect(ran.rows_processed).toBe(1);
  });
});
