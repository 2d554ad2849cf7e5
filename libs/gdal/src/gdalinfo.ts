import type { RasterInspection } from '@app/contracts';

/** The parts of `gdalinfo -json` that previews and COG conversions read. */
export interface GdalInfoJson {
  driverShortName?: string;
  size?: [number, number];
  geoTransform?: number[];
  coordinateSystem?: { wkt?: string };
  stac?: { 'proj:epsg'?: number | null };
  metadata?: Record<string, Record<string, string>>;
  bands?: {
    type?: string;
    block?: [number, number];
    /** A number, or a string for NaN and the infinities ("nan", "-inf", "Infinity"…). */
    noDataValue?: number | string;
    overviews?: unknown[];
    colorInterpretation?: string;
    colorTable?: unknown;
  }[];
}

/** Nodata as GDAL reports it: a number, or a string for NaN and infinities. */
export function parseNodata(value: number | string | undefined): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number') return value;
  const n = Number(value);
  if (!Number.isNaN(n)) return n;
  return /^[-+]?inf/i.test(value.trim()) ? (value.trim().startsWith('-') ? -Infinity : Infinity) : NaN;
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
  const issues = cogIssues(info);
  return {
    kind: 'raster',
    driver: info.driverShortName ?? 'unknown',
    crs: epsg,
    width,
    height,
    band_count: info.bands?.length ?? 0,
    dtype: band?.type ?? 'unknown',
    nodata: parseNodata(band?.noDataValue),
    res_x: gt?.[1] ?? null,
    res_y: gt?.[5] ?? null,
    compression: info.metadata?.IMAGE_STRUCTURE?.COMPRESSION ?? null,
    is_cog: issues.length === 0,
    cog_issues: issues,
  };
}
