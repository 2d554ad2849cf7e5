import {
  VectorIngestError,
  type GeometryMode,
  type StagedLayer,
  type VectorLoadResult,
  type VectorLoadWarning,
} from '@app/contracts';
import { escapeIdentifier, type Client } from 'pg';
import { geometryTypeLabel, sharedGeometryType } from './geometry-types.js';
import { qualifiedName } from './staging.js';

export interface FinishRequest {
  schema: string;
  /** The staging table GDAL wrote (checked names). */
  table: string;
  staged: StagedLayer;
  onStep?: (step: 'indexing' | 'finalizing') => void;
  /** 0.88…1 at each step. */
  onProgress?: (fraction: number) => void;
  /**
   * A second connection to the same database: the count and extent pass then reads the rows there while
   * this one builds the index (CREATE INDEX blocks writes, not reads), so the two passes use two cores.
   * Without it (or if it fails) the pass runs on `client` after the index.
   */
  openScanClient?: () => Promise<Client>;
}

interface RowScan {
  featureCount: number;
  /** The native extent as EWKB hex; null without geometry or rows. */
  nativeExtent: string | null;
}

/**
 * The database half of a vector load, on the table GDAL just wrote: builds geometry from x/y or WKT
 * columns, checks the CRS, gives a generic geometry column the one type its rows share, indexes,
 * analyzes and describes the table. Throws VectorIngestError for data that cannot be published.
 */
export async function finishStagedTable(client: Client, req: FinishRequest): Promise<VectorLoadResult> {
  const { staged } = req;
  const progress = (fraction: number): void => req.onProgress?.(fraction);
  const qualified = qualifiedName(req.schema, req.table);
  const warnings = [...staged.warnings];
  if (staged.geometry.kind === 'xy') {
    warnings.push(...(await buildPointGeometry(client, qualified, staged.geometry, staged.srid ?? 4326)));
  } else if (staged.geometry.kind === 'wkt') {
    warnings.push(...(await buildWktGeometry(client, qualified, staged.geometry.column, staged.srid ?? 4326)));
  }
  progress(0.88);
  const spatial = staged.geometry.kind !== 'none' && (await hasGeomColumn(client, req.schema, req.table));
  let srid: number | null = null;
  if (spatial) {
    srid = await findSrid(client, req.schema, req.table);
    if (!srid) {
      throw new VectorIngestError(
        'unidentified-crs',
        'The coordinate reference system of the data has no EPSG code. Pass srid_override with the EPSG code it corresponds to.',
      );
    }
    if (staged.geometry.kind === 'layer') warnings.push(...(await tightenGeometryType(client, qualified, srid)));
    if (staged.assumedLonLat) warnings.push(await checkLonLat(client, qualified));
  }
  req.onStep?.('indexing');
  // The rows no longer change from here: the pass over them may run beside the index build.
  const sideScan = spatial && req.openScanClient ? scanOnSide(req.openScanClient, qualified) : undefined;
  try {
    if (spatial) await client.query(`CREATE INDEX ON ${qualified} USING GIST (geom)`);
    progress(0.93);
    await client.query(`ANALYZE ${qualified}`);
  } finally {
    // Never left running behind a failure: the caller drops the table next.
    await sideScan;
  }
  progress(0.96);
  req.onStep?.('finalizing');
  const scan = (await sideScan) ?? (await scanRows(client, qualified, spatial));
  const result = await describe(client, req.schema, req.table, spatial ? srid : null, scan);
  progress(1);
  return { ...result, warnings };
}

async function hasGeomColumn(client: Client, schema: string, table: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM geometry_columns WHERE f_table_schema = $1 AND f_table_name = $2 AND f_geometry_column = 'geom'`,
    [schema, table],
  );
  return rowCount === 1;
}

async function findSrid(client: Client, schema: string, table: string): Promise<number> {
  const { rows } = await client.query<{ srid: number }>(`SELECT Find_SRID($1, $2, 'geom') AS srid`, [schema, table]);
  return rows[0]?.srid ?? 0;
}

// Parses a number the way a user means it, or NULL: never an error that would abort the whole update.
const NUMBER_FUNCTION = `CREATE OR REPLACE FUNCTION pg_temp.strata_num(v text) RETURNS float8
  LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(v) < 40 AND v ~ '^\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]{1,2})?\\s*$'
           THEN v::float8 END
  $$`;

const WKT_FUNCTION = `CREATE OR REPLACE FUNCTION pg_temp.strata_wkt(v text, srid integer) RETURNS geometry
  LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
      IF v IS NULL OR btrim(v) = '' THEN RETURN NULL; END IF;
      RETURN ST_SetSRID(ST_GeomFromText(v), srid);
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END
  $$`;

/** Rows with geometry missing, and rows where the source value was there but unusable. */
async function geometryGaps(
  client: Client,
  table: string,
  inputs: string[],
): Promise<{ total: number; missing: number; invalid: number }> {
  const present = inputs.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const { rows } = await client.query<{ total: string; missing: string; invalid: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE geom IS NULL) AS missing,
            count(*) FILTER (WHERE geom IS NULL AND ${present}) AS invalid FROM ${table}`,
  );
  const row = rows[0];
  return { total: Number(row?.total ?? 0), missing: Number(row?.missing ?? 0), invalid: Number(row?.invalid ?? 0) };
}

