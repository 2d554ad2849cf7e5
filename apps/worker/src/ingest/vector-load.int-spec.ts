import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gdal from 'gdal-async';
import { Client, type QueryResultRow } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorIngestError, VectorLoadUnavailableError, type PgTarget, type VectorLoadResult } from '@app/contracts';
import { ensureFixtures, type FixtureName } from '../../../../test/fixtures/fixtures.js';
import { finishStagedTable } from './postgis/finish.js';
import { connectForLoad, dropTableIfExists, lostConnection } from './postgis/staging.js';
import { loadVectorLayer, type VectorLoadRequest } from './vector-load.js';

const url = new URL(process.env.DATABASE_URL ?? 'postgres://strata:strata@127.0.0.1:5432/strata_test');
const target: PgTarget = {
  host: url.hostname,
  port: Number(url.port || 5432),
  database: url.pathname.slice(1),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
};
const schema = `vl_test_${randomBytes(4).toString('hex')}`;

let db: Client;
let fixtures: Record<FixtureName, string>;
let dir: string;
let tableSeq = 0;

function nextTable(): string {
  tableSeq += 1;
  return `t${tableSeq}`;
}

async function load(
  sourcePath: string,
  extra: Partial<VectorLoadRequest> = {},
): Promise<{ table: string; result: VectorLoadResult; progress: number[]; steps: string[] }> {
  const table = extra.table ?? nextTable();
  const progress: number[] = [];
  const steps: string[] = [];
  const result = await loadVectorLayer({
    sourcePath,
    layerName: null,
    target,
    schema,
    table,
    onProgress: (f) => progress.push(f),
    onStep: (s) => steps.push(s),
    ...extra,
  });
  return { table, result, progress, steps };
}

async function loadError(sourcePath: string, extra: Partial<VectorLoadRequest> = {}): Promise<VectorIngestError> {
  const table = extra.table ?? nextTable();
  const error = await loadVectorLayer({ sourcePath, layerName: null, target, schema, table, ...extra }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VectorIngestError);
  const e = error as VectorIngestError;
  // user-safe: no connection details, no paths, no SQL
  for (const secret of [target.password, target.host, dir, fixtures['layers3.gpkg'], 'PG:', 'SELECT', 'CREATE'])
    expect(e.message).not.toContain(secret);
  expect(await tableExists(table)).toBe(false);
  return e;
}

