import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildOpenApiDocument, configureGateway } from './app.setup.js';
import { GatewayModule } from './gateway.module.js';

/**
 * Writes the OpenAPI document to openapi.json, or with `--check` fails when the committed file is stale.
 * Boots the module graph without listening; connections are opened and closed again.
 */
const check = process.argv.includes('--check');
const app = await NestFactory.create<NestExpressApplication>(GatewayModule, {
  logger: false,
  abortOnError: false,
  bodyParser: false,
});
configureGateway(app);
await app.init();
const spec = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
await app.close();
if (check) {
  const committed = await readFile('openapi.json', 'utf8').catch(() => '');
  if (committed !== spec) {
    process.stderr.write('openapi.json is stale: run `npm run build && npm run openapi` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('openapi.json is up to date\n');
} else {
  await writeFile('openapi.json', spec);
  process.stdout.write('wrote openapi.json\n');
}
