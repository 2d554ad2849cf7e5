import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VectorIngestError,
  VectorLoadUnavailableError,
  type GdalSelfTest,
  type Inspection,
  type LayerExportResult,
} from '@app/contracts';
import { RasterIngestError } from '@app/gdal';
import gdal from 'gdal-async';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, maskForLog, runTask } from './gdal-task.handlers.js';
import type { GdalTask, TaskMessage } from './gdal-task.protocol.js';

// Runs the child's task handling in this process, with real GDAL (the IPC around it is gdal-task.ts).
let dir: string;
let geojson: string;

const message = (task: GdalTask, gdalConfig: Record<string, string> = {}, rasterMaxPixels = 1e10): TaskMessage => ({
  context: { databaseUrl: 'postgres://strata@127.0.0.1:1/none', gdalConfig, rasterMaxPixels },
  task,
});
const noSend = (): void => undefined;

async function failureFrom(promise: Promise<unknown>): Promise<ReturnType<typeof failureOf>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).not.toBeNull();
  return failureOf(error);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-gdal-task-'));
  geojson = join(dir, 'tags.geojson');
  const feature = { type: 'Feature', properties: { tags: [1, 2] }, geometry: { type: 'Point', coordinates: [1, 2] } };
  await writeFile(geojson, JSON.stringify({ type: 'FeatureCollection', features: [feature] }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runTask: layer-export', () => {
  it('writes the layer as one GeoJSON feature per line and describes it', async () => {
    const outputPath = join(dir, 'tags.geojsonl');
    const result = (await runTask(
      message({ kind: 'layer-export', sourcePath: geojson, layerName: null, outputPath }),
      noSend,
    )) as LayerExportResult;
    expect(result).toEqual({ layer: 'tags', epsg: 4326, fields: [{ name: 'tags', type: 'integer[]' }], features: 1 });
    const lines = (await readFile(outputPath, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: 'Feature', properties: { tags: [1, 2] }, geometry: { type: 'Point', coordinates: [1, 2] } },
    ]);
  });

  it('an unknown layer is a user failure listing the layers', async () => {
    const failure = await failureFrom(
      runTask(
        message({ kind: 'layer-export', sourcePath: geojson, layerName: 'roads', outputPath: join(dir, 'x.geojsonl') }),
        noSend,
      ),
    );
    expect(failure).toEqual({
      kind: 'user',
      code: 'unknown-layer',
      message: "The file has no layer named 'roads'.",
      extensions: { available_layers: ['tags'] },
    });
  });
});

describe('runTask', () => {
  afterEach(() => {
    // GDAL's configuration is process-wide: leave this test process as it was.
    gdal.config.set('OGR_GEOJSON_ARRAY_AS_STRING', null);
  });

  it("applies the task context's GDAL options before it opens the source", async () => {
    const task: GdalTask = { kind: 'inspect', sourcePath: geojson, layerName: null };
    const plain = (await runTask(message(task), noSend)) as Inspection;
    expect(plain.kind === 'vector' && plain.columns).toEqual([{ name: 'tags', type: 'integer[]' }]);

    const configured = (await runTask(message(task, { OGR_GEOJSON_ARRAY_AS_STRING: 'YES' }), noSend)) as Inspection;
    expect(configured.kind === 'vector' && configured.columns).toEqual([{ name: 'tags', type: 'string' }]);
    expect(gdal.config.get('OGR_GEOJSON_ARRAY_AS_STRING')).toBe('YES');
  });

  it('previews a file: an inspection, or a refusal with its extensions as a user failure', async () => {
    const inspection = (await runTask(
      message({ kind: 'inspect', sourcePath: geojson, layerName: null }),
      noSend,
    )) as Inspection;
    expect(inspection).toMatchObject({ kind: 'vector', layer_name: 'tags', feature_count: 1, geometry_type: 'Point' });

    expect(
      await failureFrom(runTask(message({ kind: 'inspect', sourcePath: geojson, layerName: 'roads' }), noSend)),
    ).toEqual({
      kind: 'user',
      code: 'unknown-layer',
      message: "The file has no layer named 'roads'.",
      extensions: { unknown_layers: ['roads'], available_layers: ['tags'] },
    });
    const unreadable = await failureFrom(
      runTask(message({ kind: 'inspect', sourcePath: join(dir, 'missing.tif'), layerName: null }), noSend),
    );
    expect(unreadable).toMatchObject({ kind: 'user', code: 'unreadable' });
    expect(unreadable).not.toHaveProperty('extensions');
  });

  it('refuses a raster over RASTER_MAX_PIXELS at preview and at conversion, before reading a pixel', async () => {
    const tif = join(dir, 'wide.tif');
    const ds = gdal.open(tif, 'w', 'GTiff', 40, 30, 1, gdal.GDT_Byte);
    ds.geoTransform = [0, 1, 0, 30, 0, -1];
    ds.srs = gdal.SpatialReference.fromEPSG(3857);
    ds.close();
    const refusal = await failureFrom(
      runTask(message({ kind: 'inspect', sourcePath: tif, layerName: null }, {}, 1000), noSend),
    );
    expect(refusal).toEqual({
      kind: 'user',
      code: 'raster-too-large',
      message: 'The raster is 40 × 30 pixels, more than the 1,000 pixels this server accepts (RASTER_MAX_PIXELS).',
      extensions: { width: 40, height: 30, max_pixels: 1000 },
    });
    const conversion = await failureFrom(
      runTask(
        message(
          {
            kind: 'raster',
            sourcePath: tif,
            outputPath: join(dir, 'wide.cog.tif'),
            compression: 'DEFLATE',
            resampling: null,
            nodataOverride: null,
            strictCog: false,
            sridOverride: null,
          },
          {},
          1000,
        ),
        noSend,
      ),
    );
    expect(conversion).toMatchObject({ kind: 'user', code: 'raster-too-large' });
    // At the limit it is described as usual.
    const at = (await runTask(
      message({ kind: 'inspect', sourcePath: tif, layerName: null }, {}, 1200),
      noSend,
    )) as Inspection;
    expect(at.kind).toBe('raster');
  });

  it('answers a self-test with the GDAL version and a pixel round trip', async () => {
    const result = (await runTask(message({ kind: 'self-test', size: 8 }), noSend)) as GdalSelfTest;
    expect(result).toMatchObject({ bundled: false, roundTripOk: true });
    expect(result.version).toBe(gdal.version);
  });
});

