import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ERROR_STATUS, ERROR_TITLE, ErrorCode, PROBLEM_CONTENT_TYPE, describeError, problemType } from '@app/common';
import { StrataMetrics } from '@app/metrics';
import { Capability, TokenService, capabilityRefusal } from '@app/security';
import { ReadinessService } from '../runtime/readiness.service.js';

/**
 * The worker's own small HTTP server (WORKER_METRICS_PORT; off when 0), bound to WORKER_METRICS_HOST:
 * `GET /metrics` for Prometheus (a token with the `metrics` capability, like the gateway's), and
 * `GET /health/live` / `GET /health/ready` for orchestrator probes (no token; they reveal nothing).
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: StrataMetrics,
    private readonly tokens: TokenService,
    private readonly readiness: ReadinessService,
  ) {}

  /** The bound port (differs from the configured one only when that was 0 in tests). */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.worker.metrics;
    if (port === 0) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.warn({ err: describeError(error) }, 'metrics request failed');
        if (!res.headersSent) problem(res, ErrorCode.Internal, 'The request could not be answered.');
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log({ host, port }, 'worker metrics and probes listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      res.writeHead(405, { 'Content-Type': PROBLEM_CONTENT_TYPE });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Method not allowed',
          status: 405,
          detail: 'Only GET is served here.',
        }),
      );
      return;
    }
    switch (path) {
      case '/health/live':
        return json(res, 200, { status: 'ok' });
      case '/health/ready': {
        const failing = await this.readiness.failingChecks({ gdal: false });
        return failing.length === 0
          ? json(res, 200, { status: 'ok' })
          : problem(res, ErrorCode.DependencyUnavailable, `Unavailable: ${failing.join(', ')}.`);
      }
      case '/metrics': {
        const header = req.headers.authorization;
        const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
        const principal = match?.[1] ? await this.tokens.authenticate(match[1]) : null;
        if (!principal) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="strata"');
          return problem(res, ErrorCode.Unauthenticated, 'A bearer token with the metrics capability is required.');
        }
        const refusal = capabilityRefusal(principal, [Capability.Metrics]);
        if (refusal !== null) return problem(res, ErrorCode.Forbidden, refusal);
        const { contentType, body } = await this.metrics.scrape();
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        res.end(body);
        return;
      }
      default:
        return problem(res, ErrorCode.NotFound, 'Served here: /metrics, /health/live, /health/ready.');
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, code: ErrorCode, detail: string): void {
  const status = ERROR_STATUS[code];
  res.writeHead(status, { 'Content-Type': PROBLEM_CONTENT_TYPE });
  res.end(JSON.stringify({ type: problemType(code), title: ERROR_TITLE[code], status, detail }));
}
