import { ApiProperty } from '@nestjs/swagger';

export class UploadConfigResponseDto {
  @ApiProperty({ example: false, description: 'Whether POST /api/ingest/upload/presigned is available (S3 storage).' })
  presigned_uploads!: boolean;

  @ApiProperty({ example: 104857600, description: 'Presigned uploads of at least this size use multipart.' })
  presigned_threshold_bytes!: number;

  @ApiProperty({ example: 10485760, description: 'Default part size of presigned multipart uploads.' })
  part_size_bytes!: number;

  @ApiProperty({ example: 2147483648 })
  max_file_size_bytes!: number;

  @ApiProperty({
    type: [String],
    example: ['.gpkg', '.zip', '.geojson', '.json', '.topojson', '.csv', '.xlsx', '.tif', '.tiff', '.fgb', '.kml'],
  })
  allowed_extensions!: string[];
}
