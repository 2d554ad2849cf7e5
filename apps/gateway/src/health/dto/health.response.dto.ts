import { ApiProperty } from '@nestjs/swagger';

export class LivenessResponseDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}

export class CheckStatusDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  status!: string;
}

export class ReadinessResponseDto {
  @ApiProperty({ example: 'ok' })
  status!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/CheckStatusDto' },
    example: { database: { status: 'up' }, redis: { status: 'up' }, storage: { status: 'up' } },
  })
  info!: Record<string, CheckStatusDto>;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/CheckStatusDto' }, example: {} })
  error!: Record<string, CheckStatusDto>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/CheckStatusDto' },
    example: { database: { status: 'up' }, redis: { status: 'up' }, storage: { status: 'up' } },
  })
  details!: Record<string, CheckStatusDto>;
}
