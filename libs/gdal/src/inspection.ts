import type { DetectedGeometryColumns, RasterInspection } from '@app/queues';

export type {
  DetectedGeometryColumns,
  Inspection,
  RasterInspection,
  VectorInspection,
  VectorLayerSummary,
} from '@app/queues';

/** A source GDAL could not read, or a request it cannot satisfy; `message` is safe to show users. */
export class UnreadableSourceError extends Error {
  constructor(
    readonly code: 'unreadable' | 'unknown-layer' | 'empty',
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

interface GdalInfoJson {
  driverShortName?: string;
  size?: [number, number];
  geoTransform?: number[];
  coordinateSystem?: { wkt?: string };
  stac?: { 'proj:epsg'?: number | null };
  metadata?: Record<string, Record<string, string>>;
  bands?: { type?: string; block?: [number, number]; noDataValue?: number | string; overviews?: unknown[] }[];
}

/**
 * Cloud-Optimized GeoTIFF rules we hold files to: GeoTIFF, tiled (512-ish blocks, not strips), overviews
 * when larger than one block, and GDAL's COG layout (IFDs first, tiles in order).
 */
export function cogIssues(info: GdalInfoJson): string[] {
  const issues: string[] = [];
  if (info.driverShortName !== 'GTiff') return ['not a GeoTIFF'];
  const [width, height] = info.size ?? [0, 0];
  const band = info.bands?.[0];
  const [bw, bh] = band?.block ?? [width, 1];
  // Strips are full-width blocks of a few rows; tiles are square.
  if (bw === width && bh !== bw) issues.push('not tiled (stored in strips)');
  if (Math.max(width, height) > 512 && (band?.overviews?.length ?? 0) === 0) issues.push('no overviews');
  if (info.metadata?.IMAGE_STRUCTURE?.LAYOUT !== 'COG')
    issues.push('not in COG layout (headers and tiles not ordered for range reads)');
  return issues;
}

export function rasterInspection(info: GdalInfoJson, epsg: number | null): RasterInspection {
  const [width, height] = info.size ?? [0, 0];
  const band = info.bands?.[0];
  const gt = info.geoTransform;
  const nodata = band?.noDataValue;
  const issues = cogIssues(info);
  return {
    kind: 'raster',
    driver: info.driverShortName ?? 'unknown',
    crs: epsg,
    width,
    height,
    band_count: info.bands?.length ?? 0,
    dtype: band?.type ?? 'unknown',
    nodata: nodata === undefined ? null : Number(nodata),
    res_x: gt?.[1] ?? null,
    res_y: gt?.[5] ?? null,
    compression: info.metadata?.IMAGE_STRUCTURE?.COMPRESSION ?? null,
    is_cog: issues.length === 0,
    cog_issues: issues,
  };
}
