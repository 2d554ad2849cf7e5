import type { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { hydrate } from './hydrate.js';
import { queryDirect, queryPrepared } from './prepared.js';

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
  /**
   * How many rows match, when the caller has a cheaper exact answer than `count(*)` over them (a
   * maintained counter); by default the rows are counted.
   */
  count?: () => Promise<number>;
  /** Property names to read (the rest stay unset; type the result as that `Pick`); all columns by default. */
  select?: readonly string[];
}

/** `WHERE` with `column = $n` for each defined value of `equal`, and the `extra` conditions; '' for none. */
export function whereClause(equal: Equalities, extra: string[] = []): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions: string[] = [];
  for (const [column, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    values.push(value);
    conditions.push(`"${column}" = $${values.length}`);
  }
  conditions.push(...extra);
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

/**
 * One page of an entity's rows and how many match, in one round trip: the page (off the index that
 * serves its order) joined laterally to a plain `count(*)`, so a page past the end still answers its
 * total; hydrated like the `RETURNING *` paths. With a `count` of the caller's (a maintained counter) the
 * page is read alone, and a page past that count sends no query. TypeORM's `findAndCount` counts with
 * `COUNT(DISTINCT id)`, which sorts every matching id (twice the time of `count(*)` on 10,000 rows),
 * and builds both statements anew on every call.
 */
export async function selectPage<T extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  request: PageRequest,
): Promise<[T[], number]> {
  const { where, values } = whereClause(request.equal, request.extra);
  const table = `"${metadata.tableName}"`;
  const offset = (request.page - 1) * request.perPage;
  // Not prepared: a generic plan cannot see how many rows this owner (or job) has and may sort them all
  // where the index would give the first page at once.
  const selected = columnList(metadata, request.select && columnsOf(metadata, request.select, 'selectPage'));
  const limit = `LIMIT $${values.length + 1} OFFSET $${values.length + 2}`;
  const page = `SELECT ${selected} FROM ${table} ${where} ORDER BY ${request.orderBy} ${limit}`;
  if (request.count) {
    const total = await request.count();
    if (offset >= total) return [[], total];
    const rows = await queryDirect<Record<string, unknown>>(dataSource, page, [...values, request.perPage, offset]);
    return [rows.map((raw) => hydrate<T>(metadata, raw)), total];
  }
  // The page carries its position (`row_number` over the same order, which the same index serves), so
  // the outer query can keep the page's order: a join does not promise to.
  const numbered =
    `SELECT ${selected}, row_number() OVER (ORDER BY ${request.orderBy}) AS "${POSITION}" ` +
    `FROM ${table} ${where} ORDER BY ${request.orderBy} ${limit}`;
  const rows = await queryDirect<Record<string, unknown>>(
    dataSource,
    `SELECT c."${TOTAL}", p.* FROM (SELECT count(*)::int AS "${TOTAL}" FROM ${table} ${where}) AS c ` +
      `LEFT JOIN LATERAL (${numbered}) AS p ON true ORDER BY p."${POSITION}"`,
    [...values, request.perPage, offset],
  );
  const total = (rows[0]?.[TOTAL] as number | undefined) ?? 0;
  // Past the end: the count's one row, with no page row joined to it.
  const found = rows.filter((raw) => raw[POSITION] !== null);
  return [
    found.map((raw) => {
      const { [TOTAL]: _total, [POSITION]: _position, ...columns } = raw;
      return hydrate<T>(metadata, columns);
    }),
    total,
  ];
}

/** The count's and the position's columns in a page's rows (no entity column has these names). */
const TOTAL = '__strata_total';
const POSITION = '__strata_position';

/**
 * The entity's columns by name (or `columns`), never `*`: a column a later migration adds must not change
 * the result type of a statement prepared before (see `queryPrepared`).
 */
function columnList(metadata: EntityMetadata, columns: ColumnMetadata[] = metadata.columns): string {
  return columns.map((column) => `"${column.databaseName}"`).join(', ');
}

