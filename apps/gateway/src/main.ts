import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@app/config';
import { configureGateway } from './app.setup.js';
import { GatewayModule } from './gateway.module.js';

const config = loadConfig();
const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bufferLogs: true, bodyParser: false });
configureGateway(app);
await app.listen(config.http.port, config.http.host);
new Logger('GatewayMain').log(
  { port: config.http.port },
  `Strata gateway listening on http://${config.http.host}:${config.http.port} (API under /api, docs at /docs)`,
);
