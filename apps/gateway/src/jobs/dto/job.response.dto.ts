import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobStatus } from '@app/jobs';

export class JobWarningDto {
  @ApiProperty({ example: 'column-renamed' })
  code!: string;

  @ApiProperty({ example: "Column 'select' was renamed to 'select_'." })
  message!: string;
}

export class JobErrorDto {
  @ApiProperty({ example: 'no-crs' })
  code!: string;

  @ApiProperty({ example: 'The layer has geometry but no coordinate reference system; pass srid_override.' })
  message!: string;
}

/** A job as clients see it (DESIGN.md §1.6). */
export class JobResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  id!: string;

  @ApiProperty({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Processing })
  status!: JobStatus;

  @ApiProperty({ type: String, nullable: true, example: 'loading', description: 'What the job is doing now.' })
  step!: string | null;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0.42 })
  progress!: number;

  @ApiProperty({ example: 42000 })
  rows_processed!: number;

  @ApiProperty({ example: 0 })
  rows_failed!: number;

  @ApiProperty({ type: Number, nullable: true, example: 100000 })
  rows_total!: number | null;

  @ApiProperty({ type: [JobWarningDto] })
  warnings!: JobWarningDto[];

  @ApiProperty({ type: JobErrorDto, nullable: true })
  error!: JobErrorDto | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: null })
  dataset_id!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: null })
  parent_id!: string | null;

  @ApiProperty({
    example: 1,
    description: 'How many times a worker has started this job (retries and crash recovery included).',
  })
  attempts!: number;

  @ApiProperty({ example: 'dataset', description: 'Importer slug; file → dataset jobs use `dataset`.' })
  importer!: string;

  @ApiProperty({ example: false })
  dry_run!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'parcels.gpkg' })
  source_filename!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'parcels' })
  layer_name!: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: null,
    description: 'Kind-specific outcome of a finished job.',
  })
  result!: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T08:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T08:00:01.000Z' })
  started_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  completed_at!: string | null;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 50 })
  per_page!: number;

  @ApiProperty({ example: 3 })
  total!: number;
}

export class JobListResponseDto {
  @ApiProperty({ type: [JobResponseDto] })
  data!: JobResponseDto[];

  @ApiProperty({ type: PageMetaDto })
  meta!: PageMetaDto;
}
