import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

export class PresignedUploadRequestDto {
  /**
   * Original file name; only a safe basename is kept, and its extension must be allowed.
   * @example "parcels.gpkg"
   */
  @Length(1, 255)
  @IsString()
  filename!: string;

  /**
   * Exact size in bytes; completion fails unless the uploaded object has exactly this size.
   * @example 734003200
   */
  @Min(1)
  @IsInt()
  file_size!: number;

  /**
   * Informational; the content is checked from its bytes at completion.
   * @example "application/geopackage+sqlite3"
   */
  @IsOptional()
  @Length(1, 255)
  @IsString()
  content_type?: string;
}

export class PresignedUploadResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({
    type: [String],
    example: ['https://s3.example.com/strata/staging/0b6f…/incoming/parcels.gpkg?X-Amz-Algorithm=AWS4-HMAC-SHA256&…'],
    description: 'One PUT URL, or one per part (part 1 first) for a multipart upload.',
  })
  urls!: string[];

  @ApiProperty({ example: 'staging/0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e/incoming/parcels.gpkg' })
  s3_key!: string;

  @ApiPropertyOptional({ example: 'MmU4ZjY…', description: 'Present for multipart uploads.' })
  upload_id?: string;

  @ApiPropertyOptional({
    example: 10485760,
    description: 'Bytes per part (the last part may be smaller); multipart only.',
  })
  part_size?: number;

  @ApiProperty({
    format: 'date-time',
    example: '2026-11-22T09:00:00.000Z',
    description: 'When the URLs expire and the upload window closes.',
  })
  expires_at!: string;
}

export class UploadedPartDto {
  /**
   * The ETag response header S3 returned for the part's PUT (quotes included or not).
   * @example "\"9b2cf535f27731c974343645a3985328\""
   */
  @Length(1, 128)
  @IsString()
  etag!: string;

  /**
   * 1-based part number.
   * @example 1
   */
  @Max(10000)
  @Min(1)
  @IsInt()
  part_number!: number;
}

export class CompleteUploadRequestDto {
  /** Every part, in order (1, 2, 3…); empty for a single-PUT upload. */
  @IsArray()
  @ArrayMaxSize(10000)
  @ValidateNested({ each: true })
  @Type(() => UploadedPartDto)
  parts: UploadedPartDto[] = [];
}

export class AbortUploadResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ example: 'failed', enum: ['failed'] })
  status!: 'failed';

  @ApiProperty({ example: 'Upload aborted; staged bytes were deleted.' })
  message!: string;
}
