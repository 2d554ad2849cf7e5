import { ApiProperty } from '@nestjs/swagger';
import { VrtGenerationStatus } from '@app/jobs';

export class VrtAcceptedResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string;

  @ApiProperty({ enum: ['accepted'], example: 'accepted' })
  status!: 'accepted';

  @ApiProperty({ example: 'Source add queued; the VRT is regenerating. Follow it at GET /api/jobs/0b6f0a53-….' })
  message!: string;
}

export class VrtSourceDto {
  @ApiProperty({ format: 'uuid', example: '5d0b7c2e-9a51-4b8e-8f7e-0c9d6a1b2c3d' })
  dataset_id!: string;

  @ApiProperty({ example: 0 })
  position!: number;
}

export class VrtProblemDto {
  @ApiProperty({ example: 'unreadable' })
  code!: string;

  @ApiProperty({ example: 'Source dataset 9f1c2d3e-… could not be read from storage; it may have been removed.' })
  message!: string;
}

export class VrtGenerationDto {
  @ApiProperty({ example: 2 })
  generation!: number;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e' })
  job_id!: string | null;

  @ApiProperty({ enum: VrtGenerationStatus, enumName: 'VrtGenerationStatus', example: VrtGenerationStatus.Published })
  status!: VrtGenerationStatus;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T08:00:05.000Z' })
  created_at!: string;

  @ApiProperty({ example: 3 })
  source_count!: number;

  @ApiProperty({ type: VrtProblemDto, nullable: true, example: null })
  error!: VrtProblemDto | null;
}

/** GET /api/datasets/{id}/vrt/status. */
export class VrtStatusResponseDto {
  @ApiProperty({ enum: ['ready', 'regenerating', 'failed'], example: 'ready' })
  status!: 'ready' | 'regenerating' | 'failed';

  @ApiProperty({ type: [VrtSourceDto], description: 'The members of the generation being served, in order' })
  sources!: VrtSourceDto[];

  @ApiProperty({ example: 2, description: 'The generation being served' })
  generation!: number;

  @ApiProperty({ type: [VrtGenerationDto], description: 'Every generation, oldest first' })
  generations!: VrtGenerationDto[];

  @ApiProperty({
    type: VrtProblemDto,
    required: false,
    description: 'Why the latest generation failed (status `failed`); the VRT keeps serving `generation`',
  })
  error?: VrtProblemDto;
}
