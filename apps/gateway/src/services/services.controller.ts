import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import { RequestId } from '../common/request-id.decorator.js';
import { ProbeRequestDto, ProbeResponseDto } from './dto/probe.dto.js';
import { ServicePreviewRequestDto, ServicePreviewResponseDto } from './dto/service-preview.dto.js';
import { ServiceProbeService } from './probe.service.js';
import { ServicePreviewService } from './service-preview.service.js';

@ApiTags('services')
@ApiBearerAuth()
@RequireCapabilities(Capability.CreateLayers)
@Controller('services')
export class ServicesController {
  constructor(
    private readonly probes: ServiceProbeService,
    private readonly previews: ServicePreviewService,
  ) {}

  @Post('probe')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Detect a remote feature service and list its layers',
    description:
      'WFS 1.0/1.1/2.0 (highest version offered), OGC API Features, ArcGIS FeatureServer and MapServer (layers and tables, with counts). Every request goes through the SSRF guard: private and loopback targets are refused (422 `ssrf-refused`) unless SSRF_ALLOWLIST names them; credentials in the URL are refused (use `token`). 403 when the service refuses the token (ArcGIS 498/499), 502 unreachable, 504 too slow, 422 not a feature service.',
  })
  @ApiOkResponse({ type: ProbeResponseDto })
  @ApiProblemResponses(400, 401, 403, 422, 502, 504)
  probe(@Body() body: ProbeRequestDto): Promise<ProbeResponseDto> {
    return this.probes.probe(body.url, body.token);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview one layer of a remote service; creates a pending job for /ingest/commit',
    description:
      'Runs on a worker (awaited like file previews): columns, CRS (EPSG), geometry type, the real feature count and up to 5 sample rows. The job it creates reads the layer when committed with `POST /api/ingest/commit/{job_id}` (capability `upload`). The token is never stored in the job or the queue.',
  })
  @ApiOkResponse({ type: ServicePreviewResponseDto })
  @ApiProblemResponses(400, 401, 403, 422, 502, 504)
  preview(
    @Body() body: ServicePreviewRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<ServicePreviewResponseDto> {
    return this.previews.preview(body, principal, requestId);
  }
}
