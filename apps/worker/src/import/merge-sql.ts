import { SQL_TYPES, type DeferredCheck, type FieldType, type ImporterDefinition } from '@app/importers';

/** Quotes an identifier for SQL. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** `schema.table` (or a bare table) as quoted SQL. */
export const qualified = (name: string): string => name.split('.').map(ident).join('.');

export const STAGE = 'pg_temp.import_stage';

export const sqlType = (type: FieldType): string => SQL_TYPES[type];

/** What the merge statements need from an importer, with every identifier already quoted. */
export interface MergePlan {
  target: string;
  /** Field columns, in definition order (the staging table has the same names and the field types). */
  columns: string[];
  types: Record<string, FieldType>;
  key: string[];
  geometry: { column: string; srid: number } | null;
  strategy: ImporterDefinition['duplicates']['strategy'];
  compare: string | null;
}

export function mergePlanOf(definition: ImporterDefinition, types: Record<string, FieldType>): MergePlan {
  return {
    target: qualified(`${definition.target.schema}.${definition.target.table}`),
    columns: definition.fields.map((f) => f.column),
    types,
    key: definition.target.key,
    geometry: definition.geometry ? { column: definition.geometry.column, srid: definition.geometry.srid } : null,
    strategy: definition.duplicates.strategy,
    compare: definition.duplicates.compare,
  };
}

/**
 * The staging table of a run: the source row number, the geometry as text (EWKT, or GeoJSON with its
 * SRID), the deferred-check failures, the key occurrence round, and one column per field. Created once
 * per run on the run's connection (a session temp table) and emptied before each chunk: creating one per
 * chunk cost catalog writes on every chunk. No index: every statement over it reads all of it.
 */
export function stageDdl(plan: MergePlan): string[] {
  const fields = plan.columns.map((c) => `${ident(c)} ${sqlType(plan.types[c] ?? 'text')}`);
  return [
    `DROP TABLE IF EXISTS ${STAGE}`,
    `CREATE TEMP TABLE import_stage (__row integer NOT NULL, __geom text, __srid integer, __failed jsonb,
       __occ integer NOT NULL DEFAULT 1${fields.map((f) => `, ${f}`).join('')})`,
  ];
}

/** Empties the staging table for the next chunk. */
export const stageReset = `TRUNCATE ${STAGE}`;

/** Drops the staging table at the end of a run (the connection goes back to the pool). */
export const stageDrop = `DROP TABLE IF EXISTS ${STAGE}`;

/** The COPY command that fills the staging table, with the column order `copyLine` values follow. */
export function stageCopy(plan: MergePlan): string {
  return `COPY ${STAGE} (__row, __geom, __srid${plan.columns.map((c) => `, ${ident(c)}`).join('')}) FROM STDIN`;
}

const VALIDATION_FAILED = `'{"message": "Validation failed.", "validation": {}}'::jsonb`;

/** Adds `$1` (a message) to the validation messages of `column` in `__failed`. */
const addFailure = (column: string): string =>
  `__failed = jsonb_set(coalesce(__failed, ${VALIDATION_FAILED}), ARRAY['validation', ${literal(column)}],
     coalesce(__failed->'validation'->${literal(column)}, '[]'::jsonb) || to_jsonb($1::text))`;

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * A deferred check in SQL over the staging table: `exists` looks the value up in its table; a
 * `unique_in_file` value fails when an earlier row of this chunk or of an earlier chunk of the run (the
 * seen values, `$2` = job id) had it. Parameters: `$1` the message, `$2` the job id (unique_in_file).
 */
export function deferredCheckSql(check: DeferredCheck): string {
  const col = ident(check.column);
  if (check.rule === 'exists') {
    return `UPDATE ${STAGE} s SET ${addFailure(check.column)}
      WHERE s.${col} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${qualified(check.table)} t WHERE t.${ident(check.ref_column)} = s.${col})`;
  }
  return `UPDATE ${STAGE} s SET ${addFailure(check.column)}
    WHERE s.${col} IS NOT NULL AND (
      EXISTS (SELECT 1 FROM import_seen_values v WHERE v.job_id = $2 AND v.column_name = ${literal(check.column)}
                AND v.value_hash = md5(s.${col}::text)::uuid)
      OR EXISTS (SELECT 1 FROM ${STAGE} e WHERE e.${col} = s.${col} AND e.__row < s.__row))`;
}

/** Remembers the chunk's values of a `unique_in_file` column for later chunks (`$1` = job id). */
export function rememberSeenSql(column: string): string {
  const col = ident(column);
  return `INSERT INTO import_seen_values (job_id, column_name, value_hash, row_number)
    SELECT $1, ${literal(column)}, md5(${col}::text)::uuid, min(__row) FROM ${STAGE}
    WHERE ${col} IS NOT NULL GROUP BY md5(${col}::text)
    ON CONFLICT DO NOTHING`;
}

/**
 * Numbers the rows that share a key in file order: round 1 holds each key's first occurrence, round 2
 * the second… Merging round after round makes a repeated key behave as if its earlier occurrence were
 * already stored.
 */
export function occurrenceSql(plan: MergePlan): string | null {
  if (plan.key.length === 0) return null;
  const key = plan.key.map(ident).join(', ');
  return `UPDATE ${STAGE} s SET __occ = o.n
    FROM (SELECT __row, row_number() OVER (PARTITION BY ${key} ORDER BY __row) AS n
          FROM ${STAGE} WHERE __failed IS NULL) o
    WHERE s.__row = o.__row AND o.n > 1`;
}