describe('failureOf', () => {
  it('passes user-safe errors on as user failures', () => {
    expect(failureOf(new VectorIngestError('missing-crs', 'Missing CRS.'))).toEqual({
      kind: 'user',
      code: 'missing-crs',
      message: 'Missing CRS.',
    });
    expect(failureOf(new RasterIngestError('not-cog', 'Not a COG.'))).toEqual({
      kind: 'user',
      code: 'not-cog',
      message: 'Not a COG.',
    });
  });

  it("keeps GDAL's own text of an internal failure, masking paths and secrets", () => {
    const gdalError = new Error(
      'HTTP error code : 401 on https://strata:s3cret@store.example.com/bucket/staging/job/file.tif ' +
        "while opening `/vsis3/bucket/staging/job/file.tif' (PG:host='db' password='hunter2')",
    );
    const failure = failureOf(new Error('Writing the COG failed', { cause: gdalError }));
    expect(failure.kind).toBe('internal');
    expect(failure.code).toBe('internal');
    expect(failure.message).toContain('Writing the COG failed');
    expect(failure.message).toContain('HTTP error code : 401');
    expect(failure.message).toContain('https://***@store.example.com/<path>');
    for (const secret of ['s3cret', 'hunter2', 'staging/job', '/vsis3/']) expect(failure.message).not.toContain(secret);
  });

  it('keeps the errno or SQLSTATE of an internal failure, also from its cause', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(failureOf(enospc).code).toBe('ENOSPC');
    expect(failureOf(new Error('Writing failed', { cause: enospc })).code).toBe('ENOSPC');
    const sqlstate = Object.assign(new Error('could not extend file'), { code: '53100' });
    expect(failureOf(sqlstate)).toMatchObject({ kind: 'internal', code: '53100' });
  });

  it("classes an outage the load recognised as 'unavailable'", () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    expect(failureOf(new VectorLoadUnavailableError('The database could not be reached.', { cause }))).toMatchObject({
      kind: 'internal',
      code: 'unavailable',
    });
  });
});

describe('maskForLog', () => {
  it('masks file paths and URL paths but keeps hosts and status codes', () => {
    expect(maskForLog("`/tmp/strata/x.tif' not recognized")).toBe("`<path>' not recognized");
    expect(maskForLog('HTTP response code on http://minio:9000/strata/datasets/a.tif: 503')).toBe(
      'HTTP response code on http://minio:9000/<path> 503',
    );
    expect(maskForLog('token=abc123 in request')).toBe('token=*** in request');
  });
});
