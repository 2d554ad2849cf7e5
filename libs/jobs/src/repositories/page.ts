import type { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import { hydrate } from './hydrate.js';

/** Equality conditions (`column = value`, snake_case column names fixed by the caller, never user input). */
export type Equalities = Record<string, unknown>;

export interface PageRequest {
  /** `column = value` for each entry whose value is not undefined. */
  equal: Equalities;
  /** Further fixed SQL conditions (no values), e.g. `status <> 'failed'`. */
  extra?: string[];
  /** A fixed ORDER BY list, e.g. `created_at DESC, id DESC`: it must make the order total. */
  orderBy: string;
  page: number;
  perPage: number;
}

/**
 * One page of an entity's rows and how many match, as two fixed statements: a plain `count(*)` and the
 * page, hydrated like the `RETURNING *` paths. TypeORM's `findAndCount` counts with `COUNT(DISTINCT id)`,
 * which sorts every matching id (twice the time of `count(*)` on 10,000 rows), and builds both
 * statements anew on every call. A page past the end sends no page query.
 */
export async function selectPage<T extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  request: PageRequest,
): Promise<[T[], number]> {
  const values: unknown[] = [];
  const conditions: string[] = [];
  for (const [column, value] of Object.entries(request.equal)) {
    if (value === undefined) continue;
    values.push(value);
    conditions.push(`"${column}" = $${values.length}`);
  }
  conditions.push(...(request.extra ?? []));
  const table = `"${metadata.tableName}"`;
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const [counted] = (await dataSource.query(`SELECT count(*)::int AS total FROM ${table} ${where}`, values)) as {
    total: number;
  }[];
  const total = counted?.total ?? 0;
  const offset = (request.page - 1) * request.perPage;
  if (offset >= total) return [[], total];
  const rows = (await dataSource.query(
    `SELECT * FROM ${table} ${where} ORDER BY ${request.orderBy} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
    [...values, request.perPage, offset],
  )) as Record<string, unknown>[];
  return [rows.map((raw) => hydrate<T>(metadata, raw)), total];
}
