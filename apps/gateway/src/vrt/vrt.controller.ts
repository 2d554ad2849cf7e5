import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, PROBLEM_CONTENT_TYPE, problemType } from '@app/common';
import { ApiProblemResponses, ProblemSchema, RequireCapabilities } from '@app/openapi';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import { getSchemaPath } from '@nestjs/swagger';
import { RequestId } from '../common/request-id.decorator.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { AddVrtSourceRequestDto, CreateVrtRequestDto } from './dto/vrt.request.dto.js';
import { VrtAcceptedResponseDto, VrtStatusResponseDto } from './dto/vrt.response.dto.js';
import { VrtService } from './vrt.service.js';

/** 422 with every incompatibility at once. */
const ApiIncompatibleSources = (): MethodDecorator =>
  ApiResponse({
    status: 422,
    description: 'Fewer than 2 sources, or sources that cannot form the VRT: every incompatibility is listed',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemSchema) },
        example: {
          type: problemType(ErrorCode.Unprocessable),
          title: 'Unprocessable content',
          status: 422,
          detail: '2 incompatibilities; see errors.',
          errors: [
            {
              source_id: '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
              code: 'crs_mismatch',
              message: 'Dataset 9f1c2d3e-… is in EPSG:4326, the mosaic in EPSG:32633.',
            },
            {
              source_id: '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
              code: 'dtype_mismatch',
              message: 'Dataset 9f1c2d3e-… holds UInt16 pixels, the mosaic Byte.',
            },
          ],
        },
      },
    },
  });

const MUTATION =
  'Membership changes are staged: the VRT keeps serving its current generation until the new one publishes (generation, member list and metadata in one transaction). 409 while the VRT is regenerating or when the change raced another one (a compare-and-set on the VRT version, so of two concurrent changes exactly one is accepted). 503 when the job cannot be queued (nothing changed). 404 for a VRT or source the caller cannot read, checked first.';

@ApiTags('vrt')
@ApiBearerAuth()
@RequireCapabilities(Capability.Upload)
@Controller('ingest/vrt')
export class VrtController {
  constructor(private readonly vrts: VrtService) {}

  @Post('create')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Combine raster datasets into a VRT mosaic or band stack',
    description:
      "At least 2 of the caller's raster datasets, checked for compatibility from their stored metadata before anything is queued (CRS, data type, nodata value, rotation, pixel geometry; mosaics: band count; band stacks: single-band sources on one grid). The job ends with a dataset of kind `vrt` whose raster metadata describes the mosaic; follow it at GET /api/jobs/{job_id}.",
  })
  @ApiAcceptedResponse({ type: VrtAcceptedResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  @ApiIncompatibleSources()
  create(
    @Body() body: CreateVrtRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    return this.vrts.create(body, principal, requestId);
  }

  @Post(':dataset_id/sources')
  @HttpCode(202)
  @ApiOperation({ summary: 'Add a raster source to a VRT (regenerates it)', description: MUTATION })
  @ApiAcceptedResponse({ type: VrtAcceptedResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  @ApiIncompatibleSources()
  addSource(
    @Param('dataset_id', UuidParamPipe) vrtId: string,
    @Body() body: AddVrtSourceRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    return this.vrts.addSource(vrtId, body.source_dataset_id.toLowerCase(), principal, requestId);
  }

  @Delete(':dataset_id/sources/:source_dataset_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Remove a source from a VRT (regenerates it)',
    description: `${MUTATION} 422 when fewer than 2 sources would remain; 404 when the dataset is not a source of the VRT.`,
  })
  @ApiAcceptedResponse({ type: VrtAcceptedResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422, 503)
  removeSource(
    @Param('dataset_id', UuidParamPipe) vrtId: string,
    @Param('source_dataset_id', UuidParamPipe) sourceId: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    return this.vrts.removeSource(vrtId, sourceId, principal, requestId);
  }

  @Post(':dataset_id/regenerate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a VRT from its current sources (a new generation)',
    description:
      'Builds a new generation from the current member list (e.g. after a source was repaired). 409 while the VRT is regenerating; 503 when the job cannot be queued (nothing changed).',
  })
  @ApiAcceptedResponse({ type: VrtAcceptedResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  regenerate(
    @Param('dataset_id', UuidParamPipe) vrtId: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<VrtAcceptedResponseDto> {
    return this.vrts.regenerate(vrtId, principal, requestId);
  }
}

@ApiTags('vrt')
@ApiBearerAuth()
@Controller('datasets')
export class VrtStatusController {
  constructor(private readonly vrts: VrtService) {}

  @Get(':id/vrt/status')
  @ApiOperation({
    summary: "A VRT's state, members and generation history",
    description:
      '`ready`, `regenerating` (a staged change is being built) or `failed` (the latest generation failed; `error` says why and the VRT keeps serving `generation`).',
  })
  @ApiOkResponse({ type: VrtStatusResponseDto })
  @ApiProblemResponses(400, 401, 404)
  status(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VrtStatusResponseDto> {
    return this.vrts.status(id, principal);
  }
}
