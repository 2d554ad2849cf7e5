import { ApiProperty } from '@nestjs/swagger';
import {
  DUPLICATE_STRATEGIES,
  FIELD_TYPES,
  OVERRIDABLE_SOURCE_KEYS,
  SOURCE_FORMATS,
  SOURCE_TYPES,
  TRANSACTION_MODES,
} from '@app/importers';

export class ImporterServiceSourceDto {
  @ApiProperty({ example: 'https://maps.example.org/wfs' })
  url!: string;

  @ApiProperty({ enum: ['wfs', 'arcgis', 'oapif'], example: 'wfs' })
  service_type!: string;

  @ApiProperty({ example: 'stations' })
  layer_name!: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'ArcGIS: the layer id.' })
  layer_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2.0.0', description: 'WFS: the protocol version.' })
  version!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'The field pages are ordered by.' })
  object_id_field!: string | null;
}

export class ImporterSourceDto {
  @ApiProperty({ enum: SOURCE_TYPES, example: 'upload' })
  type!: string;

  @ApiProperty({ enum: SOURCE_FORMATS, isArray: true, example: ['csv', 'xlsx'] })
  formats!: string[];

  @ApiProperty({
    enum: OVERRIDABLE_SOURCE_KEYS,
    isArray: true,
    example: [],
    description: 'Source keys a trigger body may replace.',
  })
  overridable!: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Type `url`: the file fetched (without credentials).',
  })
  url!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Type `storage`: the object key read.' })
  key!: string | null;

  @ApiProperty({ type: ImporterServiceSourceDto, nullable: true, example: null })
  service!: ImporterServiceSourceDto | null;

  @ApiProperty({ example: 104857600 })
  max_size_bytes!: number;
}

export class ImporterReadDto {
  @ApiProperty({ type: String, nullable: true, example: null, description: 'csv: null = detected.' })
  delimiter!: string | null;

  @ApiProperty({ example: 'utf-8' })
  encoding!: string;

  @ApiProperty({ example: 1 })
  header_row!: number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true, example: null })
  sheet!: string | number | null;

  @ApiProperty({ example: '' })
  pointer!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  layer!: string | null;
}

export class ImporterTargetDto {
  @ApiProperty({ example: 'public.stations' })
  table!: string;

  @ApiProperty({ type: [String], example: ['code'] })
  key!: string[];

  @ApiProperty({ example: true, description: 'Created from the fields when missing.' })
  create!: boolean;
}

export class ImporterDuplicatesDto {
  @ApiProperty({ enum: DUPLICATE_STRATEGIES, example: 'upsert' })
  strategy!: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'update_if_newer: the field compared.' })
  compare!: string | null;
}

export class ImporterStepDto {
  @ApiProperty({ example: 'max_length' })
  name!: string;

  @ApiProperty({ nullable: true, example: 12, description: 'The argument as written in the file; null for none.' })
  arg!: unknown;
}

export class ImporterFieldDto {
  @ApiProperty({ example: 'code', description: 'Target column.' })
  column!: string;

  @ApiProperty({ type: [String], example: ['code', 'Station ID'], description: 'Source headers tried in order.' })
  from!: string[];

  @ApiProperty({ enum: FIELD_TYPES, example: 'text' })
  type!: string;

  @ApiProperty({
    type: [ImporterStepDto],
    example: [
      { name: 'trim', arg: null },
      { name: 'upper', arg: null },
    ],
  })
  transforms!: ImporterStepDto[];

  @ApiProperty({
    type: [ImporterStepDto],
    example: [
      { name: 'required', arg: null },
      { name: 'max_length', arg: 12 },
    ],
  })
  rules!: ImporterStepDto[];
}

export class ImporterGeometryFromDto {
  @ApiProperty({ enum: ['xy', 'wkt', 'source'], example: 'xy' })
  kind!: string;

  @ApiProperty({ required: false, example: 'lon' })
  x?: string;

  @ApiProperty({ required: false, example: 'lat' })
  y?: string;

  @ApiProperty({ required: false, example: 'wkt', description: 'kind wkt: the header holding WKT.' })
  wkt?: string;
}

export class ImporterGeometryDto {
  @ApiProperty({ example: 'geom' })
  column!: string;

  @ApiProperty({ example: 4326 })
  srid!: number;

  @ApiProperty({ type: ImporterGeometryFromDto })
  from!: ImporterGeometryFromDto;
}

export class ImporterErrorLimitsDto {
  @ApiProperty({ type: Number, nullable: true, example: 1000 })
  max_failed_rows!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 0.5 })
  max_failed_ratio!: number | null;
}

export class ImporterRowsDto {
  @ApiProperty({ example: false, description: 'Failed rows are always kept.' })
  keep_successful!: boolean;
}

/** An importer definition as clients see it (DESIGN §4). */
export class ImporterResponseDto {
  @ApiProperty({ example: 'stations' })
  slug!: string;

  @ApiProperty({ example: 'Weather stations' })
  title!: string;

  @ApiProperty({ type: ImporterSourceDto })
  source!: ImporterSourceDto;

  @ApiProperty({ type: ImporterReadDto })
  read!: ImporterReadDto;

  @ApiProperty({ type: ImporterTargetDto })
  target!: ImporterTargetDto;

  @ApiProperty({ type: ImporterDuplicatesDto })
  duplicates!: ImporterDuplicatesDto;

  @ApiProperty({ type: [ImporterFieldDto] })
  fields!: ImporterFieldDto[];

  @ApiProperty({ type: ImporterGeometryDto, nullable: true })
  geometry!: ImporterGeometryDto | null;

  @ApiProperty({ example: 5000 })
  chunk_size!: number;

  @ApiProperty({ type: ImporterErrorLimitsDto })
  errors!: ImporterErrorLimitsDto;

  @ApiProperty({ type: ImporterRowsDto })
  rows!: ImporterRowsDto;

  @ApiProperty({ enum: TRANSACTION_MODES, example: 'chunk' })
  transaction!: string;
}

export class ImporterEnvelopeDto {
  @ApiProperty({ type: ImporterResponseDto })
  data!: ImporterResponseDto;
}

export class ImporterListResponseDto {
  @ApiProperty({ type: [ImporterResponseDto] })
  data!: ImporterResponseDto[];
}
