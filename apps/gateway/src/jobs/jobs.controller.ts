import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '@app/openapi';
import { CurrentPrincipal, type Principal } from '@app/security';
import { PaginationQueryDto } from '../common/pagination.dto.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { RetryRequestDto } from '../ingest/dto/commit.dto.js';
import { JobListResponseDto, JobResponseDto } from './dto/job.response.dto.js';
import { toJobResponse } from './job.mapper.js';
import { JobsService } from './jobs.service.js';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Get a job: status, step, progress, counters, warnings, error' })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblemResponses(400, 401, 404)
  async get(@Param('id', UuidParamPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<JobResponseDto> {
    return toJobResponse(await this.jobs.get(id, principal));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a job',
    description:
      'Cooperative: a job that has not started is cancelled at once and never starts; a running job stops at its next checkpoint and ends `cancelled` (until then it shows step `cancelling`). 409 when the job is already terminal.',
  })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblemResponses(400, 401, 404, 409)
  async cancel(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobResponseDto> {
    return toJobResponse(await this.jobs.cancel(id, principal));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Re-queue a failed job',
    description:
      'Only `failed` jobs can be retried (409 otherwise). The new run gets a new attempt token. An optional body of commit options (those of POST /api/ingest/commit, without `layer_name`) replaces the stored ones for the new attempt: a field given replaces the stored value, `null` clears it back to its default, a field not given keeps what the commit asked for. They are validated like a commit: a field of the other kind of file (vector vs raster) is 422, and so is any option on a job that is not a dataset ingest. So a job that failed for want of an option (e.g. `srid_override` for a file without a CRS) is fixed without uploading the file again.',
  })
  @ApiBody({
    type: RetryRequestDto,
    required: false,
    examples: {
      same: { summary: 'Retry with the same options', value: {} },
      crs: { summary: 'Retry naming the CRS the file lacks', value: { srid_override: 4326 } },
    },
  })
  @ApiAcceptedResponse({ type: JobResponseDto })
  @ApiProblemResponses(400, 401, 404, 409, 422)
  async retry(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: RetryRequestDto | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobResponseDto> {
    return toJobResponse(await this.jobs.retry(id, principal, body));
  }

  @Get(':id/children')
  @ApiOperation({ summary: "List a fan-out's child jobs" })
  @ApiOkResponse({ type: JobListResponseDto })
  @ApiProblemResponses(400, 401, 404)
  async children(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: PaginationQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobListResponseDto> {
    const [children, total] = await this.jobs.children(id, principal, query.page, query.per_page);
    return { data: children.map(toJobResponse), meta: { page: query.page, per_page: query.per_page, total } };
  }
}
