import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startTracing } from '@app/common';
import { loadConfig } from '@app/config';
import { ImporterLoadError, loadImporterCatalog } from '@app/importers';
import { configureGateway } from './app.setup.js';
import { GatewayModule } from './gateway.module.js';
import { tuneGatewayHeap } from './heap-tuning.js';

tuneGatewayHeap();

const config = loadConfig();
try {
  loadImporterCatalog(config.importers.dir);
} catch (error) {
  // Like a configuration error, an invalid importer file stops the process before anything starts.
  if (!(error instanceof ImporterLoadError)) throw error;
  process.stderr.write(`${error.problems.join('\n')}\n`);
  process.exit(1);
}
// Before the application exists, so the logger and the request middleware see it (a no-op when off).
await startTracing(config, 'gateway');
const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bufferLogs: true, bodyParser: false });
configureGateway(app);
const server = app.getHttpServer();
// Node's default (5 s) is below every load balancer's idle timeout; see HTTP_KEEP_ALIVE_TIMEOUT_MS. The
// headers timeout stays above it, so a request arriving as the idle time ends is never cut short.
server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
server.headersTimeout = Math.max(server.headersTimeout, config.http.keepAliveTimeoutMs + 1000);
await app.listen(config.http.port, config.http.host);
new Logger('GatewayMain').log(
  { port: config.http.port },
  `Strata gateway listening on http://${config.http.host}:${config.http.port} (API under /api, docs at /docs)`,
);
