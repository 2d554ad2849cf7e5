import { ApiProperty } from '@nestjs/swagger';
import { DatasetKind } from '@app/jobs';
import { PageMetaDto } from '../../jobs/dto/job.response.dto.js';

export class DatasetColumnDto {
  @ApiProperty({ example: 'name' })
  name!: string;

  @ApiProperty({ example: 'character varying' })
  type!: string;
}

export class RasterInfoDto {
  @ApiProperty({ example: 8000 })
  width!: number;

  @ApiProperty({ example: 8000 })
  height!: number;

  @ApiProperty({ example: 1 })
  band_count!: number;

  @ApiProperty({ example: 'UInt16' })
  dtype!: string;

  @ApiProperty({ type: Number, nullable: true, example: 0 })
  nodata!: number | null;

  @ApiProperty({ example: 10 })
  res_x!: number;

  @ApiProperty({ example: -10 })
  res_y!: number;

  @ApiProperty({
    type: [Number],
    required: false,
    example: [300000, 10, 0, 5800000, 0, -10],
    description: 'GDAL geotransform: origin x, pixel width, row rotation, origin y, column rotation, pixel height',
  })
  geo_transform?: number[];
}

/** A catalogue entry (DESIGN.md §1.6). */
export class DatasetResponseDto {
  @ApiProperty({ format: 'uuid', example: '5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d' })
  id!: string;

  @ApiProperty({ enum: DatasetKind, enumName: 'DatasetKind', example: DatasetKind.Vector })
  kind!: DatasetKind;

  @ApiProperty({ example: 'Parcels 2026' })
  title!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Cadastral parcels, spring release.' })
  summary!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'data.parcels_2026_5d0b7c2e' })
  table_name!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  storage_key!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 4326, description: 'EPSG code' })
  crs!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'MultiPolygon' })
  geometry_type!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 2000 })
  feature_count!: number | null;

  @ApiProperty({
    type: [Number],
    nullable: true,
    example: [15.0, 45.0, 15.5, 45.2],
    description: '[minx, miny, maxx, maxy] in WGS84',
  })
  extent!: number[] | null;

  @ApiProperty({ type: [DatasetColumnDto] })
  columns!: DatasetColumnDto[];

  @ApiProperty({ type: RasterInfoDto, nullable: true, example: null })
  raster!: RasterInfoDto | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  source_job_id!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T08:00:05.000Z' })
  created_at!: string;
}

export class DatasetListResponseDto {
  @ApiProperty({ type: [DatasetResponseDto] })
  data!: DatasetResponseDto[];

  @ApiProperty({ type: PageMetaDto })
  meta!: PageMetaDto;
}

export class DatasetDeletedResponseDto {
  @ApiProperty({ format: 'uuid', example: '5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d' })
  id!: string;

  @ApiProperty({ enum: ['deleted'], example: 'deleted' })
  status!: 'deleted';
}
