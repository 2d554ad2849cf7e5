import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import { RequestId } from '../common/request-id.decorator.js';
import { JobResponseDto } from '../jobs/dto/job.response.dto.js';
import { toJobResponse } from '../jobs/job.mapper.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { DiagnosticsRequestDto } from './dto/diagnostics.request.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
export class AdminController {
  constructor(private readonly diagnostics: DiagnosticsService) {}

  @Post('diagnostics')
  @HttpCode(202)
  @RequireCapabilities(Capability.Admin)
  @ApiOperation({
    summary: 'Run a diagnostics job through the whole pipeline',
    description:
      'Queues a job that a worker picks up: it checks GDAL, walks through checkpointed steps reporting progress, and completes. Poll `GET /api/jobs/{id}`. Proves gateway → Redis → worker → PostgreSQL works; `fail_with` exercises retry handling.',
  })
  @ApiAcceptedResponse({ type: JobResponseDto })
  @ApiProblemResponses(400, 401, 403)
  async runDiagnostics(
    @Body() body: DiagnosticsRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<JobResponseDto> {
    return toJobResponse(await this.diagnostics.start(body, principal, requestId));
  }
}
