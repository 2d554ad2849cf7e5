import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { DatasetRepository } from '@app/jobs';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import { PaginationQueryDto } from '../common/pagination.dto.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { toDatasetResponse } from './dataset.mapper.js';
import { DatasetsService } from './datasets.service.js';
import { DatasetDeletedResponseDto, DatasetListResponseDto, DatasetResponseDto } from './dto/dataset.response.dto.js';

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('datasets')
export class DatasetsController {
  constructor(
    private readonly datasets: DatasetRepository,
    private readonly service: DatasetsService,
  ) {}

  @Get()
  @ApiOperation({ summary: "List the caller's datasets, newest first" })
  @ApiOkResponse({ type: DatasetListResponseDto })
  @ApiProblemResponses(400, 401)
  async list(
    @Query() query: PaginationQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetListResponseDto> {
    const [rows, total] = await this.datasets.listForOwner(principal.owner, query.page, query.per_page);
    return { data: rows.map(toDatasetResponse), meta: { page: query.page, per_page: query.per_page, total } };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one dataset' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiProblemResponses(400, 401, 404)
  async get(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetResponseDto> {
    return toDatasetResponse(await this.datasets.getForOwner(id, principal.owner));
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireCapabilities(Capability.Upload)
  @ApiOperation({
    summary: 'Delete a dataset',
    description:
      "Removes the dataset, its PostGIS table or its stored raster/VRT files. 409 naming the VRTs (`vrt_ids`) while a VRT uses it as a source, or a staged VRT change or creation would: remove it from them first. A VRT's own sources are not touched.",
  })
  @ApiOkResponse({ type: DatasetDeletedResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409)
  async delete(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DatasetDeletedResponseDto> {
    await this.service.delete(id, principal);
    return { id, status: 'deleted' };
  }
}
