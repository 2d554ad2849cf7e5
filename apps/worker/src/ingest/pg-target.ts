import type { PgTarget } from '@app/contracts';

/** libpq-style connection parameters taken from DATABASE_URL (GDAL's PG driver wants them as conninfo). */
export function pgTargetFromUrl(url: string): PgTarget {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new Error('DATABASE_URL must be a postgres:// URL');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}