/**
 * Point geometry from x/y columns. `ALTER COLUMN … TYPE … USING` rewrites the table once (an UPDATE
 * would leave a dead copy of every row); values that do not parse as numbers give NULL geometry.
 */
async function buildPointGeometry(
  client: Client,
  table: string,
  columns: Extract<GeometryMode, { kind: 'xy' }>,
  srid: number,
): Promise<VectorLoadWarning[]> {
  const x = escapeIdentifier(columns.x);
  const y = escapeIdentifier(columns.y);
  await client.query(NUMBER_FUNCTION);
  await client.query(`ALTER TABLE ${table} ADD COLUMN geom geometry(Point, ${srid})`);
  await client.query(
    `ALTER TABLE ${table} ALTER COLUMN geom TYPE geometry(Point, ${srid})
       USING ST_SetSRID(ST_MakePoint(pg_temp.strata_num(${x}::text), pg_temp.strata_num(${y}::text)), ${srid})`,
  );
  const gaps = await geometryGaps(client, table, [x, y]);
  if (gaps.missing === 0) return [];
  return [
    {
      code: 'rows-without-geometry',
      message:
        `${gaps.missing} of ${gaps.total} rows have no geometry: ` +
        [
          gaps.invalid > 0 ? `${gaps.invalid} with '${columns.x}'/'${columns.y}' values that are not numbers` : '',
          gaps.missing > gaps.invalid
            ? `${gaps.missing - gaps.invalid} with an empty '${columns.x}' or '${columns.y}'`
            : '',
        ]
          .filter(Boolean)
          .join(', ') +
        '.',
    },
  ];
}

/** Geometry from a WKT column; text that is not valid WKT gives NULL geometry and a warning. */
async function buildWktGeometry(
  client: Client,
  table: string,
  column: string,
  srid: number,
): Promise<VectorLoadWarning[]> {
  const source = escapeIdentifier(column);
  await client.query(WKT_FUNCTION);
  await client.query(`ALTER TABLE ${table} ADD COLUMN geom geometry(Geometry, ${srid})`);
  await client.query(
    `ALTER TABLE ${table} ALTER COLUMN geom TYPE geometry(Geometry, ${srid})
       USING pg_temp.strata_wkt(${source}::text, ${srid})`,
  );
  const warnings = await tightenGeometryType(client, table, srid);
  const gaps = await geometryGaps(client, table, [`NULLIF(btrim(${source}::text), '')`]);
  if (gaps.invalid > 0) {
    warnings.push({
      code: 'invalid-wkt',
      message: `${gaps.invalid} of ${gaps.total} rows have no geometry: their '${column}' value is not valid WKT.`,
    });
  }
  if (gaps.missing > gaps.invalid) {
    warnings.push({
      code: 'rows-without-geometry',
      message: `${gaps.missing - gaps.invalid} of ${gaps.total} rows have no geometry: their '${column}' value is empty.`,
    });
  }
  return warnings;
}

/**
 * A `geometry(Geometry)` column (a layer of unknown or mixed type, or WKT) gets the one type its rows
 * share, with lines and polygons made multi. Left generic when the rows mix kinds or carry Z/M.
 */
