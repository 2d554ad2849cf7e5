import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** Distinct statements prepared at most; beyond that, statements run unprepared (a bug made texts vary). */
const MAX_PREPARED = 500;
const names = new Map<string, string>();

/**
 * Runs `text` as a named prepared statement on the data source's own pool: each connection parses and
 * plans it once, later runs only bind and execute. For the fixed, frequent reads of the API (clients poll
 * jobs); going around TypeORM's per-call query runner also saves it taking and releasing a connection
 * wrapper. The name is derived from the text, so one text always has one name.
 *
 * Only for statements whose best plan does not depend on the values, such as lookups by a unique key:
 * after a few runs PostgreSQL may switch a prepared statement to a generic plan, which cannot see that
 * this owner has 10,000 rows and might sort them all where an index scan would stop at the first page.
 *
 * Only for fixed texts (values go in `values`), and they should name their columns rather than `SELECT
 * *`: a column added by a migration while the process runs would otherwise change a prepared statement's
 * result type, which PostgreSQL refuses ("cached plan must not change result type"). Errors are
 * node-postgres's own, which the outage rules (`@app/common` outage.ts) read like TypeORM's.
 */
export function queryPrepared<R>(dataSource: DataSource, text: string, values: unknown[]): Promise<R[]> {
  // Past MAX_PREPARED texts (a bug made texts vary), unprepared.
  return queryOnPool<R>(dataSource, text, values, statementName(text));
}

/**
 * Runs `text` unprepared on the data source's own pool (not TypeORM's per-call query runner): for reads
 * whose best plan depends on the values (list pages), which must be planned for each call.
 */
export function queryDirect<R>(dataSource: DataSource, text: string, values: unknown[]): Promise<R[]> {
  return queryOnPool<R>(dataSource, text, values, undefined);
}

/** On the node-postgres pool, named (prepared) when `name` is given; through TypeORM when there is no such pool. */
async function queryOnPool<R>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
  name: string | undefined,
): Promise<R[]> {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  // Not a node-postgres pool (replication set-ups keep theirs elsewhere): TypeORM's own query.
  if (!pool || typeof pool.query !== 'function') return (await dataSource.query(text, values)) as R[];
  const result = await pool.query(name === undefined ? { text, values } : { name, text, values });
  return result.rows as R[];
}

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `strata:${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}
