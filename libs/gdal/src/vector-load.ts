import gdal from 'gdal-async';
import { epsgOf } from './srs.js';
import { Client, escapeIdentifier } from 'pg';
import { detectGeometryColumns } from './inspection.js';
import {
  promotedLabel,
  promotesToMulti,
  sharedGeometryType,
  wkbName,
  type GeometryMode,
} from './vector-load/geometry.js';
import {
  geometryTypeLabel,
  isSafeIdentifier,
  pgConnectionString,
  planColumns,
  type ColumnPlan,
  type PgTarget,
} from './vector-load/names.js';
import { renamingVrt } from './vector-load/vrt.js';

export { datasetTableName, type PgTarget } from './vector-load/names.js';

export interface VectorLoadRequest {
  /** GDAL-readable path: a local file, `/vsizip/…`, `/vsis3/…`. */
  sourcePath: string;
  /** Null: the first layer. */
  layerName: string | null;
  target: PgTarget;
  /** Existing schema for data tables. */
  schema: string;
  /** Staging table to create: a safe identifier (≤63 chars, [a-z0-9_]); it must not exist yet. */
  table: string;
  /** EPSG code that relabels the source CRS (no reprojection); the fix for sources without one. */
  sridOverride?: number | null;
  /** Source column names (as the preview listed them) holding x/y coordinates or WKT. */
  xColumn?: string | null;
  yColumn?: string | null;
  geomColumn?: string | null;
  /**
   * 0..1 at each post-processing step (0 before the load, then 0.88…1). The load itself reports no
   * progress here: GDAL's progress callback costs a JavaScript call per feature, which slowed loads by
   * half. A monitor follows the load instead through `pg_stat_progress_copy`, finding its connection
   * by `applicationName`, against the total given to `onTotal`.
   */
  onProgress?: (fraction: number) => void;
  /** Called before the load with the layer's feature count. */
  onTotal?: (features: number) => void;
  /** `application_name` of the load's database connection (default `strata-vector-load`). */
  applicationName?: string;
  onStep?: (step: 'loading' | 'indexing' | 'finalizing') => void;
}

export interface VectorLoadWarning {
  code: string;
  message: string;
}

export interface VectorLoadResult {
  featureCount: number;
  /** e.g. 'MultiPolygon', 'Point'; null without geometry. */
  geometryType: string | null;
  srid: number | null;
  /** WGS84 bounding box [minX, minY, maxX, maxY]; null without geometry or rows. */
  extent: [number, number, number, number] | null;
  /** User columns after renames (without gid and geom). */
  columns: { name: string; type: string }[];
  warnings: VectorLoadWarning[];
}

/** A permanent failure caused by the source or the request; `message` is safe to show users. */
export class VectorIngestError extends Error {
  constructor(
    readonly code: string,
    userMessage: string,
    options?: ErrorOptions,
  ) {
    super(userMessage, options);
    this.name = 'VectorIngestError';
  }
}

/** The database or the source's storage could not be reached: worth another attempt. */
export class VectorLoadUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VectorLoadUnavailableError';
  }
}

/** Drivers for tables of rows: geometry, if any, comes from coordinate or WKT columns. */
const TABULAR_DRIVERS = new Set(['CSV', 'XLSX', 'XLS', 'ODS']);
/** Drivers whose data is longitude/latitude unless said otherwise (GeoJSON: by RFC 7946). */
const LONLAT_DEFAULT_DRIVERS = new Set([...TABULAR_DRIVERS, 'GeoJSON', 'GeoJSONSeq']);

/**
 * Typed columns for CSV (numbers as numbers), decided on the whole file so that a late non-number
 * cannot break a column typed from the first rows; empty cells are NULL, not ''.
 */
const CSV_OPEN_OPTIONS = ['AUTODETECT_TYPE=YES', 'AUTODETECT_SIZE_LIMIT=0', 'EMPTY_STRING_AS_NULL=YES'];

const TRANSIENT_GDAL_ERROR =
  /PQconnectdb|could not connect|connection to server|server closed the connection|terminating connection|no connection to the server|HTTP error|curl error|timed out/i;

