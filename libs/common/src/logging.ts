import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { describeError } from './safe-error.js';
import { activeTraceIds, tracingEnabled } from './tracing.js';

const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's request id when it is well-formed, otherwise mints one. */
function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const header = req.headers[REQUEST_ID_HEADER];
  const given = Array.isArray(header) ? header[0] : header;
  const id = given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** Paths pino blanks out wherever they appear in a log object. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'token',
  'password',
  'secret',
  '*.token',
  '*.password',
  '*.secret',
  '*.secretAccessKey',
  '*.secret_access_key',
  '*.authorization',
];

/** Base pino options, shared by the gateway and the worker. */
function pinoOptions(config: AppConfig, app: string): LoggerOptions {
  return {
    level: config.log.level,
    base: { app },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: describeError },
    // With tracing on, each line names the span it was written in, so logs and traces join up.
    ...(tracingEnabled() ? { mixin: activeTraceIds } : {}),
    ...(config.log.pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}

function loggerParams(config: AppConfig, app: string): Params {
  return {
    pinoHttp: {
      ...pinoOptions(config, app),
      genReqId: requestIdFor,
      customProps: (req) => ({ request_id: (req as IncomingMessage & { id?: unknown }).id }),
      serializers: {
        err: describeError,
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          // Drop the query string: it is where clients put things that must not be logged.
          url: req.url?.split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/api/health/live') },
    },
  };
}

export function createLoggerModule(app: string): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => loggerParams(config, app),
  });
}
