import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PreviewLayerDto {
  @ApiProperty({ example: 'parcels' })
  name!: string;

  @ApiProperty({ type: Number, nullable: true, example: 2000 })
  feature_count!: number | null;

  @ApiProperty({ example: 4 })
  field_count!: number;

  @ApiProperty({ type: String, nullable: true, example: 'MultiPolygon' })
  geometry_type!: string | null;
}

export class PreviewColumnDto {
  @ApiProperty({ example: 'name' })
  name!: string;

  @ApiProperty({ example: 'string', description: 'GDAL field type: string, integer, integer64, real, date, datetime…' })
  type!: string;
}

export class DetectedGeometryColumnsDto {
  @ApiProperty({ type: String, nullable: true, example: 'lon' })
  x_column!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'lat' })
  y_column!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  wkt_column!: string | null;
}

/**
 * A preview: vector fields are present for vector sources, raster fields for rasters (`kind` says which).
 */
export class PreviewResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'parcels.gpkg' })
  source_filename!: string | null;

  @ApiProperty({ enum: ['vector', 'raster'], example: 'vector' })
  kind!: 'vector' | 'raster';

  @ApiProperty({ type: Number, nullable: true, example: 4326, description: 'EPSG code, or null when unknown' })
  crs!: number | null;

  @ApiPropertyOptional({ example: 'parcels' })
  layer_name?: string;

  @ApiPropertyOptional({ type: [PreviewLayerDto] })
  layers?: PreviewLayerDto[];

  @ApiPropertyOptional({ type: [PreviewColumnDto] })
  columns?: PreviewColumnDto[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'MultiPolygon' })
  geometry_type?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 2000 })
  feature_count?: number | null;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [{ name: 'A-17', area: 532.5, geometry: 'MULTIPOLYGON (((500000 5000000, …)))' }],
    description: 'Up to 5 rows; geometry as WKT.',
  })
  sample_rows?: Record<string, unknown>[];

  @ApiPropertyOptional({ type: DetectedGeometryColumnsDto, nullable: true, example: null })
  detected_geometry_columns?: DetectedGeometryColumnsDto | null;

  @ApiPropertyOptional({ example: 8000 })
  width?: number;

  @ApiPropertyOptional({ example: 8000 })
  height?: number;

  @ApiPropertyOptional({ example: 1 })
  band_count?: number;

  @ApiPropertyOptional({ example: 'UInt16' })
  dtype?: string;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 0 })
  nodata?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 10 })
  res_x?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: -10 })
  res_y?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'DEFLATE' })
  compression?: string | null;

  @ApiPropertyOptional({ example: false })
  is_cog?: boolean;

  @ApiPropertyOptional({ type: [String], example: ['not tiled (stored in strips)', 'no overviews'] })
  cog_issues?: string[];
}