/**
 * Which staged rows a merge statement takes: a whole occurrence round (`$1` = the round; the usual case,
 * one statement per round) or listed rows (`$1` = row numbers; used when a failing round is bisected).
 */
export type MergeSelection = 'round' | 'rows';

/**
 * One merge statement for the selected staged rows implementing the duplicate strategy. It answers
 * `(row_number, outcome, message)` for each of them: `created`, `updated`, `skipped`, or `failed` with the
 * strategy's message. A constraint violation raises instead; the caller isolates the rows.
 */
export function mergeSql(plan: MergePlan, selection: MergeSelection = 'rows'): string {
  const sel = selection === 'round' ? `s.__occ = $1::integer AND s.__failed IS NULL` : `s.__row = ANY($1::integer[])`;
  const geometryExpr = plan.geometry
    ? `CASE WHEN s.__geom IS NULL THEN NULL WHEN s.__srid IS NULL THEN ST_GeomFromEWKT(s.__geom)
        ELSE ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(s.__geom), s.__srid), ${plan.geometry.srid}) END`
    : null;
  const insertColumns = [...plan.columns.map(ident), ...(plan.geometry ? [ident(plan.geometry.column)] : [])];
  const insertValues = [...plan.columns.map((c) => `s.${ident(c)}`), ...(geometryExpr ? [geometryExpr] : [])];
  const insert = (where: string): string =>
    `INSERT INTO ${plan.target} (${insertColumns.join(', ')})
     SELECT ${insertValues.join(', ')} FROM ${STAGE} s WHERE ${where} ORDER BY s.__row`;
  if (plan.strategy === 'insert') {
    return `WITH ins AS (${insert(sel)} RETURNING 1)
      SELECT s.__row AS row_number, 'created' AS outcome, NULL::text AS message FROM ${STAGE} s WHERE ${sel}`;
  }
  const keyNames = plan.key.join(', ');
  const matches = plan.key.map((k) => `t.${ident(k)} = s.${ident(k)}`).join(' AND ');
  const found = `EXISTS (SELECT 1 FROM ${plan.target} t WHERE ${matches})`;
  const nonKey = plan.columns.filter((c) => !plan.key.includes(c));
  const assignments = [
    ...(nonKey.length > 0 ? nonKey : plan.key).map((c) => `${ident(c)} = s.${ident(c)}`),
    ...(plan.geometry && geometryExpr ? [`${ident(plan.geometry.column)} = ${geometryExpr}`] : []),
  ].join(', ');
  const update = (extra = ''): string =>
    `UPDATE ${plan.target} t SET ${assignments} FROM ${STAGE} s WHERE ${sel} AND ${matches}${extra} RETURNING s.__row`;
  const probe = `probe AS (SELECT s.__row, ${found} AS found FROM ${STAGE} s WHERE ${sel})`;
  switch (plan.strategy) {
    case 'skip':
      return `WITH ${probe}, ins AS (${insert(`${sel} AND s.__row IN (SELECT __row FROM probe WHERE NOT found)`)} RETURNING 1)
        SELECT __row AS row_number, CASE WHEN found THEN 'skipped' ELSE 'created' END AS outcome, NULL::text AS message FROM probe`;
    case 'fail':
      return `WITH ${probe}, ins AS (${insert(`${sel} AND s.__row IN (SELECT __row FROM probe WHERE NOT found)`)} RETURNING 1)
        SELECT __row AS row_number, CASE WHEN found THEN 'failed' ELSE 'created' END AS outcome,
          CASE WHEN found THEN ${literal(`Duplicate entry found for key '${keyNames}'.`)} END AS message FROM probe`;
    case 'update':
      return `WITH upd AS (${update()})
        SELECT s.__row AS row_number, CASE WHEN s.__row IN (SELECT __row FROM upd) THEN 'updated' ELSE 'failed' END AS outcome,
          CASE WHEN s.__row IN (SELECT __row FROM upd) THEN NULL
               ELSE ${literal(`No existing record for key '${keyNames}'.`)} END AS message
        FROM ${STAGE} s WHERE ${sel}`;
    case 'upsert':
      return `WITH upd AS (${update()}),
        ins AS (${insert(`${sel} AND s.__row NOT IN (SELECT __row FROM upd)`)} RETURNING 1)
        SELECT s.__row AS row_number, CASE WHEN s.__row IN (SELECT __row FROM upd) THEN 'updated' ELSE 'created' END AS outcome,
          NULL::text AS message FROM ${STAGE} s WHERE ${sel}`;
    case 'update_if_newer': {
      const compare = ident(plan.compare ?? '');
      return `WITH ${probe},
        upd AS (${update(` AND (t.${compare} IS NULL OR s.${compare} > t.${compare})`)}),
        ins AS (${insert(`${sel} AND s.__row IN (SELECT __row FROM probe WHERE NOT found)`)} RETURNING 1)
        SELECT __row AS row_number, CASE WHEN NOT found THEN 'created' WHEN __row IN (SELECT __row FROM upd) THEN 'updated'
          ELSE 'skipped' END AS outcome, NULL::text AS message FROM probe`;
    }
    default: {
      const unknown: never = plan.strategy;
      throw new Error(`unknown duplicate strategy ${String(unknown)}`);
    }
  }
}
