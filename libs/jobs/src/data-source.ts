import type { AppConfig } from '@app/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';
import { SnakeNamingStrategy } from './naming.strategy.js';

export const MIGRATIONS_TABLE = 'strata_migrations';

/** One definition for the apps, the migration runner and the drift check. Synchronize is never on. */
export function dataSourceOptions(config: AppConfig, applicationName = 'strata'): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.database.url,
    applicationName,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all',
    namingStrategy: new SnakeNamingStrategy(),
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: config.database.poolSize, connectionTimeoutMillis: 5000 },
  };
}

export function createDataSource(config: AppConfig, applicationName?: string): DataSource {
  return new DataSource(dataSourceOptions(config, applicationName));
}

/** SQL the entities need beyond what the migrations create; empty when they agree. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

/** Readiness probe: a trivial round trip on a pooled connection (opening the pool if it is not yet). */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  await dataSource.query('SELECT 1');
}
