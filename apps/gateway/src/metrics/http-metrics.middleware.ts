import { Injectable, type NestMiddleware } from '@nestjs/common';
import { StrataMetrics } from '@app/metrics';
import type { NextFunction, Request, Response } from 'express';

/**
 * Times every request into `strata_http_request_duration_seconds`, labelled with the route *template*
 * (`/api/jobs/:id`), never the raw path: ids in labels would grow the series without bound. Requests
 * no route matched are labelled `unmatched`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: StrataMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  }
}
