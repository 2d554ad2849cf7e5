import { ApiProperty } from '@nestjs/swagger';

export class UploadResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ example: 'pending', enum: ['pending'] })
  status!: 'pending';

  @ApiProperty({ example: 'File uploaded and ready for preview.' })
  message!: string;
}
