import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { NestLogger, tracingEnabled } from '@app/common';
import { REQUIRED_CAPABILITIES_EXTENSION } from '@app/security';
import { isQueueDashboardPath } from './queue-dashboard/queue-dashboard.auth.js';
import { httpTracing } from './tracing/http-tracing.middleware.js';

const API_PREFIX = 'api';

/** Everything main.ts, the OpenAPI exporter and tests share, so they all see the same application. */
export function configureGateway(app: NestExpressApplication): void {
  app.useLogger(app.get(NestLogger));
  // First, so the request's span is active for every middleware, guard and handler after it.
  if (tracingEnabled()) app.use(httpTracing());
  // `/metrics` stays at the root, where Prometheus scrapers look by default; the queue dashboard is not API.
  app.setGlobalPrefix(API_PREFIX, { exclude: ['metrics', 'admin/queues', 'admin/queues/*path'] });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  app.enableShutdownHooks();
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, () => document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Strata API',
    // Shows `x-required-capabilities` on each operation.
    swaggerOptions: { persistAuthorization: true, showExtensions: true },
  });
}

/**
 * Helmet's defaults everywhere but on the queue dashboard, whose UI (bull-board) needs inline styles. Its
 * policy stays same-origin only: bull-board's Google Fonts stylesheet is refused on purpose (the UI falls
 * back to system fonts, and an admin page calls no third party), and without `upgrade-insecure-requests`,
 * which would break the page on a plain-HTTP internal address while adding nothing to same-origin URLs.
 */
function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const api = helmet();
  const dashboard = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  return (req, res, next) => (isQueueDashboardPath(req.path) ? dashboard : api)(req, res, next);
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Strata')
    .setDescription(
      'Geospatial and tabular data ingest. Every `/api` route except `/api/health/*` needs `Authorization: Bearer <token>` ' +
        '(mint one with `npm run cli -- token:create`); `x-required-capabilities` on each operation lists the capabilities ' +
        'its token needs (`admin` implies every other; an empty list: any valid token except a scrape-only one). A token ' +
        'whose only capability is `metrics` is a scrape token: it is refused (403) everywhere but on `GET /metrics`. ' +
        'Errors are RFC 9457 `application/problem+json`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Opaque token from `npm run cli -- token:create`' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  return sortKeys(withCapabilityLists(document));
}

/**
 * `@RequireCapabilities` writes `x-required-capabilities` on the routes it guards; an authenticated route
 * without it needs a valid API token and nothing more (the guard's default: any token but a scrape-only
 * one), which the document says as `[]`.
 */
function withCapabilityLists(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method] as (Record<string, unknown> & { security?: unknown[] }) | undefined;
      if (!operation || (operation.security ?? []).length === 0) continue;
      operation[REQUIRED_CAPABILITIES_EXTENSION] ??= [];
    }
  }
  return document;
}

/** Stable key order, so the committed openapi.json diffs cleanly. */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    ) as T;
  }
  return value;
}
