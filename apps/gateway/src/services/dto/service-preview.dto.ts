import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PreviewColumnDto } from '../../ingest/dto/preview.response.dto.js';
import { SERVICE_TYPES, ServiceType } from '../remote-service.js';
import { TOKEN_PATTERN } from './probe.dto.js';

/** Seed 001's service preview request. */
export class ServicePreviewRequestDto {
  /** @example "https://example.com/arcgis/rest/services/Roads/FeatureServer" */
  @Length(1, 2048)
  @IsString()
  url!: string;

  @ApiProperty({ enum: SERVICE_TYPES, example: ServiceType.ArcGisFeatureServer })
  @IsIn(SERVICE_TYPES)
  service_type!: ServiceType;

  /** @example "roads" */
  @Length(1, 500)
  @IsString()
  layer_name!: string;

  /** @example "Roads" */
  @IsOptional()
  @Length(1, 500)
  @IsString()
  layer_title?: string;

  /**
   * ArcGIS layer or table id (required for ArcGIS services).
   * @example "0"
   */
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'layer_id must be a layer number' })
  @IsString()
  layer_id?: string;

  /**
   * Never stored: kept for this job only (in Redis, with an expiry) and given to the worker's requests.
   * @example "eyJhbGciOi..."
   */
  @IsOptional()
  @Length(1, 1000)
  @Matches(TOKEN_PATTERN, { message: 'token must be printable characters without whitespace' })
  @IsString()
  token?: string;

  /**
   * ArcGIS object-id field, the order pages are read in (default: the layer's own).
   * @example "OBJECTID"
   */
  @IsOptional()
  @Length(1, 200)
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'object_id_field must be a field name' })
  @IsString()
  object_id_field?: string;
}

/** Seed 001's preview answer, exactly. */
export class ServicePreviewResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Roads' })
  source_filename!: string | null;

  @ApiProperty({ type: [PreviewColumnDto] })
  columns!: PreviewColumnDto[];

  @ApiProperty({ type: Number, nullable: true, example: 3857 })
  crs!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'Point' })
  geometry_type!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 1234 })
  feature_count!: number | null;

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    example: [{ OBJECTID: 1, label: 'site 1', geometry: 'POINT (1 2)' }],
  })
  sample_rows!: Record<string, unknown>[];

  @ApiProperty({ example: 'roads' })
  layer_name!: string;
}
