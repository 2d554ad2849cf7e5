import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { StrataMetrics } from '@app/metrics';
import { Capability } from '@app/security';
import type { Response } from 'express';

const EXAMPLE = `# HELP strata_http_request_duration_seconds HTTP request duration by method, route template and status code.
# TYPE strata_http_request_duration_seconds histogram
strata_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/jobs/:id",status="200",app="gateway"} 41
# HELP strata_queue_jobs Jobs in each queue by state
# TYPE strata_queue_jobs gauge
strata_queue_jobs{queue="ingest",state="waiting",app="gateway"} 3
`;

/** Prometheus exposition of the gateway's metrics (outside the `/api` prefix, where scrapers look). */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: StrataMetrics) {}

  @Get()
  @RequireCapabilities(Capability.Metrics)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of the gateway',
    description:
      'Text exposition format 0.0.4: HTTP request durations by route and status, bytes uploaded, queue depth and the ' +
      'age of the oldest waiting job per queue, process metrics. Needs a token with the `metrics` capability ' +
      '(`npm run cli -- token:create --user prometheus --capabilities metrics`). Metric names: docs/operations.md.',
  })
  @ApiOkResponse({
    description: 'Metrics',
    content: { 'text/plain': { schema: { type: 'string', example: EXAMPLE } } },
  })
  @ApiProblemResponses(401, 403)
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType).send(body);
  }
}