async function tableExists(table: string): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${schema}.${table}`]);
  return rows[0]?.t !== null;
}

async function one<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.query<T>(sql, params);
  return rows[0] as T;
}

async function countOf(table: string): Promise<number> {
  return Number((await one<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).n);
}

async function gistIndexed(table: string): Promise<boolean> {
  const { rows } = await db.query<{ indexdef: string }>(
    'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
    [schema, table],
  );
  return rows.some((r) => /USING gist \(geom\)/i.test(r.indexdef));
}

async function sourceCount(path: string, layer: string | null = null): Promise<number> {
  const ds = await gdal.openAsync(path);
  try {
    const l = layer === null ? await ds.layers.getAsync(0) : await ds.layers.getAsync(layer);
    return await l.features.countAsync(true);
  } finally {
    ds.close();
  }
}

function expectProgress(progress: number[]): void {
  expect(progress.length).toBeGreaterThan(1);
  for (let i = 1; i < progress.length; i += 1) expect(progress[i]).toBeGreaterThan(progress[i - 1] as number);
  expect(progress[0]).toBe(0);
  expect(progress.at(-1)).toBe(1);
}

function expectExtent(extent: VectorLoadResult['extent'], approx: [number, number, number, number]): void {
  expect(extent).not.toBeNull();
  extent?.forEach((v, i) => expect(v).toBeCloseTo(approx[i] as number, 2));
}

/** A vector file written with gdal-async: one layer, the given fields and WKT geometries. */
async function writeVector(
  file: string,
  driver: string,
  layerName: string,
  srs: gdal.SpatialReference | null,
  geomType: number,
  fields: [string, string][],
  rows: { wkt: string | null; values: unknown[] }[],
): Promise<string> {
  const path = join(dir, file);
  const ds = await gdal.drivers.get(driver).createAsync(path, 0, 0, 0, gdal.GDT_Unknown);
  const layer = await ds.layers.createAsync(layerName, srs, geomType);
  for (const [name, type] of fields) layer.fields.add(new gdal.FieldDefn(name, type));
  for (const row of rows) {
    const feature = new gdal.Feature(layer);
    row.values.forEach((v, i) => feature.fields.set(i, v as string));
    if (row.wkt) feature.setGeometry(gdal.Geometry.fromWKT(row.wkt));
    await layer.features.addAsync(feature);
  }
  await ds.flushAsync();
  ds.close();
  return path;
}

beforeAll(async () => {
  fixtures = await ensureFixtures();
  dir = await mkdtemp(join(tmpdir(), 'strata-vector-load-'));
  db = new Client({ ...target });
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}`);
}, 60_000);

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db?.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('loadVectorLayer: layers with geometry', () => {
  it('loads a GeoPackage layer with COPY: rows, SRID, multi type, GIST index, extent, columns, progress', async () => {
    const path = fixtures['layers3.gpkg'];
    const { table, result, progress, steps } = await load(path, { layerName: 'parcels' });
    expect(gdal.config.get('PG_USE_COPY')).toBe('YES');
    expect(result.featureCount).toBe(await sourceCount(path, 'parcels'));
    expect(await countOf(table)).toBe(10);
    expect(result.geometryType).toBe('MultiPolygon');
    expect(result.srid).toBe(32633);
    expect((await one<{ srid: number }>(`SELECT Find_SRID($1, $2, 'geom') AS srid`, [schema, table])).srid).toBe(32633);
    expect(await gistIndexed(table)).toBe(true);
    // UTM 33N around x 390 000, y 5 810 000: Berlin's south-west
    expect(result.extent).not.toBeNull();
    const [minX, minY, maxX, maxY] = result.extent as number[];
    expect(minX).toBeGreaterThan(13.3);
    expect(maxX).toBeLessThan(13.5);
    expect(minY).toBeGreaterThan(52.4);
    expect(maxY).toBeLessThan(52.5);
    expect(result.columns).toEqual([
      { name: 'parcel_id', type: 'character varying' },
      { name: 'owner', type: 'character varying' },
      { name: 'area_m2', type: 'double precision' },
      { name: 'owner_count', type: 'integer' },
      { name: 'registered', type: 'date' },
    ]);
    expect(result.warnings).toEqual([]);
    const pk = await one<{ gid: number }>(`SELECT min(gid) AS gid FROM ${schema}.${table}`);
    expect(pk.gid).toBe(1);
    expectProgress(progress);
    expect(steps).toEqual(['loading', 'indexing', 'finalizing']);
  });

  it('loads the first layer when no name is given, keeping points as Point', async () => {
    const { table, result } = await load(fixtures['layers3.gpkg']);
    expect(result.featureCount).toBe(50);
    expect(result.geometryType).toBe('Point');
    expect(result.srid).toBe(4326);
    expect(await gistIndexed(table)).toBe(true);
  });

  it('promotes a LineString layer to MultiLineString with a warning', async () => {
    const { table, result } = await load(fixtures['layers3.gpkg'], { layerName: 'roads' });
    expect(result.featureCount).toBe(20);
    expect(result.geometryType).toBe('MultiLineString');
    const row = await one<{ t: string }>(`SELECT DISTINCT GeometryType(geom) AS t FROM ${schema}.${table}`);
    expect(row.t).toBe('MULTILINESTRING');
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: 'promoted-to-multi' }));
  });

  it('loads a zipped shapefile through /vsizip/', async () => {
    const path = `/vsizip/${fixtures['parcels_shp.zip']}`;
    const { result } = await load(path);
    expect(result.featureCount).toBe(await sourceCount(path));
    expect(result.srid).toBe(32633);
    expect(result.geometryType).toBe('MultiPolygon');
  });

  it('loads GeoJSON as EPSG:4326', async () => {
    const { result } = await load(fixtures['sample.geojson']);
    expect(result.featureCount).toBe(10);
    expect(result.srid).toBe(4326);
    expect(result.geometryType).toBe('Point');
    expectExtent(result.extent, [13.36, 52.505, 13.45, 52.55]);
  });

  it('a remote read that delivers fewer features than counted fails and leaves no table', async () => {
    // The source counts 10; as if the service had counted 11 and GDAL had ended the read early.
    const error = await loadError(fixtures['sample.geojson'], { requireAllFeatures: true, expectedFeatures: 11 });
    expect(error.code).toBe('incomplete-read');
    expect(error.message).toBe('The service delivered 10 of the 11 features it counted; nothing was published.');
    // Without the flag (files) or with the full count, the same load passes.
    expect((await load(fixtures['sample.geojson'], { expectedFeatures: 11 })).result.featureCount).toBe(10);
    const { result } = await load(fixtures['sample.geojson'], { requireAllFeatures: true });
    expect(result.featureCount).toBe(10);
  });

  it('stores text columns of epoch milliseconds as timestamptz (ArcGIS dates)', async () => {
    const csv = join(dir, 'epoch.csv');
    await writeFile(csv, 'name,surveyed\na,1704153600000\nb,\n');
    const { table } = await load(csv, { epochMsColumns: ['Surveyed', 'missing'] });
    const row = await one<{ type: string; first: Date | null; second: Date | null }>(
      `SELECT (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'surveyed') AS type,
              (SELECT surveyed FROM ${schema}.${table} WHERE name = 'a') AS first,
              (SELECT surveyed FROM ${schema}.${table} WHERE name = 'b') AS second`,
      [`${schema}.${table}`],
    );
    expect(row.type).toBe('timestamp with time zone');
    expect(row.first?.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(row.second).toBeNull();
  });

  it('relabels the CRS with srid_override without reprojecting', async () => {
    const { table, result } = await load(fixtures['layers3.gpkg'], { layerName: 'sites', sridOverride: 4258 });
    expect(result.srid).toBe(4258);
    const first = await one<{ x: number }>(`SELECT ST_X(geom) AS x FROM ${schema}.${table} ORDER BY gid LIMIT 1`);
    expect(first.x).toBeCloseTo(13.225, 5);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: 'crs-overridden' }));
  });

  it('renames reserved, unsafe and duplicate columns and makes mixed polygons MultiPolygon', async () => {
    const path = join(dir, 'renames.geojson');
    const square = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    await writeFile(
      path,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { gid: 'A-1', Name: 'one', name: 'uno', xmin: 1.5, '1st': 7, 'Area (m²)': 2.5, geometry: 'g' },
            geometry: { type: 'Polygon', coordinates: [square] },
          },
          {
            type: 'Feature',
            properties: { gid: 'A-2', Name: 'two', name: 'dos', xmin: 2.5, '1st': 8, 'Area (m²)': 3.5, geometry: 'h' },
            geometry: { type: 'MultiPolygon', coordinates: [[square], [square.map(([x, y]) => [x! + 2, y!])]] },
          },
        ],
      }),
    );
    const { table, result } = await load(path);
    expect(result.columns.map((c) => c.name)).toEqual([
      'src_gid',
      'name',
      'name_2',
      'src_xmin',
      '_1st',
      'area_m2',
      'src_geometry',
    ]);
    expect(result.columns.find((c) => c.name === 'src_xmin')?.type).toBe('double precision');
    expect(result.columns.find((c) => c.name === '_1st')?.type).toBe('integer');
    const renamed = result.warnings.filter((w) => w.code === 'column-renamed').map((w) => w.message);
    expect(renamed).toEqual(
      expect.arrayContaining([
        "Column 'gid' was renamed to 'src_gid'.",
        "Column 'name' was renamed to 'name_2'.",
        "Column 'xmin' was renamed to 'src_xmin'.",
        "Column '1st' was renamed to '_1st'.",
        "Column 'Area (m²)' was renamed to 'area_m2'.",
        "Column 'geometry' was renamed to 'src_geometry'.",
      ]),
    );
    expect(renamed).not.toContain(expect.stringContaining("'Name'"));
    const rows = await db.query<{ gid: number; src_gid: string; name: string; name_2: string; t: string }>(
      `SELECT gid, src_gid, name, name_2, GeometryType(geom) AS t FROM ${schema}.${table} ORDER BY gid`,
    );
    expect(rows.rows).toEqual([
      { gid: 1, src_gid: 'A-1', name: 'one', name_2: 'uno', t: 'MULTIPOLYGON' },
      { gid: 2, src_gid: 'A-2', name: 'two', name_2: 'dos', t: 'MULTIPOLYGON' },
    ]);
    expect(result.geometryType).toBe('MultiPolygon');
    expect(result.srid).toBe(4326);
    expect(await gistIndexed(table)).toBe(true);
  });
});

