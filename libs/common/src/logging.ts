import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Global,
  Injectable,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
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

/** The logger module's parameters; `destination` (tests) replaces stdout. */
export function loggerParams(config: AppConfig, app: string, destination?: DestinationStream): Params {
  const options: Options = {
    ...pinoOptions(config, app),
    // pino-http wraps these: they get its plain views of the request and response.
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
  };
  // The application's one pino logger. pino-http is not mounted on any route (`forRoutes: []`):
  // `RequestLoggingMiddleware` gives each request its id, its log context and its closing line, at a
  // fraction of the cost (pino-http serialises and redacts a `req` binding into a child logger for every
  // request, logged or not).
  return { pinoHttp: destination ? [options, destination] : options, forRoutes: [] };
}

/** Express's request (pino-http's typings give every `IncomingMessage` an `id`). */
interface LoggedRequest extends IncomingMessage {
  originalUrl?: string;
}

/** Requests without a closing line: the liveness probe, polled by orchestrators every few seconds. */
const UNLOGGED_PATH = /^\/api\/health\/live(?:[/?]|$)/;

/**
 * Per request: its id (the caller's `X-Request-Id` when well-formed, else a fresh UUID; echoed in the
 * response header and on `req.id`), a log context so that every line written while it is handled carries
 * `request_id`, and a closing `request completed` line (`req`: id, method and path without the query
 * string; `res.status`; `responseTime` in ms) at info, warn for 4xx, error for 5xx, or `request aborted`
 * (warn) when the client went away before the answer was sent. Mounted first, on every route, by
 * `RequestLoggingModule`.
 */
@Injectable()
export class RequestLoggingMiddleware implements NestMiddleware {
  constructor(private readonly pino: PinoLogger) {}

  use(req: LoggedRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    const started = performance.now();
    const id = requestIdFor(req, res);
    req.id = id;
    this.pino.runInContext(
      () => {
        if (!UNLOGGED_PATH.test(req.originalUrl ?? req.url ?? '')) {
          // The request's own child logger (with `request_id`), from the context just opened.
          const log = this.pino.logger;
          const close = (): void => {
            const status = res.statusCode;
            // Serialised (`req`: id, method, path; `res`: status) only when the line is written.
            const fields = { req, res, responseTime: Math.round(performance.now() - started) };
            if (!res.writableFinished) log.warn(fields, 'request aborted');
            else if (status >= 500) log.error(fields, 'request completed');
            else if (status >= 400) log.warn(fields, 'request completed');
            else log.info(fields, 'request completed');
          };
          res.once('close', close);
        }
        next();
      },
      { bindings: { request_id: id } },
    );
  }
}

export function createLoggerModule(app: string): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => loggerParams(config, app),
  });
}

/**
 * Mounts `RequestLoggingMiddleware` on every route, ahead of every other module's middleware: Nest
 * applies the middleware of global modules first, then the others (the application module's own JSON
 * parser, the queue dashboard's router, which answers requests itself) — and each of those must find
 * the request's id and log context already set. Global for that order; it provides nothing.
 */
@Global()
@Module({})
export class RequestLoggingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggingMiddleware).forRoutes('*path');
  }
}
