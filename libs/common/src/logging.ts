import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Global,
  Injectable,
  Module,
  type DynamicModule,
  type LoggerService,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { AppConfig } from '@app/config';
import { pino, type Bindings, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
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

/** The application's pino options, shared by the gateway and the worker. */
function pinoOptions(config: AppConfig, app: string): LoggerOptions {
  return {
    level: config.log.level,
    base: { app },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      err: describeError,
      // What `RequestLoggingMiddleware` logs of a request and its response, when it writes a line.
      req: (req: LoggedRequest) => ({
        id: (req as { id?: unknown }).id,
        method: req.method,
        // Drop the query string: it is where clients put things that must not be logged.
        url: (req.originalUrl ?? req.url)?.split('?')[0],
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
    // With tracing on, each line names the span it was written in, so logs and traces join up.
    ...(tracingEnabled() ? { mixin: activeTraceIds } : {}),
    ...(config.log.pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}

/** The application's one pino logger; `destination` (tests) replaces stdout. */
export function createRootLogger(config: AppConfig, app: string, destination?: DestinationStream): Logger {
  return destination ? pino(pinoOptions(config, app), destination) : pino(pinoOptions(config, app));
}

let root: Logger | undefined;
/** The logger of the current request's or job's context (see `LogContext.run`), if there is one. */
const contexts = new AsyncLocalStorage<Logger>();

/**
 * The application's root logger, for lines that must not inherit the current context's fields. The
 * logger module sets it as the application starts; before that (a unit under test) it is a silent one.
 */
export function rootLogger(): Logger {
  return (root ??= pino({ level: 'silent' }));
}

/** Makes `logger` the root logger (the logger module does, from the configuration; tests may). */
export function setRootLogger(logger: Logger): Logger {
  root = logger;
  return logger;
}

/**
 * The log context of requests and jobs: `run` gives a request (or a job delivery) a child of the root
 * logger with its own fields (`request_id`; a job's id and attempt), and every line written while it
 * runs, through `logger` or through Nest's `Logger`, carries them, across every `await`.
 */
@Injectable()
export class LogContext {
  /** The current context's logger, else the root. */
  get logger(): Logger {
    return contexts.getStore() ?? rootLogger();
  }

  /** Runs `fn` (and everything it awaits) in a context whose lines carry `bindings`. */
  run<T>(fn: () => T, bindings: Bindings): T {
    return contexts.run(rootLogger().child(bindings), fn);
  }
}

/**
 * Nest's `Logger` (the framework's own lines and every `new Logger(name)` in the code), written through
 * the current context's pino logger. Nest passes the logger's name as the last argument: it goes in
 * `context`. A first argument that is an object becomes the line's fields (an `Error` its `err`); Nest's
 * exception handlers call `error(message, stack)`, which becomes an `err` with that stack.
 */
@Injectable()
export class NestLogger implements LoggerService {
  constructor(private readonly context: LogContext) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    const log = this.context.logger;
    if (!log.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const extra = rest.slice(0, -1);
    if (rest.length > 0) fields.context = rest.at(-1);
    if (typeof message === 'object' && message !== null) {
      if (message instanceof Error) fields.err = message;
      else Object.assign(fields, message);
      log[level](fields, ...(extra as [string?]));
    } else if (level === 'error' && extra.length === 1 && isStack(extra[0])) {
      const err = new Error(String(message));
      err.stack = extra[0];
      fields.err = err;
      log.error(fields);
    } else {
      log[level](fields, String(message), ...extra);
    }
  }
}

function isStack(value: unknown): value is string {
  return typeof value === 'string' && /\n\s*at /.test(value);
}

/** Express's request (its `id` is the one `RequestLoggingMiddleware` gives it). */
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
  constructor(private readonly logs: LogContext) {}

  use(req: LoggedRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    const started = performance.now();
    const id = requestIdFor(req, res);
    Object.assign(req, { id });
    this.logs.run(
      () => {
        if (!UNLOGGED_PATH.test(req.originalUrl ?? req.url ?? '')) {
          // The request's own child logger (with `request_id`), from the context just opened.
          const log = this.logs.logger;
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
      { request_id: id },
    );
  }
}

/** The root logger set from the configuration. */
const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * The application's logging (global): the root logger from the configuration, `LogContext`, and
 * `NestLogger` for `app.useLogger`.
 */
export function createLoggerModule(app: string): DynamicModule {
  return {
    module: LoggingModule,
    global: true,
    providers: [
      {
        provide: ROOT_LOGGER,
        inject: [AppConfig],
        useFactory: (config: AppConfig): Logger => setRootLogger(createRootLogger(config, app)),
      },
      // Created after the root logger, so nothing logs through the silent placeholder.
      { provide: LogContext, inject: [ROOT_LOGGER], useFactory: () => new LogContext() },
      NestLogger,
    ],
    exports: [LogContext, NestLogger],
  };
}

@Module({})
class LoggingModule {}

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