interface SourceLayer {
  ds: gdal.Dataset;
  driver: string;
  layer: string;
  geomType: number;
  epsg: number | null;
  hasSrs: boolean;
  fields: { name: string; type: string }[];
}

interface LoadPlan {
  columns: ColumnPlan[];
  geometry: GeometryMode;
  /** SRID the geometry will have, when known before the load. */
  srid: number | null;
  /** `-a_srs` value, when the CRS is relabelled. */
  assignSrs: string | null;
  /** EPSG:4326 assumed for lon/lat-by-default sources: checked against the data after the load. */
  assumedLonLat: boolean;
  promote: boolean;
  warnings: VectorLoadWarning[];
}

/**
 * Loads one vector layer into a new table `schema.table` with ogr2ogr semantics (COPY, no
 * reprojection), then renames, indexes and describes it. GDAL streams the features from the source
 * to PostgreSQL; nothing is read into JavaScript. On failure the table is dropped.
 */
export async function loadVectorLayer(req: VectorLoadRequest): Promise<VectorLoadResult> {
  assertIdentifier(req.schema, 'schema');
  assertIdentifier(req.table, 'table');
  const progress = progressReporter(req.onProgress);
  const client = await connect(req.target);
  const qualified = `${escapeIdentifier(req.schema)}.${escapeIdentifier(req.table)}`;
  let created = false;
  try {
    await assertTableAbsent(client, req.schema, req.table);
    if (req.sridOverride != null) await assertKnownSrid(client, req.sridOverride);
    const source = await openLayer(req.sourcePath, req.layerName);
    let plan: LoadPlan;
    try {
      plan = planLoad(source, req);
      const layer = await source.ds.layers.getAsync(source.layer);
      req.onTotal?.(await layer.features.countAsync(true));
      req.onStep?.('loading');
      progress(0);
      created = true;
      await translate(source, plan, req);
    } finally {
      source.ds.close();
    }
    const warnings = [...plan.warnings];
    if (plan.geometry.kind === 'xy') {
      warnings.push(...(await buildPointGeometry(client, qualified, plan.geometry, plan.srid ?? 4326)));
    } else if (plan.geometry.kind === 'wkt') {
      warnings.push(...(await buildWktGeometry(client, qualified, plan.geometry.column, plan.srid ?? 4326)));
    }
    progress(0.88);
    const spatial = plan.geometry.kind !== 'none' && (await hasGeomColumn(client, req.schema, req.table));
    let srid: number | null = null;
    if (spatial) {
      srid = await findSrid(client, req.schema, req.table);
      if (!srid) {
        throw new VectorIngestError(
          'unidentified-crs',
          'The coordinate reference system of the data has no EPSG code. Pass srid_override with the EPSG code it corresponds to.',
        );
      }
      if (plan.geometry.kind === 'layer') warnings.push(...(await tightenGeometryType(client, qualified, srid)));
      if (plan.assumedLonLat) warnings.push(await checkLonLat(client, qualified));
      req.onStep?.('indexing');
      await client.query(`CREATE INDEX ON ${qualified} USING GIST (geom)`);
    } else {
      req.onStep?.('indexing');
    }
    progress(0.93);
    await client.query(`ANALYZE ${qualified}`);
    progress(0.96);
    req.onStep?.('finalizing');
    const result = await describe(client, req.schema, req.table, spatial ? srid : null);
    progress(1);
    return { ...result, warnings };
  } catch (error) {
    if (created) await client.query(`DROP TABLE IF EXISTS ${qualified}`).catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops `schema.table` if it exists (cleanup of a staging table after a failed or abandoned load). */
export async function dropTableIfExists(target: PgTarget, schema: string, table: string): Promise<void> {
  assertIdentifier(schema, 'schema');
  assertIdentifier(table, 'table');
  const client = await connect(target);
  try {
    await client.query(`DROP TABLE IF EXISTS ${escapeIdentifier(schema)}.${escapeIdentifier(table)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function assertIdentifier(name: string, what: string): void {
  if (!isSafeIdentifier(name))
    throw new TypeError(`Invalid ${what} name: use [a-z_][a-z0-9_]*, at most 63 characters.`);
}

function progressReporter(callback: ((fraction: number) => void) | undefined): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const value = Math.min(1, Math.max(0, fraction));
    if (!callback || value <= last) return;
    last = value;
    try {
      callback(value);
    } catch {
      // a failing listener must not break the load (GDAL calls this from its progress trampoline)
    }
  };
}

async function connect(target: PgTarget): Promise<Client> {
  const client = new Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    application_name: 'strata-vector-load',
  });
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new VectorLoadUnavailableError('The database could not be reached.', { cause });
  }
  return client;
}

async function assertTableAbsent(client: Client, schema: string, table: string): Promise<void> {
  const { rows } = await client.query<{ schema: boolean; table: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname = $2) AS table`,
    [schema, table],
  );
  if (!rows[0]?.schema) throw new Error(`Schema ${schema} does not exist.`);
  if (rows[0].table) throw new VectorIngestError('table-exists', 'The staging table for this load already exists.');
}

async function assertKnownSrid(client: Client, srid: number): Promise<void> {
  const known =
    Number.isInteger(srid) &&
    srid > 0 &&
    (await client.query('SELECT 1 FROM spatial_ref_sys WHERE srid = $1', [srid])).rowCount === 1;
  if (!known) {
    throw new VectorIngestError(
      'unknown-srid',
      `srid_override ${String(srid)} is not a known coordinate reference system code.`,
    );
  }
}

async function openLayer(path: string, layerName: string | null): Promise<SourceLayer> {
  let ds: gdal.Dataset;
  let driver: string | null = null;
  try {
    ds = await gdal.openAsync(path, 'r');
    if (ds.driver.description === 'CSV') {
      // gdal-async's Driver.openAsync drops open options (its callback slot is the options slot), so
      // the typed CSV is opened through a pass-through VRT that carries them.
      const layers = await ds.layers.countAsync();
      const name = layers === 1 ? (await ds.layers.getAsync(0)).name : null;
      ds.close();
      if (name !== null) {
        const xml = renamingVrt({
          sourcePath: path,
          layerName: name,
          openOptions: CSV_OPEN_OPTIONS,
          fields: [],
          geometryType: null,
        });
        ds = await gdal.openAsync(xml, 'r', ['OGR_VRT']);
        driver = 'CSV';
      } else {
        ds = await gdal.openAsync(path, 'r');
      }
    }
  } catch (cause) {
    if (cause instanceof Error && TRANSIENT_GDAL_ERROR.test(cause.message))
      throw new VectorLoadUnavailableError('The source file could not be fetched.', { cause });
    throw new VectorIngestError('unreadable', 'The file could not be read as a supported vector format.', { cause });
  }
  try {
    const count = await ds.layers.countAsync();
    if (count === 0) throw new VectorIngestError('no-layers', 'The file holds no vector layers.');
    const layers: gdal.Layer[] = [];
    for (let i = 0; i < count; i += 1) layers.push(await ds.layers.getAsync(i));
    const layer = layerName === null ? layers[0] : layers.find((l) => l.name === layerName);
    if (!layer) {
      const available = layers.map((l) => `'${l.name}'`).join(', ');
      throw new VectorIngestError(
        'unknown-layer',
        `The file has no layer named '${layerName ?? ''}'. Available layers: ${available}.`,
      );
    }
    const srs = layer.srs;
    return {
      ds,
      driver: driver ?? ds.driver.description,
      layer: layer.name,
      geomType: layer.geomType,
      epsg: epsgOf(srs),
      hasSrs: srs !== null,
      fields: layer.fields.map((f) => ({ name: f.name, type: f.type })),
    };
  } catch (error) {
    ds.close();
    throw error;
  }
}

function resolveColumn(fields: string[], wanted: string, option: string): string {
  const exact = fields.find((f) => f === wanted);
  if (exact !== undefined) return exact;
  const folded = fields.filter((f) => f.toLowerCase() === wanted.toLowerCase());
  if (folded.length === 1) return folded[0] as string;
  throw new VectorIngestError('unknown-column', `The layer has no column named '${wanted}' (${option}).`);
}

/** Decides columns, geometry and CRS from what the layer says and what the user asked for. */
function planLoad(source: SourceLayer, req: VectorLoadRequest): LoadPlan {
  const fieldNames = source.fields.map((f) => f.name);
  const { columns, renames } = planColumns(fieldNames);
  const warnings: VectorLoadWarning[] = renames.map((r) => ({
    code: 'column-renamed',
    message: `Column '${r.from}' was renamed to '${r.to}'.`,
  }));
  const finalName = (sourceName: string): string => columns.find((c) => c.source === sourceName)?.name ?? sourceName;

  const x = req.xColumn ?? null;
  const y = req.yColumn ?? null;
  const wkt = req.geomColumn ?? null;
  if ((x === null) !== (y === null))
    throw new VectorIngestError('invalid-columns', 'Give both x_column and y_column, or neither.');
  if (x !== null && wkt !== null)
    throw new VectorIngestError('invalid-columns', 'Give either x_column and y_column or geom_column, not both.');

  let geometry: GeometryMode;
  if (x !== null && y !== null) {
    geometry = {
      kind: 'xy',
      x: finalName(resolveColumn(fieldNames, x, 'x_column')),
      y: finalName(resolveColumn(fieldNames, y, 'y_column')),
    };
  } else if (wkt !== null) {
    geometry = { kind: 'wkt', column: finalName(resolveColumn(fieldNames, wkt, 'geom_column')) };
  } else if (source.geomType !== (gdal.wkbNone as number)) {
    geometry = { kind: 'layer' };
  } else {
    const detected = TABULAR_DRIVERS.has(source.driver) ? detectGeometryColumns(fieldNames) : null;
    if (detected?.x_column && detected.y_column)
      geometry = { kind: 'xy', x: finalName(detected.x_column), y: finalName(detected.y_column) };
    else if (detected?.wkt_column) geometry = { kind: 'wkt', column: finalName(detected.wkt_column) };
    else geometry = { kind: 'none' };
  }

  const override = req.sridOverride ?? null;
  let srid: number | null = null;
  let assignSrs: string | null = null;
  let assumedLonLat = false;
  if (geometry.kind === 'xy' || geometry.kind === 'wkt') {
    // Geometry built from columns: the file cannot say which CRS the numbers are in.
    srid = override ?? 4326;
    assumedLonLat = override === null;
  } else if (geometry.kind === 'layer') {
    srid = override ?? source.epsg;
    if (srid === null && !source.hasSrs) {
      if (!LONLAT_DEFAULT_DRIVERS.has(source.driver)) {
        throw new VectorIngestError(
          'missing-crs',
          'Missing CRS: the layer has geometry but no coordinate reference system (for a shapefile: no .prj file). ' +
            'Pass srid_override with the EPSG code of its coordinates.',
        );
      }
      srid = 4326;
      assumedLonLat = true;
    }
    // Relabel with the EPSG definition so that the table's SRID is the EPSG code; a CRS without one is
    // left to GDAL, which looks it up in spatial_ref_sys.
    assignSrs = srid === null ? null : `EPSG:${srid}`;
    if (override !== null && source.epsg !== null && source.epsg !== override) {
      warnings.push({
        code: 'crs-overridden',
        message: `The source says EPSG:${source.epsg}; the data was labelled EPSG:${override} as requested, without reprojection.`,
      });
    }
  }
  const promote = geometry.kind === 'layer' && promotesToMulti(source.geomType);
  const promoted = promote ? promotedLabel(source.geomType) : null;
  if (promoted) {
    warnings.push({
      code: 'promoted-to-multi',
      message: `${promoted.from} geometries were stored as ${promoted.to} so that every row has the same type.`,
    });
  }
  return { columns, geometry, srid, assignSrs, assumedLonLat, promote, warnings };
}

async function translate(source: SourceLayer, plan: LoadPlan, req: VectorLoadRequest): Promise<void> {
  // A renaming VRT when some column must not keep its name, or when the layer name could be taken
  // for an option by GDAL's argument parser.
  const needsVrt = plan.columns.some((c) => c.name !== c.source.toLowerCase()) || source.layer.startsWith('-');
  let input = source.ds;
  let vrt: gdal.Dataset | null = null;
  if (needsVrt) {
    const xml = renamingVrt({
      sourcePath: req.sourcePath,
      layerName: source.layer,
      openOptions: source.driver === 'CSV' ? CSV_OPEN_OPTIONS : [],
      fields: plan.columns.map((c, i) => ({ ...c, type: source.fields[i]?.type ?? 'string' })),
      geometryType: plan.geometry.kind === 'layer' ? wkbName(source.geomType) : 'wkbNone',
    });
    try {
      vrt = await gdal.openAsync(xml, 'r', ['OGR_VRT']);
    } catch (cause) {
      throw new VectorIngestError('unreadable', 'The file could not be read as a supported vector format.', { cause });
    }
    input = vrt;
  }
  const args = [
    '-f',
    'PostgreSQL',
    // One transaction, so one COPY: the staging table is all-or-nothing, and the COPY's progress is
    // the load's progress.
    '-gt',
    'unlimited',
    '-nln',
    `${req.schema}.${req.table}`,
    '-lco',
    'GEOMETRY_NAME=geom',
    '-lco',
    'FID=gid',
    '-lco',
    'SPATIAL_INDEX=NONE',
    '-lco',
    'LAUNDER=YES',
    '-lco',
    'PRECISION=NO',
  ];
  if (plan.geometry.kind !== 'layer') args.push('-nlt', 'NONE');
  else if (plan.promote) args.push('-nlt', 'PROMOTE_TO_MULTI');
  if (plan.assignSrs) args.push('-a_srs', plan.assignSrs);
  if (!vrt) args.push(source.layer);

  const connection = pgConnectionString(req.target, req.applicationName);
  gdal.config.set('PG_USE_COPY', 'YES');
  try {
    const out = await gdal.vectorTranslateAsync(connection, input, args);
    await out.flushAsync();
    out.close();
  } catch (cause) {
    throw loadError(cause, req.target.password);
  } finally {
    vrt?.close();
  }
}

/** A user-safe error for a failed GDAL load; the original (password scrubbed) is kept as `cause`. */
function loadError(cause: unknown, password: string): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof Error && password && message.includes(password))
    cause.message = message.split(password).join('***');
  if (TRANSIENT_GDAL_ERROR.test(message))
    return new VectorLoadUnavailableError('The database or the source could not be reached during the load.', {
      cause,
    });
  if (/invalid byte sequence for encoding/i.test(message)) {
    return new VectorIngestError(
      'invalid-encoding',
      'The file contains text that is not valid in its declared encoding (for a shapefile: check the .cpg file).',
      { cause },
    );
  }
  return new VectorIngestError('load-failed', 'The layer could not be loaded into the database.', { cause });
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
  columns: { x: string; y: string },
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
): Promise<Omit<VectorLoadResult, 'warnings'>> {
  const qualified = `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  const { rows: countRows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified}`);
  const featureCount = Number(countRows[0]?.n ?? 0);
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

  // The WGS84 box: the native extent's outline, densified, transformed — as good as transforming every
  // geometry for a bounding box, at the cost of one small polygon instead of the whole table.
  const box =
    srid === 4326
      ? `SELECT ST_Extent(geom) AS b FROM ${qualified}`
      : `SELECT ST_Extent(ST_Transform(CASE WHEN size > 0 THEN ST_Segmentize(g, size / 32) ELSE g END, 4326)) AS b
           FROM (SELECT g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) AS size
                   FROM (SELECT ST_SetSRID(ST_Extent(geom)::geometry, ${srid}) AS g FROM ${qualified}) e
                  WHERE g IS NOT NULL) d`;
  let extent: VectorLoadResult['extent'] = null;
  try {
    const { rows } = await client.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
      `SELECT ST_XMin(b) AS xmin, ST_YMin(b) AS ymin, ST_XMax(b) AS xmax, ST_YMax(b) AS ymax FROM (${box}) x`,
    );
    const r = rows[0];
    if (r && r.xmin !== null) extent = [r.xmin, r.ymin, r.xmax, r.ymax];
  } catch {
    // coordinates outside the CRS's domain: no extent rather than a failed load
  }
  return { featureCount, geometryType, srid, extent, columns };
}
