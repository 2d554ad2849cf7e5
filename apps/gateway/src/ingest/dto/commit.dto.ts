import { ApiProperty, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { COG_COMPRESSIONS, COG_RESAMPLINGS, type CogCompressionName, type CogResamplingName } from '@app/jobs';

/**
 * One body for both kinds of file: vector fields (`layer_name`, `x_column`…) apply to vector files, raster
 * fields (`compression`, `strict_cog`…) to rasters; which one the file is comes from its preview, and a
 * field of the other kind is refused with 422.
 */
export class CommitRequestDto {
  /**
   * Dataset title.
   * @example "Parcels 2026"
   */
  @Length(1, 255)
  @IsString()
  title!: string;

  /**
   * Free-text description.
   * @example "Cadastral parcels as delivered by the land registry."
   */
  @IsOptional()
  @Length(1, 4000)
  @IsString()
  summary?: string;

  /**
   * Vector: the layer to ingest (one of the preview's `layers`); default: the first layer.
   * @example "parcels"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  layer_name?: string;

  /**
   * EPSG code that replaces (relabels, never reprojects) the file's CRS; required for files without one.
   * @example 25832
   */
  @IsOptional()
  @Max(999999)
  @Min(1)
  @IsInt()
  srid_override?: number;

  /**
   * Vector (CSV/XLSX): column holding x/longitude; needs `y_column`. Default: detected from the column names.
   * @example "lon"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  x_column?: string;

  /**
   * Vector (CSV/XLSX): column holding y/latitude; needs `x_column`.
   * @example "lat"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  y_column?: string;

  /**
   * Vector (CSV/XLSX): column holding WKT geometries.
   * @example "wkt"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  geom_column?: string;

  /** Raster: lossless COG compression (with a predictor). Default DEFLATE. */
  @ApiProperty({ required: false, enum: COG_COMPRESSIONS, example: 'DEFLATE' })
  @IsOptional()
  @IsIn(COG_COMPRESSIONS)
  compression?: CogCompressionName;

  /** Raster: resampling for overviews. Default: average for continuous data, nearest for classes. */
  @ApiProperty({ required: false, enum: COG_RESAMPLINGS, example: 'average' })
  @IsOptional()
  @IsIn(COG_RESAMPLINGS)
  resampling?: CogResamplingName;

  /**
   * Raster: nodata value to record (replaces the file's).
   * @example -9999
   */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  nodata_override?: number;

  /**
   * Raster: refuse a file that is not already a valid COG instead of converting it.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  strict_cog?: boolean;

  /**
   * Remote-service jobs only: a (fresh) service token for the ingest, replacing the one given at preview.
   * Checked with the service before the commit (403 when refused); kept only in a short-lived, encrypted
   * hand-off for the worker, never stored with the job.
   * @example "eyJhbGciOi..."
   */
  @IsOptional()
  @Length(1, 1000)
  @Matches(/^[\x21-\x7e]+$/, { message: 'token must be printable characters without whitespace' })
  @IsString()
  token?: string;
}

export class CommitResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ enum: ['queued'], example: 'queued' })
  status!: 'queued';

  @ApiProperty({ example: 'Ingest queued; follow it at GET /api/jobs/0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e.' })
  message!: string;
}

/**
 * The options of a commit without the ones that name what to ingest (`title`, `layer_name`): what a
 * fan-out gives once for all layers or per layer. Which fields apply depends on the file, as for a commit.
 */
export class CommitOptionsDto extends OmitType(CommitRequestDto, ['title', 'layer_name'] as const) {}

/**
 * A layer of a fan-out: its name, its title, and any commit option, which wins over the same option at
 * the top level of the request.
 */
export class FanOutLayerDto extends CommitOptionsDto {
  /**
   * A layer from the preview's `layers`.
   * @example "roads"
   */
  @Length(1, 255)
  @IsString()
  layer_name!: string;

  /**
   * Dataset title; default "<file name>: <layer>".
   * @example "Roads"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  title?: string;
}

/**
 * Seed 000's body (`{layers:[{layer_name, title?}]}`) plus the commit options of a layer commit: given
 * at the top level they apply to every layer; given on a layer they win for that layer.
 */
export class FanOutRequestDto extends CommitOptionsDto {
  /** 1 to 50 distinct layers (422 otherwise); each becomes its own job and dataset. */
  @ApiProperty({
    type: [FanOutLayerDto],
    minItems: 1,
    maxItems: 50,
    example: [
      { layer_name: 'roads', title: 'Roads' },
      { layer_name: 'parcels', title: 'Parcels' },
    ],
  })
  // The count is checked by the service (422, as for unknown or repeated layers), not here (400).
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => FanOutLayerDto)
  @IsArray()
  layers!: FanOutLayerDto[];
}

export class FanOutResultDto {
  @ApiProperty({ example: 'roads' })
  layer_name!: string;

  @ApiProperty({ enum: ['queued', 'failed'], example: 'queued' })
  status!: 'queued' | 'failed';

  @ApiProperty({ format: 'uuid', nullable: true, type: String, example: '5d1c2b7e-8a44-4f0e-b0a4-2f1f0c6d9e11' })
  new_job_id!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'Always null here; see the child job.' })
  dataset_id!: null;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'User-safe reason when `failed`.' })
  error!: string | null;
}

export class FanOutResponseDto {
  @ApiProperty({
    format: 'uuid',
    example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e',
    description: 'The fanned-out job; its children are at GET /api/jobs/{fan_out_id}/children.',
  })
  fan_out_id!: string;

  @ApiProperty({ type: [FanOutResultDto], description: 'One entry per requested layer, in request order.' })
  results!: FanOutResultDto[];
}

/**
 * Optional body of a retry: commit options for the new attempt. A field given replaces the stored one
 * (null clears it back to its default); fields not given keep what the commit asked for. Validated like a
 * commit: a field of the other kind of file is refused with 422.
 */
export class RetryRequestDto extends PartialType(OmitType(CommitRequestDto, ['layer_name'] as const)) {}
