import gdal from 'gdal-async';
import {
  VectorIngestError,
  VectorLoadUnavailableError,
  isSafeIdentifier,
  type GeometryMode,
  type PgTarget,
  type StagedLayer,
  type VectorLoadWarning,
} from '@app/contracts';
import { detectGeometryColumns } from './inspection.js';
import { isRemoteFailure } from './remote-errors.js';
import { epsgOf } from './srs.js';
import { promotedLabel, promotesToMulti, wkbName } from './vector-load/geometry.js';
import { pgConnectionString, planColumns, type ColumnPlan } from './vector-load/names.js';
import { renamingVrt } from './vector-load/vrt.js';

export interface VectorTranslateRequest {
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
   * Called with the layer's feature count before the copy starts. The copy reports no progress of its
   * own: GDAL's progress callback costs a JavaScript call per feature, which slowed loads by half. The
   * worker follows it through `pg_stat_progress_copy`, finding the connection by `applicationName`.
   */
  onTotal?: (features: number) => void;
  /** `application_name` of the load's database connection (default `strata-vector-load`). */
  applicationName?: string;
}

/** Drivers for tables of rows: geometry, if any, comes from coordinate or WKT columns. */
const TABULAR_DRIVERS = new Set(['CSV', 'XLSX', 'XLS', 'ODS']);
/**
 * Drivers whose data is longitude/latitude unless said otherwise (GeoJSON: by RFC 7946; TopoJSON: by
 * convention, and GDAL's driver never sets a CRS). The load checks the assumption against the data.
 */
const LONLAT_DEFAULT_DRIVERS = new Set([...TABULAR_DRIVERS, 'GeoJSON', 'GeoJSONSeq', 'TopoJSON']);

/**
 * Typed columns for CSV (numbers as numbers), decided on the whole file so that a late non-number
 * cannot break a column typed from the first rows; empty cells are NULL, not ''.
 */
const CSV_OPEN_OPTIONS = ['AUTODETECT_TYPE=YES', 'AUTODETECT_SIZE_LIMIT=0', 'EMPTY_STRING_AS_NULL=YES'];

/**
 * The database or the source's store did not answer. GDAL's HTTP errors are not listed: their status
 * tells a refused credential from an outage, so they go up as they are (see isRemoteFailure).
 */
const TRANSIENT_GDAL_ERROR =
  /PQconnectdb|could not connect|connection to server|server closed the connection|terminating connection|no connection to the server|timed out/i;

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
 * The GDAL half of a vector load: copies one layer into the new table `schema.table` with ogr2ogr
 * semantics (one COPY, no reprojection, columns renamed where PostgreSQL or our own columns require),
 * streaming features from the source to PostgreSQL without reading them into JavaScript. What the
 * database side must still do (geometry from columns, a CRS check, indexing) comes back as the plan;
 * a table left by a failed copy is the caller's to drop.
 */
export async function translateVectorLayer(req: VectorTranslateRequest): Promise<StagedLayer> {
  for (const [name, what] of [
    [req.schema, 'schema'],
    [req.table, 'table'],
  ] as const) {
    if (!isSafeIdentifier(name))
      throw new TypeError(`Invalid ${what} name: use [a-z_][a-z0-9_]*, at most 63 characters.`);
  }
  const source = await openLayer(req.sourcePath, req.layerName);
  try {
    const plan = planLoad(source, req);
    const layer = await source.ds.layers.getAsync(source.layer);
    req.onTotal?.(await layer.features.countAsync(true));
    await translate(source, plan, req);
    return { geometry: plan.geometry, srid: plan.srid, assumedLonLat: plan.assumedLonLat, warnings: plan.warnings };
  } finally {
    source.ds.close();
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
    if (isRemoteFailure(cause)) throw cause;
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

/** PostgreSQL's limit on a table's columns (1,600), less the load's own `gid` and `geom`. */
export const MAX_LAYER_COLUMNS = 1598;

/** Decides columns, geometry and CRS from what the layer says and what the user asked for. */
function planLoad(source: SourceLayer, req: VectorTranslateRequest): LoadPlan {
  const fieldNames = source.fields.map((f) => f.name);
  // Refused here, in words, rather than by PostgreSQL halfway through creating the table.
  if (fieldNames.length > MAX_LAYER_COLUMNS) {
    throw new VectorIngestError(
      'too-many-columns',
      `The layer has ${fieldNames.length.toLocaleString('en-US')} columns; a table holds at most ${MAX_LAYER_COLUMNS.toLocaleString('en-US')} besides its id and geometry.`,
    );
  }
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

async function translate(source: SourceLayer, plan: LoadPlan, req: VectorTranslateRequest): Promise<void> {
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
    // PRECISION=NO leaves the columns without a width, but GDAL's COPY still cuts text to the source
    // field's declared width: ArcGIS declares dates (epoch ms, read as text) 8 wide.
    '-unsetFieldWidth',
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

/**
 * A user-safe error for a failed GDAL load; the original (password scrubbed) is kept as `cause`. A failed
 * remote read goes up as GDAL reported it.
 */
function loadError(cause: unknown, password: string): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof Error && password && message.includes(password))
    cause.message = message.split(password).join('***');
  if (TRANSIENT_GDAL_ERROR.test(message))
    return new VectorLoadUnavailableError('The database or the source could not be reached during the load.', {
      cause,
    });
  if (isRemoteFailure(cause)) return cause as Error;
  if (/invalid byte sequence for encoding/i.test(message)) {
    return new VectorIngestError(
      'invalid-encoding',
      'The file contains text that is not valid in its declared encoding (for a shapefile: check the .cpg file).',
      { cause },
    );
  }
  return new VectorIngestError('load-failed', 'The layer could not be loaded into the database.', { cause });
}
