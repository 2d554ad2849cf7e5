import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobStatus } from '@app/jobs';

export class RunProgressDto {
  @ApiProperty({ example: 1200, description: 'Rows in the source; known early (a pre-count), exact at the end.' })
  total!: number;

  @ApiProperty({ example: 800 })
  processed!: number;

  @ApiProperty({ example: 795 })
  successful!: number;

  @ApiProperty({ example: 5 })
  failed!: number;
}

export class RunRowErrorsDto {
  @ApiProperty({ example: 'Validation failed.' })
  message!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { code: ['The code field is required.'] },
  })
  validation?: Record<string, string[]>;
}

export class RunRowDto {
  @ApiProperty({ example: 7, description: '1-based number of the row in the original source (kept by retries).' })
  row_number!: number;

  @ApiProperty({ enum: ['success', 'failed'], example: 'failed' })
  status!: 'success' | 'failed';

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { 'Station Code': '', name: 'Zugspitze', elevation: '2962' },
    description: 'The row as read, under its original headers.',
  })
  data!: Record<string, unknown>;

  @ApiProperty({ type: RunRowErrorsDto, nullable: true })
  errors!: RunRowErrorsDto | null;
}

export class RunSummaryDto {
  @ApiProperty({ example: 790 })
  created!: number;

  @ApiProperty({ example: 3 })
  updated!: number;

  @ApiProperty({ example: 2 })
  skipped!: number;

  @ApiProperty({ example: 5 })
  failed!: number;

  @ApiProperty({ type: Number, nullable: true, example: 5400 })
  duration_ms!: number | null;

  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [] })
  errors!: Record<string, unknown>[];

  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [] })
  warnings!: Record<string, unknown>[];
}

/** An importer run (seed 004's IngestRun resource). A run is a job: the same id works on GET /api/jobs/{id}. */
export class RunDto {
  @ApiProperty({ format: 'uuid', example: '6a0f3c1e-2b4d-4e8f-9a1b-2c3d4e5f6a7b' })
  id!: string;

  @ApiProperty({ example: 'stations', description: 'Importer slug.' })
  importer!: string;

  @ApiProperty({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Queued })
  status!: JobStatus;

  @ApiProperty({ example: 'alice', description: 'Owner of the run.' })
  user_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'stations.csv' })
  original_filename!: string | null;

  @ApiProperty({ example: false })
  dry_run!: boolean;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    example: null,
    description: 'The run this one retries.',
  })
  parent_id!: string | null;

  @ApiProperty({ type: RunProgressDto })
  progress!: RunProgressDto;

  @ApiProperty({ type: RunSummaryDto, nullable: true, description: 'Set when the run has ended.' })
  summary!: RunSummaryDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  started_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  completed_at!: string | null;

  @ApiPropertyOptional({ type: [RunRowDto], description: 'Only on GET /{id}: one page of rows, by row number.' })
  rows?: RunRowDto[];
}

export class RunEnvelopeDto {
  @ApiProperty({ type: RunDto })
  data!: RunDto;
}

export class PaginationLinksDto {
  @ApiProperty({ example: 'https://strata.example/api/v1/ingest?page=1' })
  first!: string;

  @ApiProperty({ example: 'https://strata.example/api/v1/ingest?page=3' })
  last!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  prev!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'https://strata.example/api/v1/ingest?page=2' })
  next!: string | null;
}

export class PageLinkDto {
  @ApiProperty({ type: String, nullable: true, example: 'https://strata.example/api/v1/ingest?page=1' })
  url!: string | null;

  @ApiProperty({ example: '1', description: "A page number, '...', '&laquo; Previous' or 'Next &raquo;'." })
  label!: string;

  @ApiProperty({ example: true })
  active!: boolean;
}

export class PaginationMetaDto {
  @ApiProperty({ example: 1 })
  current_page!: number;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  from!: number | null;

  @ApiProperty({ example: 3 })
  last_page!: number;

  @ApiProperty({ type: [PageLinkDto] })
  links!: PageLinkDto[];

  @ApiProperty({ example: 'https://strata.example/api/v1/ingest' })
  path!: string;

  @ApiProperty({ example: 15 })
  per_page!: number;

  @ApiProperty({ type: Number, nullable: true, example: 15 })
  to!: number | null;

  @ApiProperty({ example: 42 })
  total!: number;
}

export class RunListResponseDto {
  @ApiProperty({ type: [RunDto] })
  data!: RunDto[];

  @ApiProperty({ type: PaginationLinksDto })
  links!: PaginationLinksDto;

  @ApiProperty({ type: PaginationMetaDto })
  meta!: PaginationMetaDto;
}

export class MessageCountDto {
  @ApiProperty({ example: 'code: The code field is required.' })
  message!: string;

  @ApiProperty({ example: 12 })
  count!: number;
}

export class ErrorSummaryDto {
  @ApiProperty({ example: 14 })
  total_failed_rows!: number;

  @ApiProperty({ type: [MessageCountDto], description: 'By message, most frequent first (at most 100).' })
  error_summary!: MessageCountDto[];

  @ApiProperty({ type: [MessageCountDto], description: "By '<field>: <message>', most frequent first (at most 100)." })
  validation_summary!: MessageCountDto[];
}

export class ErrorSummaryEnvelopeDto {
  @ApiProperty({ type: ErrorSummaryDto })
  data!: ErrorSummaryDto;
}

export class CancelRunResponseDto {
  @ApiProperty({ example: 'Cancellation request sent.' })
  message!: string;
}
