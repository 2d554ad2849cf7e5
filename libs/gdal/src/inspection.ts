import gdal from 'gdal-async';
import type { DetectedGeometryColumns, Inspection, VectorInspection, VectorLayerSummary } from '@app/contracts';
import { rasterInspection, type GdalInfoJson } from './gdalinfo.js';
import { isRemoteFailure } from './remote-errors.js';
import { epsgOf } from './srs.js';

/** A source GDAL could not read, or a request it cannot satisfy; `message` is safe to show users. */
export class UnreadableSourceError extends Error {
  constructor(
    readonly code: 'unreadable' | 'unknown-layer' | 'empty' | 'raster-too-large',
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'UnreadableSourceError';
  }
}

const X_NAMES = ['lon', 'lng', 'long', 'longitude', 'x', 'easting', 'x_coord', 'xcoord'];
const Y_NAMES = ['lat', 'latitude', 'y', 'northing', 'y_coord', 'ycoord'];
const WKT_NAMES = ['wkt', 'geom', 'geometry', 'the_geom', 'shape', 'geom_wkt', 'wkt_geom'];

/** Recognises coordinate or WKT columns in a table without geometry (CSV, XLSX). Null when none. */
export function detectGeometryColumns(columns: string[]): DetectedGeometryColumns | null {
  const find = (names: string[]): string | null =>
    columns.find((c) => names.includes(c.trim().toLowerCase().replace(/\s+/g, '_'))) ?? null;
  const x = find(X_NAMES);
  const y = find(Y_NAMES);
  const wkt = find(WKT_NAMES);
  const pair = x && y ? { x_column: x, y_column: y } : { x_column: null, y_column: null };
  if (!pair.x_column && !wkt) return null;
  return { ...pair, wkt_column: wkt };
}

const SAMPLE_ROWS = 5;
const UNREADABLE = 'The file could not be read as a supported geospatial format.';

/** GDAL's names are "Multi Polygon", "3D Point"…; users expect "MultiPolygon", "Point". */
function geometryTypeName(type: number): string | null {
  if (type === gdal.wkbNone) return null;
  const flat = type & ~(gdal.wkb25DBit as number);
  return gdal.Geometry.getName(flat)
    .replace(/\s+/g, '')
    .replace(/^LineString$/i, 'LineString');
}

function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'year' in value) {
    // gdal-async dates: { year, month, day, hour, minute, second, timezone }
    const d = value as { year: number; month: number; day: number; hour?: number; minute?: number; second?: number };
    const pad = (n: number | undefined): string => String(n ?? 0).padStart(2, '0');
    const date = `${d.year}-${pad(d.month)}-${pad(d.day)}`;
    return d.hour === undefined ? date : `${date}T${pad(d.hour)}:${pad(d.minute)}:${pad(Math.floor(d.second ?? 0))}`;
  }
  if (Array.isArray(value)) return value.map(jsonValue);
  return JSON.stringify(value);
}

/**
 * Opens `path` read-only and describes it; `layerName` picks the vector layer (default: the first).
 * Heavy work goes through `*Async` calls; the synchronous getters used here only read metadata GDAL
 * already holds in memory. A failed remote read is not the file's fault: it is thrown as GDAL reported
 * it, not as an UnreadableSourceError.
 */
/** The refusal of a raster over RASTER_MAX_PIXELS (a header can claim any size in a few bytes). */
export function rasterTooLarge(width: number, height: number, maxPixels: number): string {
  return `The raster is ${width} × ${height} pixels, more than the ${maxPixels.toLocaleString('en-US')} pixels this server accepts (RASTER_MAX_PIXELS).`;
}

/**
 * GDAL reads a GeoJSON object (a feature, or a whole collection) into memory only up to
 * OGR_GEOJSON_MAX_OBJ_SIZE (GEOJSON_MAX_OBJECT_MB), and past it reports only "Failed to read GeoJSON
 * data", the same words as for a syntax error; its own message about the size is lost. GDAL's estimate
 * of an object is up to about ten times its text (each coordinate is an object of its own), so when GDAL
 * failed that way on a file of at least a tenth of the cap, the refusal names both possible causes and the
 * setting, rather than the generic "not a supported format". Null otherwise.
 */
const GEOJSON_ESTIMATE_FACTOR = 10;