describe('loadVectorLayer: tables with coordinate or WKT columns', () => {
  it('builds points from detected lon/lat columns of a CSV, assuming EPSG:4326', async () => {
    const path = fixtures['points_lonlat.csv'];
    const { table, result, progress } = await load(path);
    expect(result.featureCount).toBe(await sourceCount(path));
    expect(result.geometryType).toBe('Point');
    expect(result.srid).toBe(4326);
    expect(result.columns).toEqual([
      { name: 'lon', type: 'double precision' },
      { name: 'lat', type: 'double precision' },
      { name: 'name', type: 'character varying' },
      { name: 'value', type: 'double precision' },
    ]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'crs-assumed' })]);
    const bad = await one<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.${table} WHERE geom IS NULL OR ST_X(geom) <> lon OR ST_Y(geom) <> lat`,
    );
    expect(Number(bad.n)).toBe(0);
    expect(await gistIndexed(table)).toBe(true);
    expectProgress(progress);
  });

  it('builds points from an XLSX sheet', async () => {
    const { result } = await load(fixtures['points.xlsx']);
    expect(result.featureCount).toBe(100);
    expect(result.geometryType).toBe('Point');
    expect(result.srid).toBe(4326);
  });

  it('uses user-chosen x/y columns with srid_override; unparsable rows get no geometry and a warning', async () => {
    const path = join(dir, 'utm.csv');
    await writeFile(
      path,
      [
        'Easting,Northing,gid,label',
        '390000,5810000,1,a',
        '390100.5,5810100.25,2,b',
        'n/a,5810000,3,c',
        ',,4,d',
        '1e400,5810000,5,e',
      ].join('\n'),
    );
    const { table, result } = await load(path, { xColumn: 'Easting', yColumn: 'northing', sridOverride: 32633 });
    expect(result.featureCount).toBe(5);
    expect(result.srid).toBe(32633);
    expect(result.geometryType).toBe('Point');
    expect(result.columns.map((c) => c.name)).toEqual(['easting', 'northing', 'src_gid', 'label']);
    const withGeom = await db.query<{ label: string; x: number }>(
      `SELECT label, ST_X(geom) AS x FROM ${schema}.${table} WHERE geom IS NOT NULL ORDER BY gid`,
    );
    expect(withGeom.rows).toEqual([
      { label: 'a', x: 390000 },
      { label: 'b', x: 390100.5 },
    ]);
    const warning = result.warnings.find((w) => w.code === 'rows-without-geometry');
    expect(warning?.message).toBe(
      "3 of 5 rows have no geometry: 2 with 'easting'/'northing' values that are not numbers, 1 with an empty 'easting' or 'northing'.",
    );
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: 'column-renamed' }));
  });

  it('refuses projected x/y without srid_override (missing-crs) and drops the table', async () => {
    const path = join(dir, 'utm-no-crs.csv');
    await writeFile(path, ['x,y,label', '390000,5810000,a', '390100,5810100,b'].join('\n'));
    const error = await loadError(path);
    expect(error.code).toBe('missing-crs');
    expect(error.message).toMatch(/srid_override/);
  });

  it('builds geometry from a WKT column: invalid WKT is a warning, polygons become MultiPolygon', async () => {
    const path = join(dir, 'wkt.csv');
    await writeFile(
      path,
      [
        'id,shape_wkt',
        '1,"POLYGON ((13 52,13.1 52,13.1 52.1,13 52))"',
        '2,"MULTIPOLYGON (((13.2 52,13.3 52,13.3 52.1,13.2 52)))"',
        '3,"POLYGON ((not wkt))"',
        '4,',
      ].join('\n'),
    );
    const { table, result } = await load(path, { geomColumn: 'shape_wkt' });
    expect(result.featureCount).toBe(4);
    expect(result.geometryType).toBe('MultiPolygon');
    expect(result.srid).toBe(4326);
    expect(result.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining(['invalid-wkt', 'rows-without-geometry', 'promoted-to-multi', 'crs-assumed']),
    );
    expect(result.warnings.find((w) => w.code === 'invalid-wkt')?.message).toMatch(/^1 of 4 rows/);
    expectExtent(result.extent, [13, 52, 13.3, 52.1]);
    expect(await gistIndexed(table)).toBe(true);
  });

  it('loads a CSV without coordinates as a plain table', async () => {
    const path = join(dir, 'plain.csv');
    await writeFile(path, ['code,count', 'a,1', 'b,2', 'c,3'].join('\n'));
    const { table, result } = await load(path);
    expect(result).toMatchObject({ featureCount: 3, geometryType: null, srid: null, extent: null });
    expect(result.columns).toEqual([
      { name: 'code', type: 'character varying' },
      { name: 'count', type: 'integer' },
    ]);
    expect(await gistIndexed(table)).toBe(false);
  });

  it('rejects an unknown user-given column', async () => {
    const error = await loadError(fixtures['points_lonlat.csv'], { xColumn: 'lon', yColumn: 'nope' });
    expect(error.code).toBe('unknown-column');
    expect(error.message).toContain("'nope'");
  });

  it('rejects x without y', async () => {
    const error = await loadError(fixtures['points_lonlat.csv'], { xColumn: 'lon' });
    expect(error.code).toBe('invalid-columns');
  });
});

describe('loadVectorLayer: failures', () => {
  it('refuses a layer with geometry but no CRS (a shapefile without .prj), and loads it with srid_override', async () => {
    const path = await writeVector(
      'noprj.shp',
      'ESRI Shapefile',
      'noprj',
      null,
      gdal.wkbPolygon,
      [['name', gdal.OFTString]],
      [{ wkt: 'POLYGON ((390000 5810000,390100 5810000,390100 5810100,390000 5810000))', values: ['a'] }],
    );
    const error = await loadError(path);
    expect(error.code).toBe('missing-crs');
    expect(error.message).toMatch(/srid_override/);
    expect(error.message).toMatch(/\.prj/);

    const { result } = await load(path, { sridOverride: 32633 });
    expect(result.srid).toBe(32633);
    expect(result.geometryType).toBe('MultiPolygon');
  });

  it('names the available layers for an unknown layer', async () => {
    const error = await loadError(fixtures['layers3.gpkg'], { layerName: 'nope' });
    expect(error.code).toBe('unknown-layer');
    expect(error.message).toContain("'sites'");
  });

  it('refuses an unreadable file', async () => {
    const error = await loadError(fixtures['corrupt.gpkg']);
    expect(error.code).toBe('unreadable');
  });

  it('refuses an existing table and leaves it alone', async () => {
    const table = nextTable();
    await db.query(`CREATE TABLE ${schema}.${table} (id int)`);
    const error = await loadVectorLayer({
      sourcePath: fixtures['sample.geojson'],
      layerName: null,
      target,
      schema,
      table,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorIngestError);
    expect((error as VectorIngestError).code).toBe('table-exists');
    expect(await tableExists(table)).toBe(true);
    await dropTableIfExists(target, schema, table);
    expect(await tableExists(table)).toBe(false);
    await dropTableIfExists(target, schema, table); // idempotent
  });

  it('refuses an unknown srid_override', async () => {
    const error = await loadError(fixtures['sample.geojson'], { sridOverride: 999_999 });
    expect(error.code).toBe('unknown-srid');
  });

  it('wraps a failing GDAL load in a user-safe error, keeps the cause and drops the partial table', async () => {
    const srs = gdal.SpatialReference.fromEPSG(4326);
    // A GeoPackage layer declared Point holding a LineString: PostGIS rejects the row during COPY.
    const path = await writeVector(
      'liar.gpkg',
      'GPKG',
      'liar',
      srs,
      gdal.wkbPoint,
      [['name', gdal.OFTString]],
      [
        { wkt: 'POINT (1 2)', values: ['ok'] },
        { wkt: 'LINESTRING (1 2,3 4)', values: ['bad'] },
      ],
    );
    const error = await loadError(path);
    expect(error.code).toBe('load-failed');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reports an unreachable database as retryable, without connection details', async () => {
    // (the test cluster trusts local connections, so a wrong password would not fail: a closed port does)
    const wrong = { ...target, port: 1, password: 'definitely-wrong-secret' };
    const error = await loadVectorLayer({
      sourcePath: fixtures['sample.geojson'],
      layerName: null,
      target: wrong,
      schema,
      table: nextTable(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorLoadUnavailableError);
    expect((error as Error).message).not.toContain('definitely-wrong-secret');
    expect((error as Error).message).not.toContain(target.host);
  });

  it('keeps a load connection the server ends between queries from killing the process, and says so', async () => {
    const name = `strata-lost-${randomBytes(4).toString('hex')}`;
    const client = await connectForLoad(target, name);
    try {
      await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      for (let i = 0; i < 100 && !lostConnection(client); i += 1) await new Promise((r) => setTimeout(r, 50));
      expect((lostConnection(client) as { code?: string } | undefined)?.code).toBe('57P01');
      await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable/);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it('rejects unsafe schema and table names before touching anything', async () => {
    await expect(
      loadVectorLayer({ sourcePath: fixtures['sample.geojson'], layerName: null, target, schema, table: 'x; drop' }),
    ).rejects.toThrow(TypeError);
  });
});

describe('loadVectorLayer: a large layer', () => {
  it('loads 100 000 points from a GeoPackage and from a CSV (timings logged)', async () => {
    const n = 100_000;
    const csv = join(dir, 'big.csv');
    const lines = ['lon,lat,name,value'];
    for (let i = 0; i < n; i += 1)
      lines.push(`${(-180 + (i % 3600) * 0.1).toFixed(4)},${(-80 + Math.floor(i / 3600) * 0.5).toFixed(4)},p${i},${i}`);
    await writeFile(csv, `${lines.join('\n')}\n`);
    const gpkg = join(dir, 'big.gpkg');
    // sync open: gdal-async's Driver.openAsync ignores open options
    const src = gdal.drivers.get('CSV').open(csv, 'r', ['X_POSSIBLE_NAMES=lon', 'Y_POSSIBLE_NAMES=lat']);
    (await gdal.vectorTranslateAsync(gpkg, src, ['-f', 'GPKG', '-a_srs', 'EPSG:4326', '-nln', 'big'])).close();
    src.close();

    // COPY shows up in pg_stat_progress_copy while it runs (INSERTs would not), on the connection named
    // by applicationName, as one COPY whose row count reaches the total announced by onTotal.
    const table = nextTable();
    const applicationName = `strata-test-${table}`;
    let copied = 0;
    const watching = { on: true };
    const watcher = (async () => {
      const watch = new Client({ ...target });
      await watch.connect();
      try {
        while (watching.on) {
          const { rows } = await watch.query<{ n: string }>(
            `SELECT p.tuples_processed AS n FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)
              WHERE p.command = 'COPY FROM' AND a.application_name = $1`,
            [applicationName],
          );
          for (const r of rows) copied = Math.max(copied, Number(r.n));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        await watch.end();
      }
    })();
    const totals: number[] = [];
    const fromGpkg = await load(gpkg, { table, applicationName, onTotal: (t) => totals.push(t) }).finally(() => {
      watching.on = false;
    });
    await watcher;
    expect(totals).toEqual([n]);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThanOrEqual(n);
    expect(fromGpkg.result.featureCount).toBe(n);
    expect(await countOf(fromGpkg.table)).toBe(n);
    expect(fromGpkg.result.geometryType).toBe('Point');
    expect(await gistIndexed(fromGpkg.table)).toBe(true);
    expectProgress(fromGpkg.progress);

    const fromCsv = await load(csv);
    expect(fromCsv.result.featureCount).toBe(n);
    expect(fromCsv.result.geometryType).toBe('Point');
    const nulls = await one<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${fromCsv.table} WHERE geom IS NULL`);
    expect(Number(nulls.n)).toBe(0);
  }, 180_000);
});

