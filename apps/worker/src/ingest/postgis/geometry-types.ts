/** PostGIS geometry type names: what one column can hold, and how users spell them. */

/**
 * The column type a set of PostGIS geometry types (as `GeometryType()` names) can share, with the
 * same promotion rule as the load: lines and polygons become multi, points stay points unless some
 * are multipoints. Null when the types are too mixed for one column type.
 */
export function sharedGeometryType(types: string[]): { type: string; multi: boolean } | null {
  const set = new Set(types.map((t) => t.toUpperCase()));
  const within = (...allowed: string[]): boolean => [...set].every((t) => allowed.includes(t));
  if (set.size === 0) return null;
  if (within('POINT')) return { type: 'Point', multi: false };
  if (within('POINT', 'MULTIPOINT')) return { type: 'MultiPoint', multi: true };
  if (within('LINESTRING', 'MULTILINESTRING')) return { type: 'MultiLineString', multi: true };
  if (within('POLYGON', 'MULTIPOLYGON')) return { type: 'MultiPolygon', multi: true };
  if (set.size === 1) {
    const only = [...set][0] as string;
    return /^[A-Z]+$/.test(only) ? { type: only, multi: false } : null;
  }
  return null;
}

const GEOMETRY_NAMES: Record<string, string> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
  CIRCULARSTRING: 'CircularString',
  COMPOUNDCURVE: 'CompoundCurve',
  CURVEPOLYGON: 'CurvePolygon',
  MULTICURVE: 'MultiCurve',
  MULTISURFACE: 'MultiSurface',
  POLYHEDRALSURFACE: 'PolyhedralSurface',
  TRIANGLE: 'Triangle',
  TIN: 'Tin',
  GEOMETRY: 'Geometry',
};

/** PostGIS type names ("MULTIPOLYGON", "POINTM") as users know them ("MultiPolygon", "PointM"). */
export function geometryTypeLabel(postgis: string, hasZ = false): string {
  const upper = postgis.toUpperCase();
  const m = upper.endsWith('M') && GEOMETRY_NAMES[upper.slice(0, -1)] ? 'M' : '';
  const base = m ? upper.slice(0, -1) : upper;
  const label = GEOMETRY_NAMES[base] ?? base;
  return `${label}${hasZ ? 'Z' : ''}${m}`;
}
