import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import type { Request, Response } from 'express';
import { endRefusedUpload } from '../common/refused-upload.js';
import { RequestId } from '../common/request-id.decorator.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import {
  AbortUploadResponseDto,
  CompleteUploadRequestDto,
  PresignedUploadRequestDto,
  PresignedUploadResponseDto,
} from './dto/presigned.dto.js';
import { PreviewQueryDto } from './dto/preview.query.dto.js';
import { PreviewResponseDto } from './dto/preview.response.dto.js';
import { UploadConfigResponseDto } from './dto/upload-config.response.dto.js';
import { UploadResponseDto } from './dto/upload.response.dto.js';
import { IngestConfigService } from './ingest-config.service.js';
import { CommitService } from './commit.service.js';
import { CommitRequestDto, CommitResponseDto, FanOutRequestDto, FanOutResponseDto } from './dto/commit.dto.js';
import { PresignedUploadService } from './presigned.service.js';
import { PreviewService } from './preview.service.js';
import { UploadService } from './upload.service.js';

@ApiTags('ingest')
@ApiBearerAuth()
@RequireCapabilities(Capability.Upload)
@Controller('ingest')
export class IngestController {
  constructor(
    private readonly uploads: UploadService,
    private readonly previews: PreviewService,
    private readonly uploadConfig: IngestConfigService,
    private readonly presigned: PresignedUploadService,
    private readonly commits: CommitService,
  ) {}

  @Get('upload/config')
  @ApiOperation({ summary: 'Upload limits and options for clients' })
  @ApiOkResponse({ type: UploadConfigResponseDto })
  @ApiProblemResponses(401, 403)
  config(): UploadConfigResponseDto {
    return this.uploadConfig.describe();
  }

