import gdal from 'gdal-async';

const WKB_TYPES = [
  'Unknown',
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
  'CircularString',
  'CompoundCurve',
  'CurvePolygon',
  'MultiCurve',
  'MultiSurface',
];

const constants = gdal as unknown as Record<string, unknown>;

/** OGR's `wkbMultiPolygon`-style name for a gdal-async geometry type code (for an OGR VRT), if known. */
export function wkbName(type: number): string | null {
  for (const base of WKB_TYPES) {
    for (const name of [`wkb${base}`, `wkb${base}25D`]) if (constants[name] === type) return name;
  }
  return null;
}

export function flatType(type: number): number {
  return type & ~(gdal.wkb25DBit as number);
}

/**
 * Whether to load with `-nlt PROMOTE_TO_MULTI`. Lines and polygons are always stored as their multi
 * type: sources mix single and multi parts freely (a shapefile says "Polygon" for both) and one column
 * type keeps the table uniform. A layer declared as Point stays Point (promoting would turn every
 * point into a one-part MultiPoint for nothing). Layers of unknown or mixed type are promoted feature
 * by feature, so Point and MultiPoint mixes become MultiPoint.
 */
export function promotesToMulti(type: number): boolean {
  const flat = flatType(type);
  return flat !== (gdal.wkbPoint as number) && flat !== (gdal.wkbNone as number);
}

/** The single type left after promotion, when a source declared a single-part line or polygon type. */
export function promotedLabel(type: number): { from: string; to: string } | null {
  const flat = flatType(type);
  if (flat === (gdal.wkbPolygon as number)) return { from: 'Polygon', to: 'MultiPolygon' };
  if (flat === (gdal.wkbLineString as number)) return { from: 'LineString', to: 'MultiLineString' };
  return null;
}
