import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { SERVICE_TYPES, ServiceType } from '../remote-service.js';

/** A bearer token or ArcGIS token: printable, no whitespace (a CR/LF would split a header). */
export const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export class ProbeRequestDto {
  /**
   * The service: a WFS endpoint or GetCapabilities URL, an OGC API landing page, or an ArcGIS
   * FeatureServer/MapServer (or one of its layers). No credentials in it: use `token`.
   * @example "https://example.com/geoserver/ows?service=WFS"
   */
  @Length(1, 2048)
  @IsString()
  url!: string;

  /**
   * Sent as `Authorization: Bearer …` (ArcGIS: `X-Esri-Authorization`); never stored.
   * @example "eyJhbGciOi..."
   */
  @IsOptional()
  @Length(1, 1000)
  @Matches(TOKEN_PATTERN, { message: 'token must be printable characters without whitespace' })
  @IsString()
  token?: string;
}

export class ProbedLayerDto {
  @ApiProperty({ example: 'ms:parcels', description: 'What preview takes as `layer_name`.' })
  name!: string;

  @ApiProperty({ example: 'Parcels' })
  title!: string;

  @ApiPropertyOptional({ example: '0', description: 'ArcGIS layer or table id (preview `layer_id`).' })
  id?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'MultiPolygon' })
  geometry_type?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 1234 })
  feature_count?: number | null;
}

export class ProbeResponseDto {
  @ApiProperty({ enum: SERVICE_TYPES, example: ServiceType.Wfs200 })
  service_type!: ServiceType;

  @ApiProperty({ example: 'https://example.com/geoserver/ows', description: 'The service URL, normalised.' })
  url!: string;

  @ApiProperty({ type: [ProbedLayerDto] })
  layers!: ProbedLayerDto[];
}
