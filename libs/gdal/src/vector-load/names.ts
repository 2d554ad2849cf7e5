/** Pure naming rules for the vector → PostGIS load: table slugs, column laundering, connection strings. */

export const MAX_IDENTIFIER = 63;

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** True for names we may splice into SQL and GDAL's `-nln` unquoted: lowercase ascii, ≤63 chars. */
export function isSafeIdentifier(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IDENTIFIER && SAFE_IDENTIFIER.test(name);
}

// Letters NFKD does not decompose into ascii.
const TRANSLITERATIONS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** Lowercase ascii words joined by `_`: "Größe (m²)" → "grosse_m2". May be empty or start with a digit. */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => TRANSLITERATIONS[c] ?? '_')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Cuts `base` so that `base + suffix` fits in 63 characters, without leaving a dangling `_`. */
function fit(base: string, suffix = ''): string {
  const cut = base.slice(0, MAX_IDENTIFIER - suffix.length);
  const trimmed = cut.replace(/_+$/, '');
  return (trimmed || cut) + suffix;
}

/** Slug used as the table name for a dataset title: letter or `_` first, ≤63 chars, never empty. */
export function tableSlug(title: string): string {
  let slug = asciiSlug(title);
  if (!slug) slug = 'dataset';
  if (/^[0-9]/.test(slug)) slug = `_${slug}`;
  return fit(slug);
}

/**
 * A table name for `title` that `taken` does not report as used: the slug itself, else the slug with
 * `_2` … `_9999`, cut so the whole name stays within PostgreSQL's 63 characters.
 */
export async function datasetTableName(
  title: string,
  taken: (name: string) => boolean | Promise<boolean>,
): Promise<string> {
  const base = tableSlug(title);
  if (!(await taken(base))) return base;
  for (let n = 2; n <= 9999; n += 1) {
    const candidate = fit(base, `_${n}`);
    if (!(await taken(candidate))) return candidate;
  }
  throw new Error(`No free table name for '${base}' after 9999 attempts.`);
}

/**
 * Names a source column may not keep: our own key and geometry columns, GDAL's usual FID and geometry
 * names (confusing next to ours), and PostgreSQL's system columns (CREATE TABLE refuses them).
 */
export const RESERVED_COLUMNS = new Set([
  'gid',
  'geom',
  'geometry',
  'geom_4326',
  'fid',
  'ogc_fid',
  'oid',
  'tableoid',
  'xmin',
  'xmax',
  'cmin',
  'cmax',
  'ctid',
]);

export interface ColumnPlan {
  /** Field name in the source layer. */
  source: string;
  /** Column name in the PostGIS table. */
  name: string;
}

export interface ColumnRename {
  from: string;
  to: string;
}

function launderColumn(source: string, index: number): string {
  const lower = source.toLowerCase();
  if (isSafeIdentifier(lower) && !RESERVED_COLUMNS.has(lower)) return lower;
  let name = asciiSlug(source);
  if (!name) name = `column_${index + 1}`;
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (RESERVED_COLUMNS.has(name)) name = `src_${name}`;
  return fit(name);
}

/**
 * Final column names for the source fields, in source order. A name GDAL's own laundering would keep
 * (it only lowercases) stays as it is; anything else — reserved names, characters outside [a-z0-9_],
 * a leading digit, more than 63 characters, duplicates after laundering — gets a safe name, reported
 * in `renames`. Names that need no change are placed first so that a renamed column never takes the
 * name of a column that already had it.
 */
export function planColumns(sources: string[]): { columns: ColumnPlan[]; renames: ColumnRename[] } {
  const used = new Set<string>();
  const names: (string | undefined)[] = sources.map(() => undefined);
  const candidates = sources.map(launderColumn);
  sources.forEach((source, i) => {
    const candidate = candidates[i] as string;
    if (candidate === source.toLowerCase() && !used.has(candidate)) {
      names[i] = candidate;
      used.add(candidate);
    }
  });
  const renames: ColumnRename[] = [];
  sources.forEach((source, i) => {
    if (names[i] !== undefined) return;
    const candidate = candidates[i] as string;
    let name = candidate;
    for (let n = 2; used.has(name) || RESERVED_COLUMNS.has(name); n += 1) name = fit(candidate, `_${n}`);
    names[i] = name;
    used.add(name);
    renames.push({ from: source, to: name });
  });
  return { columns: sources.map((source, i) => ({ source, name: names[i] as string })), renames };
}

/** A libpq conninfo value: single-quoted, with backslashes and quotes escaped. */
export function conninfoValue(value: string | number): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** GDAL's `PG:` connection string for `target`. Secret: never put it in messages or logs. */
export function pgConnectionString(target: PgTarget, applicationName = 'strata-vector-load'): string {
  const parts: [string, string | number][] = [
    ['host', target.host],
    ['port', target.port],
    ['dbname', target.database],
    ['user', target.user],
    ['password', target.password],
    ['application_name', applicationName],
  ];
  return `PG:${parts.map(([key, value]) => `${key}=${conninfoValue(value)}`).join(' ')}`;
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
