import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StorageDriverName, type AppConfig } from '@app/config';
import { ReaderFailure } from '@app/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../../../../../test/fixtures/fixtures.js';
import { GdalTaskCrashedError, GdalTaskRunner } from '../../ingest/gdal-task.runner.js';
import { openRecordReader, openRemoteLayerReader, type RemoteLayerInput } from './index.js';
import { DEFAULT_READ, FixtureDir, collect, readWith } from '../../../../../test/fixtures/readers.js';

/** The real GDAL child process (the worker build's gdal-task.js: `npm run build` first). */
const BUILT_CHILD = fileURLToPath(
  new URL('../../../../../dist/apps/worker/apps/worker/src/ingest/gdal-task.js', import.meta.url),
);
if (!existsSync(BUILT_CHILD)) throw new Error(`${BUILT_CHILD} is missing: run \`npm run build\` first.`);

const config = {
  database: { url: 'postgres://unused@127.0.0.1/unused', poolSize: 1 },
  storage: { driver: StorageDriverName.Local, root: '.tmp' },
  worker: { gdal: { cacheMax: '16', spareIdleMs: 30_000, taskTimeoutMs: 0, rasterMaxPixels: 1e10 } },
} as AppConfig;

let fixtures: Record<FixtureName, string>;
let runner: GdalTaskRunner;
const scratch = new FixtureDir();

beforeAll(async () => {
  fixtures = await ensureFixtures();
  await scratch.create();
  runner = new (class extends GdalTaskRunner {
    protected override readonly entry = BUILT_CHILD;
  })(config);
}, 60_000);

afterAll(async () => {
  runner.onModuleDestroy();
  await scratch.remove();
});

const open = (fixture: FixtureName, format: 'gpkg' | 'geojson' | 'zip', layer: string | null = null) =>
  openRecordReader({
    path: fixtures[fixture],
    format,
    read: readWith({ layer }),
    gdal: runner,
    scratchDir: scratch.path('.'),
  });