function columnsOf(metadata: EntityMetadata, properties: readonly string[], caller: string): ColumnMetadata[] {
  return properties.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${caller} on ${metadata.tableName}: no column for '${property}'`);
    return column;
  });
}

/** Statement texts made once per entity, key columns and selection: `selectOne`'s and `selectByKeys`'s. */
type StatementTexts = WeakMap<EntityMetadata, Map<string, string>>;

function statementText(
  texts: StatementTexts,
  metadata: EntityMetadata,
  columns: string[],
  select: readonly string[] | undefined,
  build: () => string,
): string {
  let byKey = texts.get(metadata);
  if (!byKey) {
    byKey = new Map();
    texts.set(metadata, byKey);
  }
  const key = `${columns.join(',')}|${select?.join(',') ?? '*'}`;
  let statement = byKey.get(key);
  if (statement === undefined) {
    statement = build();
    byKey.set(key, statement);
  }
  return statement;
}

const oneStatements: StatementTexts = new WeakMap();

function oneStatement(metadata: EntityMetadata, columns: string[], select: readonly string[] | undefined): string {
  return statementText(oneStatements, metadata, columns, select, () => {
    const selected = columnList(metadata, select && columnsOf(metadata, select, 'selectOne'));
    const where = columns.map((column, i) => `"${column}" = $${i + 1}`).join(' AND ');
    return `SELECT ${selected} FROM "${metadata.tableName}" WHERE ${where}`;
  });
}

/**
 * The one row of an entity where every `column = value` holds, or null, hydrated like `selectPage`'s rows:
 * a statement prepared once per connection (`queryPrepared`), its text made once per entity and column
 * list, in place of a TypeORM `findOneBy` that builds its query anew on every call. `equal` must name a
 * unique key (the id, then the owner and whatever else scopes the read). Every value must be given: unlike `findOneBy`, which drops a condition
 * whose value is undefined, an undefined value here is a caller's bug and throws. With `select`
 * (property names) only those columns are read, and the result is that `Pick` of the entity.
 */
export async function selectOne<T extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  equal: Equalities,
): Promise<T | null>;
export async function selectOne<T extends ObjectLiteral, K extends keyof T & string>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  equal: Equalities,
  select: readonly K[],
): Promise<Pick<T, K> | null>;
export async function selectOne<T extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  equal: Equalities,
  select?: readonly string[],
): Promise<T | null> {
  const columns = Object.keys(equal);
  const values = Object.values(equal);
  if (columns.length === 0) throw new Error(`selectOne on ${metadata.tableName} needs at least one condition`);
  const unset = columns.filter((column) => equal[column] === undefined);
  if (unset.length > 0) throw new Error(`selectOne on ${metadata.tableName}: no value for ${unset.join(', ')}`);
  const rows = await queryPrepared<Record<string, unknown>>(
    dataSource,
    oneStatement(metadata, columns, select),
    values,
  );
  if (rows.length > 1) throw new Error(`selectOne on ${metadata.tableName} matched ${rows.length} rows`);
  const raw = rows[0];
  return raw ? hydrate<T>(metadata, raw) : null;
}

const keyedStatements: StatementTexts = new WeakMap();

function keyedStatement(
  dataSource: DataSource,
  metadata: EntityMetadata,
  columns: string[],
  select: readonly string[] | undefined,
): string {
  return statementText(keyedStatements, metadata, columns, select, () => {
    const keyColumns = columns.map((name) => {
      const column = metadata.findColumnWithDatabaseName(name);
      if (!column) throw new Error(`selectByKeys on ${metadata.tableName}: no column '${name}'`);
      return column;
    });
    const selected = columnList(metadata, select && columnsOf(metadata, select, 'selectByKeys'));
    const arrays = keyColumns.map((_, i) => `$${i + 1}::text[]`).join(', ');
    const names = keyColumns.map((_, i) => `k${i}`).join(', ');
    // Each key's text is cast to its column's type on the keys' side, so the row is found by the column's index.
    const on = keyColumns
      .map((column, i) => `t."${column.databaseName}" = k.k${i}::${dataSource.driver.normalizeType(column)}`)
      .join(' AND ');
    return (
      `SELECT k."${POSITION}", ${selected} FROM unnest(${arrays}) WITH ORDINALITY AS k(${names}, "${POSITION}") ` +
      `JOIN "${metadata.tableName}" AS t ON ${on}`
    );
  });
}

/**
 * The rows of an entity for many keys in one prepared statement (`ReadBatcher`'s fetch): for each key (a
 * tuple of values for `columns`, in that order) the one row where every `column = value` holds, by the
 * key's index in `keys`; a key without a row is absent. `columns` must name a unique key, as `selectOne`'s
 * do. Values travel as text and are cast to each column's type in the statement, so a value that is not
 * of that type (an id that is not a UUID) fails the whole statement: check them before. With `select`
 * (property names) only those columns are read.
 */
export async function selectByKeys<T extends ObjectLiteral>(
  dataSource: DataSource,
  metadata: EntityMetadata,
  columns: string[],
  keys: readonly (readonly string[])[],
  select?: readonly string[],
): Promise<Map<number, T>> {
  if (columns.length === 0) throw new Error(`selectByKeys on ${metadata.tableName} needs at least one column`);
  if (keys.some((key) => key.length !== columns.length)) {
    throw new Error(`selectByKeys on ${metadata.tableName}: every key needs ${columns.length} values`);
  }
  const values = columns.map((_, i) => keys.map((key) => key[i]));
  const rows = await queryPrepared<Record<string, unknown>>(
    dataSource,
    keyedStatement(dataSource, metadata, columns, select),
    values,
  );
  const found = new Map<number, T>();
  for (const raw of rows) {
    const { [POSITION]: position, ...entity } = raw;
    found.set(Number(position) - 1, hydrate<T>(metadata, entity));
  }
  return found;
}
