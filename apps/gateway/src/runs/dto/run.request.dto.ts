import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { JobStatus } from '@app/jobs';
import { parseDryRun } from '../dry-run.js';

/** `1|true|0|false` (and JSON booleans) become a boolean; anything else is left for IsBoolean to refuse. */
const toDryRun = ({ value }: { value: unknown }): unknown => parseDryRun(value) ?? value;

export class ListRunsQueryDto {
  @ApiPropertyOptional({ example: 'stations', description: 'Only runs of this importer.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  importer?: string;

  @ApiPropertyOptional({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Failed })
  @IsOptional()
  @IsEnum(JobStatus)
  status?: JobStatus;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @IsInt()
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 15 })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  per_page: number = 15;
}

export class ShowRunQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @IsInt()
  rows_page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @Max(500)
  @Min(1)
  @IsInt()
  rows_per_page: number = 100;

  @ApiPropertyOptional({
    enum: ['failed', 'success'],
    description: 'Only failed rows, or only rows that did not fail.',
  })
  @IsOptional()
  @IsIn(['failed', 'success'])
  rows_status?: 'failed' | 'success';
}

export class TriggerRunRequestDto {
  @ApiPropertyOptional({ example: false, description: 'Run the whole pipeline and roll the writes back.' })
  @IsOptional()
  @Transform(toDryRun)
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    properties: {
      url: { type: 'string', format: 'uri' },
      key: { type: 'string' },
      service: {
        type: 'object',
        properties: {
          url: { type: 'string', format: 'uri' },
          layer_name: { type: 'string' },
          layer_id: { type: 'string' },
        },
      },
      token: { type: 'string', description: 'Service importers: a token for the service, for this run only.' },
    },
    example: { url: 'https://data.example.org/stations-2026-12.csv' },
    description:
      'Replaces source keys the importer lists in `overridable` (422 for any other key): `url`, `key`, or ' +
      '`service: {url, layer_name, layer_id}` (listed as `service.<key>`). A service importer also takes ' +
      '`token`, handed to the worker once and never stored with the run.',
  })
  @IsOptional()
  @IsObject()
  source?: Record<string, unknown>;
}

export class RetryRunRequestDto {
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @Transform(toDryRun)
  @IsBoolean()
  dry_run?: boolean;
}
