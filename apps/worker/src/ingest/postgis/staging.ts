import { VectorIngestError, VectorLoadUnavailableError, isSafeIdentifier, type PgTarget } from '@app/contracts';
import { Client, escapeIdentifier } from 'pg';

/** `"schema"."table"`, for names already checked by assertIdentifier. */
export function qualifiedName(schema: string, table: string): string {
  return `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
}

export function assertIdentifier(name: string, what: string): void {
  if (!isSafeIdentifier(name))
    throw new TypeError(`Invalid ${what} name: use [a-z_][a-z0-9_]*, at most 63 characters.`);
}

/** The error that ended each load connection the server closed (a restart), by client. */
const lostConnections = new WeakMap<Client, Error>();

/** The error with which the server ended `client`'s connection, if it did. */
export function lostConnection(client: Client): Error | undefined {
  return lostConnections.get(client);
}

/** A connection for a load's SQL steps; unreachable → VectorLoadUnavailableError (worth a retry). */
export async function connectForLoad(target: PgTarget, applicationName = 'strata-vector-load'): Promise<Client> {
  const client = new Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    application_name: applicationName,
  });
  // A connection the server ends (a restart) emits `error`, also between queries: unheard, it would kill
  // the process with the stack on stderr. Kept instead; the next query fails and the load asks for it.
  // The first error says why (57P01: terminated); a `Connection terminated unexpectedly` follows it.
  client.on('error', (error: Error) => {
    if (!lostConnections.has(client)) lostConnections.set(client, error);
  });
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new VectorLoadUnavailableError('The database could not be reached.', { cause });
  }
  return client;
}

/** The schema must exist and the staging table must not (a leftover would mix two loads). */
export async function assertTableAbsent(client: Client, schema: string, table: string): Promise<void> {
  const { rows } = await client.query<{ schema: boolean; table: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname = $2) AS table`,
    [schema, table],
  );
  if (!rows[0]?.schema) throw new Error(`Schema ${schema} does not exist.`);
  if (rows[0].table) throw new VectorIngestError('table-exists', 'The staging table for this load already exists.');
}

/** An srid override must name a CRS PostGIS knows. */
export async function assertKnownSrid(client: Client, srid: number): Promise<void> {
  const known =
    Number.isInteger(srid) &&
    srid > 0 &&
    (await client.query('SELECT 1 FROM spatial_ref_sys WHERE srid = $1', [srid])).rowCount === 1;
  if (!known) {
    throw new VectorIngestError(
      'unknown-srid',
      `srid_override ${String(srid)} is not a known coordinate reference system code.`,
    );
  }
}

/** Drops `schema.table` if it exists (cleanup of a staging table after a failed or abandoned load). */
export async function dropTableIfExists(target: PgTarget, schema: string, table: string): Promise<void> {
  assertIdentifier(schema, 'schema');
  assertIdentifier(table, 'table');
  const client = await connectForLoad(target);
  try {
    await client.query(`DROP TABLE IF EXISTS ${qualifiedName(schema, table)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
