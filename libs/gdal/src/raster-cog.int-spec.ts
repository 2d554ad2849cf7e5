import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../../../test/fixtures/fixtures.js';
import { RasterIngestError, produceCog, type CogRequest } from './raster-cog.js';

interface InfoJson {
  size: [number, number];
  metadata?: Record<string, Record<string, string>>;
  coordinateSystem?: { wkt?: string };
  stac?: { 'proj:epsg'?: number | null };
  wgs84Extent?: { coordinates: [number, number][][] };
  bands: { type: string; block: [number, number]; noDataValue?: number | string; overviews?: unknown[] }[];
}

async function infoOf(path: string): Promise<InfoJson> {
  const ds = await gdal.openAsync(path);
  try {
    return JSON.parse(await gdal.infoAsync(ds, ['-json'])) as InfoJson;
  } finally {
    ds.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

interface RasterSpec {
  width: number;
  height: number;
  type: string;
  epsg: number | null;
  geoTransform: number[];
  nodata?: number;
  value: (x: number, y: number) => number;
  options?: string[];
}

/** Writes a one-band GeoTIFF (striped and uncompressed unless `options` say otherwise). */
async function writeRaster(path: string, spec: RasterSpec): Promise<void> {
  const ds = await gdal.drivers
    .get('GTiff')
    .createAsync(path, spec.width, spec.height, 1, spec.type, spec.options ?? ['TILED=NO', 'COMPRESS=NONE']);
  try {
    ds.geoTransform = spec.geoTransform;
    if (spec.epsg !== null) ds.srs = gdal.SpatialReference.fromEPSG(spec.epsg);
    const band = await ds.bands.getAsync(1);
    if (spec.nodata !== undefined) band.noDataValue = spec.nodata;
    const data =
      spec.type === 'Float32' ? new Float32Array(spec.width * spec.height) : new Uint16Array(spec.width * spec.height);
    for (let y = 0; y < spec.height; y += 1)
      for (let x = 0; x < spec.width; x += 1) data[y * spec.width + x] = spec.value(x, y);
    await band.pixels.writeAsync(0, 0, spec.width, spec.height, data);
    await ds.flushAsync();
  } finally {
    ds.close();
  }
}

async function pixel(path: string, x: number, y: number, overview?: number): Promise<number> {
  const ds = await gdal.openAsync(path);
  try {
    const band = await ds.bands.getAsync(1);
    const target = overview === undefined ? band : await band.overviews.getAsync(overview);
    const [value] = await target.pixels.readAsync(x, y, 1, 1);
    return value ?? NaN;
  } finally {
    ds.close();
  }
}

async function refusal(req: CogRequest): Promise<RasterIngestError> {
  const error: unknown = await produceCog(req).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RasterIngestError);
  return error as RasterIngestError;
}

/** gdalinfo's own WGS84 footprint (corners, GIS axis order) as a bbox, to check ours against. */
function gdalinfoBbox(info: InfoJson): [number, number, number, number] {
  const ring = info.wgs84Extent?.coordinates[0] ?? [];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

// Alternating columns: nearest overviews keep 1xx/1xx+100 values, averaging makes the in-between ones.
const stripes = (x: number, y: number): number => 1 + (x % 2) * 100 + ((y >> 4) % 50);
const UTM33 = [390000, 10, 0, 5820000, 0, -10];

describe('produceCog (native GDAL)', () => {
  let dir: string;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-raster-cog-'));
    fixtures = await ensureFixtures();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts a striped UInt16 GeoTIFF into a 512-block DEFLATE COG with overviews, nodata and pixels kept', async () => {
    const source = join(dir, 'striped.tif');
    const output = join(dir, 'striped.cog.tif');
    await writeRaster(source, {
      width: 1500,
      height: 1200,
      type: 'UInt16',
      epsg: 32633,
      geoTransform: UTM33,
      nodata: 0,
      value: (x, y) => (x < 8 ? 0 : stripes(x, y)),
    });
    const progress: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    const result = await produceCog({
      sourcePath: source,
      outputPath: output,
      onProgress: (f) => progress.push(f),
    }).finally(() => clearInterval(timer));

    expect(result.converted).toBe(true);
    expect(result.issues).toContain('not tiled (stored in strips)');
    expect(result.issues).toContain('not compressed');
    expect(result.raster).toEqual({
      width: 1500,
      height: 1200,
      band_count: 1,
      dtype: 'UInt16',
      nodata: 0,
      res_x: 10,
      res_y: -10,
      geo_transform: UTM33,
    });
    expect(result.crs).toBe(32633);
    expect(result.compression).toBe('DEFLATE');

    const info = await infoOf(output);
    expect(info.metadata?.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG', COMPRESSION: 'DEFLATE', PREDICTOR: '2' });
    expect(info.bands[0]?.block).toEqual([512, 512]);
    expect(info.bands[0]?.overviews?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(Number(info.bands[0]?.noDataValue)).toBe(0);
    expect(info.stac?.['proj:epsg']).toBe(32633);

    for (const [x, y] of [
      [0, 0],
      [8, 0],
      [9, 17],
      [777, 555],
      [1499, 1199],
    ] as const) {
      expect(await pixel(output, x, y)).toBe(x < 8 ? 0 : stripes(x, y));
    }
    // Integers without a palette or RGB bands are resampled with nearest: overviews hold source values only.
    expect([1, 101].map((v) => v + ((20 >> 4) % 50))).toContain(await pixel(output, 100, 10, 0));

    expect(progress.length).toBeGreaterThan(2);
    expect(progress.some((f) => f > 0 && f < 1)).toBe(true);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]).toBeGreaterThan(progress[i - 1] ?? -1);
    expect(progress.at(-1)).toBe(1);
    expect(ticks).toBeGreaterThan(0);

    // 390000..405000 E, 5808000..5820000 N in UTM 33N is a little west of Berlin's centre.
    const [minx, miny, maxx, maxy] = result.extent ?? [NaN, NaN, NaN, NaN];
    expect(minx).toBeCloseTo(13.37, 1);
    expect(maxx).toBeCloseTo(13.6, 1);
    expect(miny).toBeCloseTo(52.41, 1);
    expect(maxy).toBeCloseTo(52.52, 1);
    const reference = gdalinfoBbox(info);
    result.extent?.forEach((v, i) => expect(Math.abs(v - (reference[i] ?? NaN))).toBeLessThan(1e-3));
  });

  it('converts Float32 with the floating-point predictor and averaged overviews', async () => {
    const source = join(dir, 'float.tif');
    const output = join(dir, 'float.cog.tif');
    await writeRaster(source, {
      width: 1024,
      height: 700,
      type: 'Float32',
      epsg: 32633,
      geoTransform: UTM33,
      nodata: -9999,
      value: (x, y) => stripes(x, y) + 0.25,
    });
    const result = await produceCog({ sourcePath: source, outputPath: output });
    expect(result.converted).toBe(true);
    expect(result.raster).toMatchObject({ dtype: 'Float32', nodata: -9999, width: 1024, height: 700 });
    const info = await infoOf(output);
    expect(info.metadata?.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG', COMPRESSION: 'DEFLATE', PREDICTOR: '3' });
    expect(await pixel(output, 333, 444)).toBeCloseTo(stripes(333, 444) + 0.25, 5);
    // The first overview halves the raster: each pixel averages a 2×2 block of one odd and one even column.
    expect(await pixel(output, 50, 5, 0)).toBeCloseTo(51 + ((10 >> 4) % 50) + 0.25, 4);
  });

  it("raises a small configured GDAL_CACHEMAX to what the source's tile rows need, and leaves a percentage alone", async () => {
    const source = join(dir, 'cache.tif');
    await writeRaster(source, {
      width: 1024,
      height: 600,
      type: 'Float32',
      epsg: 32633,
      geoTransform: UTM33,
      value: (x, y) => stripes(x, y),
    });
    const before = gdal.config.get('GDAL_CACHEMAX');
    try {
      gdal.config.set('GDAL_CACHEMAX', '1');
      await produceCog({ sourcePath: source, outputPath: join(dir, 'cache-1.cog.tif') });
      // 2 rows of 512-pixel tiles × 1024 px × 4 bytes = 4 MiB.
      expect(gdal.config.get('GDAL_CACHEMAX')).toBe('4');
      gdal.config.set('GDAL_CACHEMAX', '64');
      await produceCog({ sourcePath: source, outputPath: join(dir, 'cache-64.cog.tif') });
      expect(gdal.config.get('GDAL_CACHEMAX')).toBe('64');
      gdal.config.set('GDAL_CACHEMAX', '5%');
      await produceCog({ sourcePath: source, outputPath: join(dir, 'cache-pct.cog.tif') });
      expect(gdal.config.get('GDAL_CACHEMAX')).toBe('5%');
    } finally {
      gdal.config.set('GDAL_CACHEMAX', before);
    }
  });

  it('keeps a compliant COG as is and writes nothing', async () => {
    const output = join(dir, 'kept.tif');
    const progress: number[] = [];
    const result = await produceCog({
      sourcePath: fixtures['cog.tif'],
      outputPath: output,
      onProgress: (f) => progress.push(f),
    });
    expect(result).toMatchObject({ converted: false, issues: [], crs: 32633, compression: 'DEFLATE' });
    expect(result.raster).toMatchObject({ width: 1024, height: 1024, dtype: 'UInt16', nodata: 0 });
    expect(await exists(output)).toBe(false);
    expect(progress).toEqual([1]);
    const reference = gdalinfoBbox(await infoOf(fixtures['cog.tif']));
    result.extent?.forEach((v, i) => expect(Math.abs(v - (reference[i] ?? NaN))).toBeLessThan(1e-3));
  });

  it('keeps a compliant COG compressed with another lossless codec than the one requested', async () => {
    const zstd = join(dir, 'zstd.cog.tif');
    const src = await gdal.openAsync(fixtures['plain.tif']);
    try {
      const out = await gdal.translateAsync(zstd, src, ['-of', 'COG', '-co', 'COMPRESS=ZSTD', '-co', 'BLOCKSIZE=512']);
      out.close();
    } finally {
      src.close();
    }
    const output = join(dir, 'zstd.out.tif');
    const result = await produceCog({ sourcePath: zstd, outputPath: output, compression: 'DEFLATE' });
    expect(result).toMatchObject({ converted: false, compression: 'ZSTD' });
    expect(await exists(output)).toBe(false);
  });

  it('rewrites a compliant COG to apply a nodata override, and refuses one the band type cannot hold', async () => {
    const output = join(dir, 'nodata.tif');
    const result = await produceCog({ sourcePath: fixtures['cog.tif'], outputPath: output, nodataOverride: 65535 });
    expect(result.converted).toBe(true);
    expect(result.issues).toEqual(['nodata set to 65535 by override']);
    expect(result.raster.nodata).toBe(65535);
    expect(Number((await infoOf(output)).bands[0]?.noDataValue)).toBe(65535);

    const bad = await refusal({
      sourcePath: fixtures['cog.tif'],
      outputPath: join(dir, 'bad.tif'),
      nodataOverride: -1,
    });
    expect(bad.code).toBe('invalid-option');
    const strict = await refusal({
      sourcePath: fixtures['cog.tif'],
      outputPath: join(dir, 'strict-relabel.tif'),
      sridOverride: 25833,
      strictCog: true,
    });
    expect(strict.code).toBe('not-cog');
    expect(strict.message).toContain('CRS set to EPSG:25833 by override');
  });

  it('refuses a non-compliant source in strict mode, listing why, without writing', async () => {
    const output = join(dir, 'strict.tif');
    const error = await refusal({ sourcePath: fixtures['plain.tif'], outputPath: output, strictCog: true });
    expect(error.code).toBe('not-cog');
    expect(error.message).toContain('not tiled (stored in strips)');
    expect(error.message).not.toContain(fixtures['plain.tif']);
    expect(await exists(output)).toBe(false);
  });

  it('refuses a raster without a CRS, and converts it under an EPSG override', async () => {
    const source = join(dir, 'no-crs.tif');
    await writeRaster(source, {
      width: 600,
      height: 600,
      type: 'UInt16',
      epsg: null,
      geoTransform: UTM33,
      value: stripes,
    });
    const error = await refusal({ sourcePath: source, outputPath: join(dir, 'no-crs.cog.tif') });
    expect(error.code).toBe('missing-crs');
    expect(error.message).toMatch(/coordinate reference system/);

    const output = join(dir, 'no-crs.override.tif');
    const result = await produceCog({ sourcePath: source, outputPath: output, sridOverride: 32633 });
    expect(result.converted).toBe(true);
    expect(result.issues).toEqual(expect.arrayContaining(['no CRS', 'CRS set to EPSG:32633 by override']));
    expect(result.crs).toBe(32633);
    expect((await infoOf(output)).stac?.['proj:epsg']).toBe(32633);
    expect(result.extent?.[0]).toBeCloseTo(13.38, 2);
    expect(result.extent?.[3]).toBeCloseTo(52.52, 2);
  });

  it('takes the extent of an EPSG:4326 raster straight from its geotransform (lon/lat)', async () => {
    const source = join(dir, 'lonlat.tif');
    await writeRaster(source, {
      width: 600,
      height: 400,
      type: 'UInt16',
      epsg: 4326,
      geoTransform: [13, 0.001, 0, 52.5, 0, -0.001],
      value: stripes,
    });
    const result = await produceCog({ sourcePath: source, outputPath: join(dir, 'lonlat.cog.tif') });
    expect(result.crs).toBe(4326);
    const [minx, miny, maxx, maxy] = result.extent ?? [NaN, NaN, NaN, NaN];
    expect(minx).toBeCloseTo(13, 9);
    expect(miny).toBeCloseTo(52.1, 9);
    expect(maxx).toBeCloseTo(13.6, 9);
    expect(maxy).toBeCloseTo(52.5, 9);
  });

  it('transforms a geographic CRS with lat/lon axis order (EPSG:4258) into lon/lat', async () => {
    const source = join(dir, 'etrs89.tif');
    await writeRaster(source, {
      width: 600,
      height: 400,
      type: 'UInt16',
      epsg: 4258,
      geoTransform: [13, 0.001, 0, 52.5, 0, -0.001],
      value: stripes,
    });
    const result = await produceCog({ sourcePath: source, outputPath: join(dir, 'etrs89.cog.tif') });
    expect(result.crs).toBe(4258);
    const [minx, miny, maxx, maxy] = result.extent ?? [NaN, NaN, NaN, NaN];
    // ETRS89 and WGS84 differ by well under a metre.
    expect(minx).toBeCloseTo(13, 4);
    expect(miny).toBeCloseTo(52.1, 4);
    expect(maxx).toBeCloseTo(13.6, 4);
    expect(maxy).toBeCloseTo(52.5, 4);
  });

  it('reports damaged files as unreadable and vector files as not rasters, without paths in messages', async () => {
    const truncated = join(dir, 'truncated.tif');
    const bytes = await readFile(fixtures['plain.tif']);
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const truncatedOut = join(dir, 'truncated.cog.tif');
    const damaged = await refusal({ sourcePath: truncated, outputPath: truncatedOut });
    expect(damaged.code).toBe('unreadable');
    expect(damaged.message).not.toContain(dir);
    expect(await exists(truncatedOut)).toBe(false);

    const garbage = join(dir, 'garbage.gpkg');
    await copyFile(fixtures['corrupt.gpkg'], garbage);
    expect((await refusal({ sourcePath: garbage, outputPath: join(dir, 'garbage.tif') })).code).toBe('unreadable');

    const vector = await refusal({ sourcePath: fixtures['sample.geojson'], outputPath: join(dir, 'vector.tif') });
    expect(vector.code).toBe('not-raster');
  });
});
