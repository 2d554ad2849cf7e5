import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A named prepared statement on the data source's own pool: each connection parses and plans `text` once,
 * later runs only bind and execute. For the fixed, frequent reads of the API (clients poll a job); going
 * around TypeORM's per-call query runner also saves it taking and releasing a connection wrapper.
 *
 * `name` must stand for one `text` for the life of the process (node-postgres refuses a name reused with
 * another text). The statement should name its columns rather than `SELECT *`: a column added by a
 * migration while the process runs would otherwise change a prepared statement's result type, which
 * PostgreSQL refuses ("cached plan must not change result type"). Errors are node-postgres's own, which
 * the outage rules (`@app/common` outage.ts) read like TypeORM's.
 */
export async function queryPrepared<R>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  // Not a node-postgres pool (replication set-ups keep theirs elsewhere): TypeORM's path, unprepared.
  if (!pool || typeof pool.query !== 'function') return (await dataSource.query(text, values)) as R[];
  const result = await pool.query({ name, text, values });
  return result.rows as R[];
}
