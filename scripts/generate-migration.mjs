// Writes a migration with the SQL that takes the database (migrated to the latest committed migration)
// to what the entities describe, and registers it in libs/jobs/src/migrations/index.ts.
// Usage: npm run migration:generate -- <PascalCaseName>
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  console.error('usage: npm run migration:generate -- <PascalCaseName>');
  process.exit(2);
}
const { loadConfig } = await import('../dist/apps/worker/libs/config/src/index.js');
const { createDataSource } = await import('../dist/apps/worker/libs/jobs/src/index.js');

const dataSource = createDataSource(loadConfig(), 'strata-migration-generate');
await dataSource.initialize();
try {
  await dataSource.runMigrations({ transaction: 'all' });
  const sql = await dataSource.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    console.log('No changes: entities and migrations agree.');
    process.exit(0);
  }
  const stamp = Date.now();
  const className = `${name}${stamp}`;
  const q = (query) =>
    `    await queryRunner.query(${JSON.stringify(query.query)}${query.parameters?.length ? `, ${JSON.stringify(query.parameters)}` : ''});`;
  const file = `libs/jobs/src/migrations/${stamp}-${name}.ts`;
  await writeFile(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${sql.upQueries.map(q).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${[...sql.downQueries].reverse().map(q).join('\n')}
  }
}
`,
  );
  const indexPath = 'libs/jobs/src/migrations/index.ts';
  let index = await readFile(indexPath, 'utf8');
  index = index.replace(
    "import type { MigrationInterface } from 'typeorm';\n",
    `import type { MigrationInterface } from 'typeorm';\nimport { ${className} } from './${stamp}-${name}.js';\n`,
  );
  index = index.replace(/export const MIGRATIONS: MigrationClass\[\] = \[([^\]]*)\];/, (_, list) => {
    const items = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return `export const MIGRATIONS: MigrationClass[] = [${[...items, className].join(', ')}];`;
  });
  await writeFile(indexPath, index);
  console.log(`wrote ${file} (${sql.upQueries.length} statements) and registered it`);
} finally {
  await dataSource.destroy();
}
