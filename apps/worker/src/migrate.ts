import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { createDataSource, pendingSchemaChanges } from '@app/jobs';

/**
 * Applies pending migrations. With `--check-drift`, also fails when the entities need schema changes
 * the migrations do not make (someone changed an entity without generating a migration).
 */
const dataSource = createDataSource(loadConfig(), 'strata-migrate');
await dataSource.initialize();
try {
  const applied = await dataSource.runMigrations({ transaction: 'all' });
  process.stdout.write(
    applied.length ? `applied ${applied.map((m) => m.name).join(', ')}\n` : 'database is up to date\n',
  );
  if (process.argv.includes('--check-drift')) {
    const pending = await pendingSchemaChanges(dataSource);
    if (pending.length > 0) {
      process.stderr.write(
        `Entities and migrations have drifted; run \`npm run migration:generate -- <Name>\`. Missing:\n${pending.join(';\n')}\n`,
      );
      process.exitCode = 1;
    } else {
      process.stdout.write('entities and migrations agree\n');
    }
  }
} finally {
  await dataSource.destroy();
}