async function tightenGeometryType(client: Client, table: string, srid: number): Promise<VectorLoadWarning[]> {
  const { rows: current } = await client.query<{ type: string }>(
    `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'geom'`,
    [table],
  );
  // Only a generic column needs the scan; a typed one already holds a single type.
  if (!/^geometry(\(geometry\b|$)/i.test(current[0]?.type ?? '')) return [];
  const { rows } = await client.query<{ types: string[] | null; zm: boolean | null }>(
    `SELECT array_agg(DISTINCT GeometryType(geom)) AS types, bool_or(ST_Zmflag(geom) <> 0) AS zm
       FROM ${table} WHERE geom IS NOT NULL`,
  );
  const types = rows[0]?.types ?? [];
  const shared = rows[0]?.zm ? null : sharedGeometryType(types);
  if (!shared) return [];
  await client.query(
    `ALTER TABLE ${table} ALTER COLUMN geom TYPE geometry(${shared.type}, ${srid})
       USING ${shared.multi ? 'ST_Multi(geom)' : 'geom'}`,
  );
  const singles = types.filter((t) => ['POLYGON', 'LINESTRING'].includes(t.toUpperCase()));
  if (!shared.multi || singles.length === 0) return [];
  return [
    {
      code: 'promoted-to-multi',
      message: `${singles.map((t) => geometryTypeLabel(t)).join(' and ')} geometries were stored as ${shared.type} so that every row has the same type.`,
    },
  ];
}

/** For data assumed to be EPSG:4326: refuses coordinates that cannot be longitude/latitude. */
async function checkLonLat(client: Client, table: string): Promise<VectorLoadWarning> {
  const { rows } = await client.query<{ ok: boolean | null }>(
    `SELECT ST_XMin(e) >= -180 AND ST_XMax(e) <= 180 AND ST_YMin(e) >= -90 AND ST_YMax(e) <= 90 AS ok
       FROM (SELECT ST_Extent(geom) AS e FROM ${table}) s`,
  );
  if (rows[0]?.ok === false) {
    throw new VectorIngestError(
      'missing-crs',
      'Missing CRS: the coordinates are not longitude/latitude and the file does not say which coordinate ' +
        'reference system they use. Pass srid_override with the EPSG code of its coordinates.',
    );
  }
  return {
    code: 'crs-assumed',
    message: 'The file does not name a coordinate reference system; EPSG:4326 (longitude/latitude) was assumed.',
  };
}

async function describe(
  client: Client,
  schema: string,
  table: string,
  srid: number | null,
  { featureCount, nativeExtent }: RowScan,
): Promise<Omit<VectorLoadResult, 'warnings'>> {
  const qualified = qualifiedName(schema, table);
  const { rows: columns } = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('gid', 'geom')
      ORDER BY attnum`,
    [qualified],
  );
  if (srid === null) return { featureCount, geometryType: null, srid: null, extent: null, columns };

  const { rows: typeRows } = await client.query<{ type: string; coord_dimension: number }>(
    `SELECT type, coord_dimension FROM geometry_columns
      WHERE f_table_schema = $1 AND f_table_name = $2 AND f_geometry_column = 'geom'`,
    [schema, table],
  );
  const declared = typeRows[0];
  const isM = declared ? /M$/i.test(declared.type) && declared.type.toUpperCase() !== 'GEOMETRY' : false;
  const geometryType = declared ? geometryTypeLabel(declared.type, declared.coord_dimension > 2 && !isM) : 'Geometry';
  return { featureCount, geometryType, srid, extent: await wgs84Box(client, nativeExtent, srid), columns };
}

/** One pass over the rows for both the count and the native extent. */
async function scanRows(client: Client, table: string, spatial: boolean): Promise<RowScan> {
  const { rows } = await client.query<{ n: string; e: string | null }>(
    spatial
      ? `SELECT count(*) AS n, ST_Extent(geom)::geometry AS e FROM ${table}`
      : `SELECT count(*) AS n, NULL AS e FROM ${table}`,
  );
  return { featureCount: Number(rows[0]?.n ?? 0), nativeExtent: rows[0]?.e ?? null };
}

/**
 * `scanRows` of a table with geometry, on a connection of its own, closed after; undefined when that fails
 * (the caller scans itself).
 */
async function scanOnSide(open: () => Promise<Client>, table: string): Promise<RowScan | undefined> {
  let side: Client | undefined;
  try {
    side = await open();
    return await scanRows(side, table, true);
  } catch {
    return undefined;
  } finally {
    await side?.end().catch(() => undefined);
  }
}

/**
 * The WGS84 box of a native extent (EWKB hex, null for a table without geometry): its outline, densified,
 * transformed — as good as transforming every geometry for a bounding box, at the cost of one small
 * polygon instead of the whole table. Null when the coordinates are outside the CRS's domain (no extent
 * rather than a failed load).
 */
async function wgs84Box(client: Client, extent: string | null, srid: number): Promise<VectorLoadResult['extent']> {
  if (extent === null) return null;
  const box =
    srid === 4326
      ? `SELECT $1::geometry AS b`
      : `SELECT ST_Extent(ST_Transform(CASE WHEN size > 0 THEN ST_Segmentize(g, size / 32) ELSE g END, 4326)) AS b
           FROM (SELECT g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) AS size
                   FROM (SELECT ST_SetSRID($1::geometry, ${srid}) AS g) e) d`;
  try {
    const { rows } = await client.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
      `SELECT ST_XMin(b) AS xmin, ST_YMin(b) AS ymin, ST_XMax(b) AS xmax, ST_YMax(b) AS ymax FROM (${box}) x`,
      [extent],
    );
    const r = rows[0];
    return r && r.xmin !== null ? [r.xmin, r.ymin, r.xmax, r.ymax] : null;
  } catch {
    return null;
  }
}
