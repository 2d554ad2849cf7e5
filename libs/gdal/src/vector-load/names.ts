/** Naming rules of the GDAL load: column laundering and GDAL's `PG:` connection string. */
import { asciiSlug, fitIdentifier as fit, isSafeIdentifier, type PgTarget } from '@app/contracts';

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