async function geoJsonCapHint(path: string, error: unknown): Promise<string | null> {
  if (!(error instanceof Error) || !/GeoJSON/i.test(error.message)) return null;
  const capMb = Number(gdal.config.get('OGR_GEOJSON_MAX_OBJ_SIZE') ?? '200');
  if (!Number.isFinite(capMb) || capMb <= 0) return null;
  const size = await gdal.fs.statAsync(path).then(
    (stat) => stat.size,
    () => 0,
  );
  if (size < (capMb * 1024 * 1024) / GEOJSON_ESTIMATE_FACTOR) return null;
  return (
    `The file could not be read as GeoJSON: either it is not valid GeoJSON, or one of its objects is larger ` +
    `than the ${capMb} MB this server allows for a single object (GEOJSON_MAX_OBJECT_MB).`
  );
}

export async function inspect(
  path: string,
  layerName: string | null,
  limits: { rasterMaxPixels?: number } = {},
): Promise<Inspection> {
  let ds: gdal.Dataset;
  try {
    ds = await gdal.openAsync(path, 'r');
  } catch (error) {
    if (isRemoteFailure(error)) throw error;
    throw new UnreadableSourceError('unreadable', (await geoJsonCapHint(path, error)) ?? UNREADABLE);
  }
  try {
    const layerCount = await ds.layers.countAsync();
    if (layerCount > 0) return await inspectVector(ds, layerCount, layerName);
    const size = await ds.rasterSizeAsync;
    if (size.x > 0 && size.y > 0 && (await ds.bands.countAsync()) > 0) {
      if (layerName) throw new UnreadableSourceError('unknown-layer', 'A raster has no layers; omit layer_name.');
      if (limits.rasterMaxPixels && size.x * size.y > limits.rasterMaxPixels) {
        throw new UnreadableSourceError('raster-too-large', rasterTooLarge(size.x, size.y, limits.rasterMaxPixels), {
          width: size.x,
          height: size.y,
          max_pixels: limits.rasterMaxPixels,
        });
      }
      const info = JSON.parse(await gdal.infoAsync(ds, ['-json'])) as GdalInfoJson;
      return rasterInspection(info, epsgOf(await ds.srsAsync));
    }
    throw new UnreadableSourceError('empty', 'The file holds no vector layers and no raster bands.');
  } catch (error) {
    if (error instanceof UnreadableSourceError || isRemoteFailure(error)) throw error;
    throw new UnreadableSourceError('unreadable', UNREADABLE);
  } finally {
    ds.close();
  }
}

async function inspectVector(ds: gdal.Dataset, count: number, wanted: string | null): Promise<VectorInspection> {
  const layers: gdal.Layer[] = [];
  for (let i = 0; i < count; i += 1) layers.push(await ds.layers.getAsync(i));
  const summaries: VectorLayerSummary[] = [];
  for (const layer of layers) {
    summaries.push({
      name: layer.name,
      feature_count: await layer.features.countAsync(true),
      field_count: layer.fields.count(),
      geometry_type: geometryTypeName(layer.geomType),
    });
  }
  const layer = wanted ? layers.find((l) => l.name === wanted) : layers[0];
  if (!layer) {
    const available = summaries.map((s) => s.name);
    throw new UnreadableSourceError('unknown-layer', `The file has no layer named '${wanted ?? ''}'.`, {
      unknown_layers: [wanted],
      available_layers: available,
    });
  }
  const columns = layer.fields.map((f) => ({ name: f.name, type: f.type }));
  const sample_rows: Record<string, unknown>[] = [];
  for (
    let feature = await layer.features.firstAsync();
    feature && sample_rows.length < SAMPLE_ROWS;
    feature = await layer.features.nextAsync()
  ) {
    const row: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(feature.fields.toObject() as Record<string, unknown>))
      row[name] = jsonValue(value);
    const geometry = feature.getGeometry();
    if (geometry) row.geometry = geometry.toWKT();
    sample_rows.push(row);
  }
  const geometryType = geometryTypeName(layer.geomType);
  const summary = summaries[layers.indexOf(layer)];
  return {
    kind: 'vector',
    driver: ds.driver.description,
    layer_name: layer.name,
    layers: summaries,
    columns,
    crs: epsgOf(layer.srs),
    geometry_type: geometryType,
    feature_count: summary?.feature_count ?? null,
    sample_rows,
    detected_geometry_columns: geometryType ? null : detectGeometryColumns(columns.map((c) => c.name)),
  };
}