  @Post('upload')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Upload a file (multipart field `file`); creates a pending job',
    description:
      'The file is streamed to storage as it arrives: 413 the moment it passes the size limit (nothing is kept), 415/422 when the content does not match the extension or an archive fails the pre-flight (entry count, sizes, compression ratio, nested archives). The filename is reduced to a safe basename.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiCreatedResponse({ type: UploadResponseDto })
  @ApiProblemResponses(400, 401, 403, 413, 415, 422)
  async upload(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<UploadResponseDto> {
    try {
      const job = await this.uploads.upload(req, principal, requestId);
      return { job_id: job.id, status: 'pending', message: 'File uploaded and ready for preview.' };
    } catch (error) {
      endRefusedUpload(req, res);
      throw error;
    }
  }

  @Post('upload/presigned')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a direct-to-S3 upload; creates a pending job',
    description:
      'Below the threshold: one presigned PUT URL. At or above it: a multipart upload with `part_size` and one presigned URL per part (PUT each part, keep each response ETag). URLs expire with the upload window. Size and extension are checked up front. 400 when storage is not S3.',
  })
  @ApiCreatedResponse({ type: PresignedUploadResponseDto })
  @ApiProblemResponses(400, 401, 403, 413, 422, 502)
  startPresigned(
    @Body() body: PresignedUploadRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<PresignedUploadResponseDto> {
    return this.presigned.start(body, principal, requestId);
  }

  @Post('upload/presigned/:job_id/complete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Complete a presigned upload',
    description:
      'Assembles the parts (listed 1..n in order; none for a single PUT), checks the object size equals the declared size and its content matches the extension (ranged reads), freezes it (a single-PUT object is copied to a key no URL was issued for; a completed multipart object is already immutable and stays in place), and binds it to the job. Repeating the same call returns the same 200; concurrent calls complete once. 502 on a transient storage failure (retry).',
  })
  @ApiOkResponse({ type: UploadResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 502)
  async completePresigned(
    @Param('job_id', UuidParamPipe) jobId: string,
    @Body() body: CompleteUploadRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UploadResponseDto> {
    const job = await this.presigned.complete(jobId, body, principal);
    return { job_id: job.id, status: 'pending', message: 'File uploaded and ready for preview.' };
  }

  @Post('upload/presigned/:job_id/abort')
  @HttpCode(200)
  @ApiOperation({ summary: 'Abort a presigned upload: discards staged bytes and fails the job' })
  @ApiOkResponse({ type: AbortUploadResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 502)
  async abortPresigned(
    @Param('job_id', UuidParamPipe) jobId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AbortUploadResponseDto> {
    const job = await this.presigned.abort(jobId, principal);
    return { job_id: job.id, status: 'failed', message: 'Upload aborted; staged bytes were deleted.' };
  }

  @Post('preview/:job_id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview a staged file (runs on a worker)',
    description:
      'Vector: layers, columns, CRS, geometry type, feature count, up to 5 sample rows (geometry as WKT), and for CSV/XLSX the detected coordinate or WKT columns. Raster: size, bands, data type, nodata, resolution, compression and COG compliance. Stores the layer list on the job; commit and fan-out validate against it. 409 unless the job is pending; 504 when no worker answers in time.',
  })
  @ApiOkResponse({ type: PreviewResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422, 504)
  preview(
    @Param('job_id', UuidParamPipe) jobId: string,
    @Query() query: PreviewQueryDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<PreviewResponseDto> {
    return this.previews.preview(jobId, principal, query.layer_name, requestId);
  }

  @Post('commit/:job_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Commit a previewed file: ingest it into a dataset (one layer)',
    description:
      "Atomically moves the job `pending → queued` (a repeated or concurrent commit gets 409, never a second dataset) and queues the ingest: vector layers become a PostGIS table, rasters a Cloud-Optimized GeoTIFF. Vector fields apply to vector files and raster fields to rasters (422 otherwise); `layer_name` must be one of the preview's layers (422 listing `unknown_layers` and `available_layers`). A job not yet previewed is previewed first (504 if no worker answers in time). A remote-service job may bring a fresh `token`: it is checked with the service first (403 when the service refuses it, e.g. ArcGIS error 498; 502/504 when the service fails or is too slow), and the job stays pending. Follow progress at GET /api/jobs/{job_id}.",
  })
  @ApiAcceptedResponse({ type: CommitResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422, 502, 504)
  commit(
    @Param('job_id', UuidParamPipe) jobId: string,
    @Body() body: CommitRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<CommitResponseDto> {
    return this.commits.commit(jobId, principal, body, requestId);
  }

  @Post('commit-fan-out/:job_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Commit several layers of a file at once: one child job and dataset per layer',
    description:
      "1 to 50 distinct layers, each in the preview's layer list (422 listing every `unknown_layers` with the `available_layers`; 422 for repeated names or a count outside 1..50). The job is claimed `pending → fanning_out` before any child exists (a concurrent fan-out or commit gets 409); the children are created in one transaction and queued. The job ends `fanned_out` when at least one child was queued, otherwise it returns to `pending`. Results keep request order; follow the children at GET /api/jobs/{fan_out_id}/children. The commit options of a layer commit (`summary`, `srid_override`, `x_column`, `y_column`, `geom_column`) may be given at the top level for every layer and on each layer, where they win for that layer; raster options are refused with 422, as for a vector commit. A child that fails can be retried with corrected options (POST /api/jobs/{id}/retry).",
  })
  @ApiBody({
    type: FanOutRequestDto,
    examples: {
      layers: {
        summary: 'Layers only',
        value: {
          layers: [
            { layer_name: 'roads', title: 'Roads' },
            { layer_name: 'parcels', title: 'Parcels' },
          ],
        },
      },
      options: {
        summary: 'Options for every layer, and one layer overriding them',
        value: {
          srid_override: 4326,
          summary: 'World atlas, 1:10m',
          layers: [
            { layer_name: 'countries', title: 'Countries' },
            { layer_name: 'land', title: 'Land', srid_override: 4326, summary: 'One multipolygon of all land' },
          ],
        },
      },
    },
  })
  @ApiAcceptedResponse({ type: FanOutResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422, 504)
  fanOut(
    @Param('job_id', UuidParamPipe) jobId: string,
    @Body() body: FanOutRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<FanOutResponseDto> {
    return this.commits.fanOut(jobId, principal, body, requestId);
  }
}