describe('GDAL sources through the GDAL child', () => {
  it('reads the first layer of a GeoPackage with its geometry and CRS', async () => {
    const reader = await open('layers3.gpkg', 'gpkg');
    try {
      expect(reader.srid).toBe(4326);
      expect(reader.total).toBe(50);
      const records = await collect(reader);
      expect(records).toHaveLength(50);
      expect(records[0]?.row_number).toBe(1);
      expect(Object.keys(records[0]?.data ?? {})).toEqual(reader.headers);
      const geometry = JSON.parse(records[0]?.geometry ?? 'null') as { type: string; coordinates: number[] };
      expect(geometry.type).toBe('Point');
      expect(geometry.coordinates[0]).toBeGreaterThan(13);
      expect(geometry.coordinates[0]).toBeLessThan(14);
    } finally {
      await reader.close();
    }
  });

  it('reads a layer by name in its own CRS, dates as ISO text', async () => {
    const reader = await open('layers3.gpkg', 'gpkg', 'parcels');
    try {
      expect(reader.srid).toBe(32633);
      expect(reader.headers).toEqual(['parcel_id', 'owner', 'area_m2', 'owner_count', 'registered']);
      expect(reader.total).toBe(10);
      const [first] = await collect(reader);
      expect(first?.data).toEqual({
        parcel_id: 'P-001',
        owner: 'Owner 1',
        area_m2: 12500.25,
        owner_count: 2,
        registered: '2011-03-15',
      });
      const geometry = JSON.parse(first?.geometry ?? 'null') as { type: string; coordinates: number[][][][] };
      expect(geometry.type).toBe('MultiPolygon');
      // UTM metres, not reprojected to degrees.
      expect(geometry.coordinates[0]?.[0]?.[0]).toEqual([390250, 5810250]);
    } finally {
      await reader.close();
    }
  });

  it('reads a zipped shapefile through /vsizip/', async () => {
    const reader = await open('parcels_shp.zip', 'zip');
    try {
      expect([reader.srid, reader.total]).toEqual([32633, 10]);
      const records = await collect(reader, 9);
      expect(records.map((r) => [r.row_number, r.data.parcel_id])).toEqual([
        [9, 'P-009'],
        [10, 'P-010'],
      ]);
    } finally {
      await reader.close();
    }
  });

  it('reads GeoJSON, resuming at a row number', async () => {
    const reader = await open('sample.geojson', 'geojson');
    try {
      expect([reader.headers, reader.total, reader.srid]).toEqual([['id', 'name', 'score'], 10, 4326]);
      const records = await collect(reader, 10);
      expect(records).toEqual([
        {
          row_number: 10,
          data: { id: 10, name: 'Sample 10', score: 7.5 },
          geometry: JSON.stringify({ type: 'Point', coordinates: [13.45, 52.55] }),
        },
      ]);
    } finally {
      await reader.close();
    }
  });

  it('close() removes the exported features', async () => {
    const reader = await open('sample.geojson', 'geojson');
    expect((await readdir(scratch.path('.'))).some((f) => f.endsWith('.geojsonl'))).toBe(true);
    await reader.close();
    expect((await readdir(scratch.path('.'))).some((f) => f.endsWith('.geojsonl'))).toBe(false);
  });

  it('an unknown layer is reader-layer-not-found, listing the layers', async () => {
    await expect(open('layers3.gpkg', 'gpkg', 'nope')).rejects.toMatchObject({
      failure: ReaderFailure.LayerNotFound,
      message: "The file has no layer named 'nope'. Its layers: sites, roads, parcels.",
    });
  });

  it('a file GDAL cannot read is reader-malformed, and leaves nothing behind', async () => {
    await expect(open('corrupt.gpkg', 'gpkg')).rejects.toMatchObject({ failure: ReaderFailure.Malformed });
    expect((await readdir(scratch.path('.'))).some((f) => f.endsWith('.geojsonl'))).toBe(false);
  });

  it('an abort kills the export in the GDAL child', async () => {
    const controller = new AbortController();
    const opening = openRecordReader({
      path: fixtures['layers3.gpkg'],
      format: 'gpkg',
      read: DEFAULT_READ,
      gdal: runner,
      scratchDir: scratch.path('.'),
      signal: controller.signal,
    });
    controller.abort();
    await expect(opening).rejects.toBeInstanceOf(GdalTaskCrashedError);
    expect((await readdir(scratch.path('.'))).some((f) => f.endsWith('.geojsonl'))).toBe(false);
  });

  it('detects the format when none is given', async () => {
    const reader = await openRecordReader({
      path: fixtures['layers3.gpkg'],
      read: DEFAULT_READ,
      gdal: runner,
      scratchDir: scratch.path('.'),
    });
    try {
      expect(reader.format).toBe('gpkg');
    } finally {
      await reader.close();
    }
  });

  describe('a remote layer (here a local file standing in for the service: the same export, with task settings)', () => {
    const layer = (over: Partial<RemoteLayerInput> = {}): RemoteLayerInput => ({
      path: fixtures['sample.geojson'],
      layerName: null,
      gdalConfig: {},
      featureCount: null,
      epochMsColumns: [],
      ...over,
    });

    it('reports the count before the features are read, and reads them all with the layer CRS', async () => {
      const totals: number[] = [];
      const reader = await openRemoteLayerReader(layer(), {
        runner,
        scratchDir: scratch.path('.'),
        onTotal: (n) => totals.push(n),
      });
      try {
        expect(totals).toEqual([10]);
        expect([reader.total, reader.srid, reader.headers]).toEqual([10, 4326, ['id', 'name', 'score']]);
        expect((await collect(reader)).map((r) => r.row_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      } finally {
        await reader.close();
      }
    });

    it("the service's own count wins, and fewer features than it counted fail the read", async () => {
      const totals: number[] = [];
      await expect(
        openRemoteLayerReader(layer({ featureCount: 12 }), {
          runner,
          scratchDir: scratch.path('.'),
          onTotal: (n) => totals.push(n),
        }),
      ).rejects.toMatchObject({
        failure: ReaderFailure.Malformed,
        message: 'The service delivered 10 of the 12 features it counted; nothing was imported.',
      });
      expect(totals).toEqual([12]);
      expect((await readdir(scratch.path('.'))).some((f) => f.endsWith('.geojsonl'))).toBe(false);
    });

    it('reads epoch-millisecond columns as ISO date-times', async () => {
      const reader = await openRemoteLayerReader(layer({ epochMsColumns: ['id'] }), {
        runner,
        scratchDir: scratch.path('.'),
      });
      try {
        const [first] = await collect(reader);
        expect(first?.data.id).toBe('1970-01-01T00:00:00.001Z');
      } finally {
        await reader.close();
      }
    });
  });
});
