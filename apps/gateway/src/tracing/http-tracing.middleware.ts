import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * One SERVER span per HTTP request (installed only while tracing is on), active for everything the
 * request does, so a job it enqueues carries its trace context to the worker. A caller's `traceparent`
 * is continued. Named by route template (`POST /api/ingest/commit/:job_id`), never by raw path; the
 * query string is left out, like in the logs.
 */
export function httpTracing(): RequestHandler {
  const tracer = trace.getTracer('strata');
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.originalUrl.split('?')[0] ?? '/',
          'url.scheme': req.protocol,
        },
      },
      parent,
    );
    res.once('close', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof template === 'string') {
        const route = `${req.baseUrl}${template}`;
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      // The id the request logger gave the request (X-Request-Id): joins the trace to the request's log lines.
      const requestId = (req as Request & { id?: unknown }).id;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        span.setAttribute('strata.request_id', String(requestId));
      }
      if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed early' });
      else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
