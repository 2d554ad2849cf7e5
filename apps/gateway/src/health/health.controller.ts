import { Controller, Get } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { withTimeout, PROBLEM_CONTENT_TYPE } from '@app/common';
import { ProblemSchema } from '@app/openapi';
import { pingDatabase } from '@app/jobs';
import { RedisClient } from '@app/queues';
import { Public } from '@app/security';
import { Storage } from '@app/storage';
import type { DataSource } from 'typeorm';
import { CheckStatusDto, LivenessResponseDto, ReadinessResponseDto } from './dto/health.response.dto.js';

const CHECK_TIMEOUT_MS = 2000;

@ApiTags('health')
@ApiExtraModels(ProblemSchema, CheckStatusDto)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisClient,
    private readonly storage: Storage,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up (no dependency checks, no auth)' })
  @ApiOkResponse({ type: LivenessResponseDto })
  live(): LivenessResponseDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: PostgreSQL, Redis and storage all answer (no auth)' })
  @ApiOkResponse({ type: ReadinessResponseDto })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemSchema) },
        example: {
          type: 'https://strata.dev/problems/dependency-unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'A dependency is unavailable.',
          checks: { database: 'up', redis: 'down', storage: 'up' },
        },
      },
    },
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.probe('database', () => pingDatabase(this.dataSource)),
      () => this.probe('redis', () => this.redis.ping()),
      () => this.probe('storage', () => this.storage.check()),
    ]);
  }

  /** Up or down only: the reason stays in the logs, never in the response. */
  private async probe<K extends string>(key: K, check: () => Promise<void>) {
    const session = this.indicator.check(key);
    try {
      await withTimeout(check(), CHECK_TIMEOUT_MS, key);
      return session.up();
    } catch {
      return session.down();
    }
  }
}
