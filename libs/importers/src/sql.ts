// SQL the pipeline needs from a definition: column types and the DDL of `target.create: true`.
import { fitIdentifier } from '@app/contracts';
import type { FieldType, ImporterDefinition } from './definition.js';

/** PostgreSQL type of each field type. */
export const SQL_TYPES: Record<FieldType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  double: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
  json: 'jsonb',
};

/** A double-quoted identifier (the loader only lets safe identifiers through; quoting also covers keywords). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` of the target. */
export function targetTableSql(definition: ImporterDefinition): string {
  return `${quoteIdent(definition.target.schema)}.${quoteIdent(definition.target.table)}`;
}

/** The geometry column's SQL type: points for `{x, y}`, any geometry otherwise, always with the SRID. */
export function geometrySqlType(definition: ImporterDefinition): string | null {
  const g = definition.geometry;
  if (!g) return null;
  return `geometry(${g.from.kind === 'xy' ? 'Point' : 'Geometry'}, ${g.srid})`;
}

/**
 * Statements creating the target of a `target.create: true` importer when it is missing: the table (the
 * fields, key columns NOT NULL, the geometry column) and a unique index on `target.key`. Idempotent.
 */
export function createTableSql(definition: ImporterDefinition): string[] {
  const { target } = definition;
  const columns = definition.fields.map(
    (f) => `${quoteIdent(f.column)} ${SQL_TYPES[f.type]}${target.key.includes(f.column) ? ' NOT NULL' : ''}`,
  );
  const geometryType = geometrySqlType(definition);
  if (definition.geometry && geometryType) columns.push(`${quoteIdent(definition.geometry.column)} ${geometryType}`);
  const table = targetTableSql(definition);
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} (\n  ${columns.join(',\n  ')}\n)`];
  if (target.key.length > 0) {
    const index = fitIdentifier(`${target.table}_${target.key.join('_')}`, '_key');
    statements.push(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(index)} ON ${table} (${target.key.map(quoteIdent).join(', ')})`,
    );
  }
  return statements;
}
