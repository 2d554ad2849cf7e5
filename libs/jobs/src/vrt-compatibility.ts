import type { RasterInfo, VrtType } from '@app/contracts';

/** What the compatibility rules read about a source: its stored metadata only (no GDAL). */
export interface VrtCandidate {
  id: string;
  kind: string;
  crs: number | null;
  raster: RasterInfo | null;
}

export type VrtIncompatibilityCode =
  | 'not_raster'
  | 'crs_unknown'
  | 'crs_mismatch'
  | 'band_count_mismatch'
  | 'dtype_mismatch'
  | 'nodata_mismatch'
  | 'rotated_raster'
  | 'unknown_pixel_geometry'
  | 'single_band_required'
  | 'grid_misaligned';

export interface VrtIncompatibility {
  source_id: string;
  code: VrtIncompatibilityCode;
  message: string;
}

/** Pixel sizes and origins closer than this share of a pixel are the same grid. */
const GRID_TOLERANCE = 1e-6;

const sameNodata = (a: number | null, b: number | null): boolean =>
  a === null || b === null ? a === b : Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));

const show = (v: number | null): string => (v === null ? 'none' : String(v));

/**
 * Every reason the sources cannot form one VRT of `type`, all at once (nothing stops early). The first
 * source is the reference: each other source is compared with it, so list the current members first and
 * a candidate last to have the candidate named. Always: CRS, data type, nodata value (compared by value),
 * rotation/skew and a known pixel geometry; mosaics: the band count (resolutions may differ: the
 * resolution strategy resolves them); band stacks: single-band sources on one pixel grid.
 */
export function vrtIncompatibilities(type: VrtType, sources: readonly VrtCandidate[]): VrtIncompatibility[] {
  const problems: VrtIncompatibility[] = [];
  const add = (source: VrtCandidate, code: VrtIncompatibilityCode, message: string): void => {
    problems.push({ source_id: source.id, code, message });
  };
  const reference = sources.find((s) => s.kind === 'raster' && s.raster !== null);
  for (const source of sources) {
    const r = source.raster;
    if (source.kind !== 'raster' || r === null) {
      add(source, 'not_raster', `Dataset ${source.id} is not a raster dataset.`);
      continue;
    }
    const gt = r.geo_transform;
    if (source.crs === null)
      add(source, 'crs_unknown', `Dataset ${source.id} has no known coordinate reference system.`);
    if (!gt || gt.length !== 6 || !r.res_x || !r.res_y) {
      add(source, 'unknown_pixel_geometry', `The pixel geometry of dataset ${source.id} is not recorded.`);
    } else if (gt[2] !== 0 || gt[4] !== 0) {
      add(source, 'rotated_raster', `Dataset ${source.id} is rotated or skewed; warp it to a north-up grid first.`);
    }
    if (type === 'band_stack' && r.band_count !== 1) {
      add(
        source,
        'single_band_required',
        `A band stack takes single-band sources; dataset ${source.id} has ${r.band_count} bands.`,
      );
    }
    if (!reference || reference === source || reference.raster === null) continue;
    const ref = reference.raster;
    if (source.crs !== null && reference.crs !== null && source.crs !== reference.crs) {
      add(
        source,
        'crs_mismatch',
        `Dataset ${source.id} is in EPSG:${source.crs}, the mosaic in EPSG:${reference.crs}.`,
      );
    }
    if (type === 'mosaic' && r.band_count !== ref.band_count) {
      add(
        source,
        'band_count_mismatch',
        `Dataset ${source.id} has ${r.band_count} bands, the mosaic ${ref.band_count}.`,
      );
    }
    if (r.dtype !== ref.dtype) {
      add(source, 'dtype_mismatch', `Dataset ${source.id} holds ${r.dtype} pixels, the mosaic ${ref.dtype}.`);
    }
    if (!sameNodata(r.nodata, ref.nodata)) {
      add(
        source,
        'nodata_mismatch',
        `Dataset ${source.id} has nodata ${show(r.nodata)}, the mosaic ${show(ref.nodata)}.`,
      );
    }
    if (type === 'band_stack' && gt && ref.geo_transform && !sameGrid(r, ref)) {
      add(
        source,
        'grid_misaligned',
        `Dataset ${source.id} is not on the pixel grid of the other bands (size, origin and pixel size must match).`,
      );
    }
  }
  return problems;
}

function sameGrid(a: RasterInfo, b: RasterInfo): boolean {
  const ga = a.geo_transform ?? [];
  const gb = b.geo_transform ?? [];
  if (a.width !== b.width || a.height !== b.height) return false;
  const px = Math.abs(gb[1] ?? 0);
  const py = Math.abs(gb[5] ?? 0);
  const close = (x: number | undefined, y: number | undefined, unit: number): boolean =>
    x !== undefined && y !== undefined && Math.abs(x - y) <= GRID_TOLERANCE * unit;
  return close(ga[0], gb[0], px) && close(ga[3], gb[3], py) && close(ga[1], gb[1], px) && close(ga[5], gb[5], py);
}
