// Generates the typed TypeScript client's schema (clients/typescript/src/schema.ts) from the committed
// openapi.json, or with `--check` fails when the committed schema is stale. `npm run openapi` runs it
// after writing openapi.json; `npm test` runs the check.
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';

const TARGET = 'clients/typescript/src/schema.ts';
const check = process.argv.includes('--check');

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());

const spec = JSON.parse(await readFile('openapi.json', 'utf8'));
const ast = await openapiTS(spec, {
  // Multipart file parts are Blobs (a File carries its name) rather than the strings JSON Schema implies.
  transform(schema) {
    if (schema.format === 'binary') return schema.nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
    return undefined;
  },
});
const header = '// Generated from openapi.json by scripts/generate-client.mjs (`npm run openapi`). Do not edit.\n';
const options = await resolveConfig(TARGET);
const source = await format(header + astToString(ast), { ...options, filepath: TARGET });

if (check) {
  const committed = await readFile(TARGET, 'utf8').catch(() => '');
  if (committed !== source) {
    process.stderr.write(`${TARGET} is stale: run \`npm run build && npm run openapi\` and commit the result.\n`);
    process.exit(1);
  }
  process.stdout.write(`${TARGET} is up to date\n`);
} else {
  await writeFile(TARGET, source);
  process.stdout.write(`wrote ${TARGET}\n`);
}
