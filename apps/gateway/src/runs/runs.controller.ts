import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblemResponses, RequireCapabilities } from '@app/openapi';
import { Capability, CurrentPrincipal, type Principal } from '@app/security';
import type { Request, Response } from 'express';
import { endRefusedUpload } from '../common/refused-upload.js';
import { RequestId } from '../common/request-id.decorator.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { ListRunsQueryDto, RetryRunRequestDto, ShowRunQueryDto, TriggerRunRequestDto } from './dto/run.request.dto.js';
import {
  CancelRunResponseDto,
  ErrorSummaryEnvelopeDto,
  RunEnvelopeDto,
  RunListResponseDto,
} from './dto/run.response.dto.js';
import { paginate } from './pagination.js';
import { toRun } from './run.mapper.js';
import { RunsService } from './runs.service.js';

const SLUG_PARAM = 'slug';

/**
 * Seed 004's ingest-runs API. The path comes from INGEST_API_PREFIX (RunsApiModule sets it); every route
 * needs a token, writes need the `upload` capability, and runs are visible to their owner only.
 */
@ApiTags('ingest runs')
@ApiBearerAuth()
@Controller()
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get()
  @ApiOperation({
    summary: 'List your importer runs, newest first',
    description: 'Seed 004 pagination: `{data, links:{first,last,prev,next}, meta}`; filters `importer` and `status`.',
  })
  @ApiOkResponse({ type: RunListResponseDto })
  @ApiProblemResponses(400, 401)
  async list(
    @Query() query: ListRunsQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<RunListResponseDto> {
    const { runs, total } = await this.runs.list(principal.owner, {
      importer: query.importer,
      status: query.status,
      page: query.page,
      perPage: query.per_page,
    });
    return paginate(
      runs.map((run) => toRun(run)),
      {
        page: query.page,
        perPage: query.per_page,
        total,
        count: runs.length,
        path: listPath(req),
        query: { importer: query.importer, status: query.status, per_page: query.per_page },
      },
    );
  }

  @Post('upload/:slug')
  @HttpCode(202)
  @RequireCapabilities(Capability.Upload)
  @ApiOperation({
    summary: 'Start a run of an upload importer with a file',
    description:
      "Multipart `file` (streamed to storage, size-capped while streaming at the importer's `max_size_bytes` and the global limit: 413), its type one of the importer's formats and its content matching the extension (415), archives pre-flighted; `dry_run` as `1|true|0|false`. Answers with the run already `queued`. 404 unknown importer; 422 when the importer does not take uploads.",
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        dry_run: { type: 'string', enum: ['1', 'true', '0', 'false'] },
      },
    },
  })
  @ApiAcceptedResponse({ type: RunEnvelopeDto })
  @ApiProblemResponses(400, 401, 403, 404, 413, 415, 422)
  async upload(
    @Param(SLUG_PARAM) slug: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<RunEnvelopeDto> {
    try {
      return { data: toRun(await this.runs.upload(slug, req, principal, requestId)) };
    } catch (error) {
      endRefusedUpload(req, res);
      throw error;
    }
  }

  @Post('trigger/:slug')
  @HttpCode(202)
  @RequireCapabilities(Capability.Upload)
  @ApiOperation({
    summary: 'Start a run of an importer that reads a URL, a stored object or a remote service',
    description:
      "Optional body: `dry_run`, and `source` with only the keys the importer lists in `overridable` (422 otherwise). A replaced URL goes through the SSRF guard (422 `ssrf-refused`); a replaced storage key must stay in the directory of the importer's key. 404 unknown importer; 422 for an upload importer.",
  })
  @ApiBody({
    type: TriggerRunRequestDto,
    required: false,
    examples: {
      plain: { summary: 'Run as defined', value: {} },
      url: {
        summary: 'Another file of the same feed, as a dry run',
        value: { dry_run: true, source: { url: 'https://data.example.org/stations-2026-12.csv' } },
      },
    },
  })
  @ApiAcceptedResponse({ type: RunEnvelopeDto })
  @ApiProblemResponses(400, 401, 403, 404, 413, 422)
  async trigger(
    @Param(SLUG_PARAM) slug: string,
    @Body() body: TriggerRunRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<RunEnvelopeDto> {
    return { data: toRun(await this.runs.trigger(slug, body, principal, requestId)) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a run with one page of its rows',
    description: 'Rows by row number, paged with `rows_page` and `rows_per_page` (≤ 500), filtered by `rows_status`.',
  })
  @ApiOkResponse({ type: RunEnvelopeDto })
  @ApiProblemResponses(400, 401, 404)
  async show(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: ShowRunQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RunEnvelopeDto> {
    const { run, rows } = await this.runs.show(id, principal.owner, {
      page: query.rows_page,
      perPage: query.rows_per_page,
      status: query.rows_status,
    });
    return { data: toRun(run, rows) };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireCapabilities(Capability.Upload)
  @ApiOperation({
    summary: 'Cancel a run',
    description:
      'A run no worker has started ends `cancelled` at once; a running one stops between chunks and ends `cancelled`. 409 when the run has already ended.',
  })
  @ApiOkResponse({ type: CancelRunResponseDto })
  @ApiProblemResponses(400, 401, 403, 404, 409)
  async cancel(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CancelRunResponseDto> {
    await this.runs.cancel(id, principal.owner);
    return { message: 'Cancellation request sent.' };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireCapabilities(Capability.Upload)
  @ApiOperation({
    summary: 'Retry the failed rows of a run in a new run',
    description:
      'The new run (`parent_id` = this run) reads only the failed rows, keeping their row numbers. 400 when the run has no failed rows; 409 when it has not ended or another retry of it is still active (of two concurrent retries, one wins).',
  })
  @ApiBody({
    type: RetryRunRequestDto,
    required: false,
    examples: { real: { value: {} }, dry: { value: { dry_run: true } } },
  })
  @ApiAcceptedResponse({ type: RunEnvelopeDto })
  @ApiProblemResponses(400, 401, 403, 404, 409)
  async retry(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: RetryRunRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string | null,
  ): Promise<RunEnvelopeDto> {
    const run = await this.runs.retry(id, { owner: principal.owner, requestId }, body.dry_run ?? false);
    return { data: toRun(run) };
  }

  @Get(':id/errors/summary')
  @ApiOperation({
    summary: "Counts of a run's failures by message and by field",
    description: 'Both lists most frequent first, aggregated in the database.',
  })
  @ApiOkResponse({ type: ErrorSummaryEnvelopeDto })
  @ApiProblemResponses(400, 401, 404)
  async summary(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ErrorSummaryEnvelopeDto> {
    return { data: await this.runs.errorSummary(id, principal.owner) };
  }

  @Get(':id/failed-rows/download')
  @ApiOperation({
    summary: 'Download the failed rows as CSV',
    description:
      "Streamed: the original headers (first-seen order), then `_error_message` and `_row_number`. Cells a spreadsheet would read as a formula get a leading `'`. Fix the rows and upload the file to the same importer again (the two extra columns are ignored). 404 when no row failed.",
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV file', schema: { type: 'string' } })
  @ApiProblemResponses(400, 401, 404)
  async download(
    @Param('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const csv = await this.runs.failedRowsCsv(id, principal.owner);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=UTF-8');
    res.setHeader('Content-Disposition', `attachment; filename="${csv.filename}"`);
    // A client that goes away ends the pipeline, which closes the generator and with it the cursor.
    await pipeline(Readable.from(csv.lines), res).catch(() => undefined);
  }
}

/** The list's absolute URL without its query, as seed 004's `meta.path` and page links carry it. */
function listPath(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl.split('?')[0] ?? ''}`.replace(/\/$/, '');
}