describe('finishStagedTable: the count and extent pass', () => {
  /** A staged table as GDAL leaves it: `n` points in EPSG:32633, generic geometry, no index. */
  async function stagedPoints(n: number): Promise<string> {
    const table = nextTable();
    await db.query(
      `CREATE TABLE ${schema}.${table} AS
         SELECT g AS gid, ST_SetSRID(ST_MakePoint(400000 + g, 5800000 + g), 32633)::geometry(Point, 32633) AS geom
           FROM generate_series(1, ${n}) g`,
    );
    return table;
  }
  const staged = { geometry: { kind: 'layer' as const }, srid: 32633, assumedLonLat: false, warnings: [] };
  /** What the extent and count must be, read on the test's own connection. */
  async function truth(table: string): Promise<{ n: number; box: number[] }> {
    const row = await one<{ n: string; xmin: number; ymin: number; xmax: number; ymax: number }>(
      `SELECT n, ST_XMin(b) AS xmin, ST_YMin(b) AS ymin, ST_XMax(b) AS xmax, ST_YMax(b) AS ymax
         FROM (SELECT count(*) AS n, ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 32633), 4326) AS b
                 FROM ${schema}.${table}) s`,
    );
    return { n: Number(row.n), box: [row.xmin, row.ymin, row.xmax, row.ymax] };
  }

  it('reads the rows on a second connection while the index is built, and closes it', async () => {
    const table = await stagedPoints(50_000);
    const main = await connectForLoad(target);
    const opened: Client[] = [];
    const scanned: string[] = [];
    try {
      const result = await finishStagedTable(main, {
        schema,
        table,
        staged,
        openScanClient: async () => {
          const side = await connectForLoad(target);
          opened.push(side);
          const query = side.query.bind(side) as (text: string) => Promise<unknown>;
          // What the main connection is doing when the side connection starts its pass.
          (side as unknown as { query: (text: string) => Promise<unknown> }).query = async (text: string) => {
            const { rows } = await db.query<{ query: string }>(`SELECT query FROM pg_stat_activity WHERE pid = $1`, [
              (main as unknown as { processID: number }).processID,
            ]);
            scanned.push(rows[0]?.query ?? '');
            return query(text);
          };
          return side;
        },
      });
      const expected = await truth(table);
      expect(result.featureCount).toBe(50_000);
      expectExtent(result.extent, expected.box as [number, number, number, number]);
      expect(opened).toHaveLength(1);
      expect(scanned).toHaveLength(1);
      // Started beside the index build (or the ANALYZE right after it), not after them on the main connection.
      expect(scanned[0]).toMatch(/^(CREATE INDEX|ANALYZE)/);
      // Closed after its one pass: its backend is gone.
      const sidePid = (opened[0] as unknown as { processID: number }).processID;
      await expect
        .poll(async () => (await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [sidePid])).rowCount)
        .toBe(0);
      expect(await gistIndexed(table)).toBe(true);
    } finally {
      await main.end();
    }
  });

  it('falls back to the main connection when the second one cannot be opened', async () => {
    const table = await stagedPoints(500);
    const main = await connectForLoad(target);
    try {
      const result = await finishStagedTable(main, {
        schema,
        table,
        staged,
        openScanClient: () => Promise.reject(new Error('too many connections')),
      });
      const expected = await truth(table);
      expect(result.featureCount).toBe(500);
      expectExtent(result.extent, expected.box as [number, number, number, number]);
      expect(await gistIndexed(table)).toBe(true);
    } finally {
      await main.end();
    }
  });
});
