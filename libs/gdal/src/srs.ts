import gdal from 'gdal-async';

/**
 * The EPSG code of a spatial reference, or null when it has none. Works on a copy: auto-identification
 * would otherwise rewrite the caller's object. (Kept free of other imports: the ingest's GDAL child loads it.)
 */
export function epsgOf(srs: gdal.SpatialReference | null): number | null {
  if (!srs) return null;
  const probe = srs.clone();
  try {
    probe.autoIdentifyEPSG();
  } catch {
    // not identifiable: fall through to the authority code, if any
  }
  const code = probe.getAuthorityCode(null) ?? probe.getAuthorityCode('PROJCS') ?? probe.getAuthorityCode('GEOGCS');
  const n = code ? Number(code) : NaN;
  return Number.isInteger(n) ? n : null;
}
