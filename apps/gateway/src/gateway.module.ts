import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { json } from 'express';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@app/config';
import {
  ProblemDetailsFilter,
  ProblemValidationPipe,
  RequestLoggingModule,
  TracingShutdown,
  createLoggerModule,
} from '@app/common';
import { ImportersModule } from '@app/importers';
import { JobsModule } from '@app/jobs';
import { MetricsModule } from '@app/metrics';
import { QueuesModule } from '@app/queues';
import { AuthGuard, SecurityModule } from '@app/security';
import { StorageModule } from '@app/storage';
import { AdminApiModule } from './admin/admin.module.js';
import { DatasetsApiModule } from './datasets/datasets.module.js';
import { HealthModule } from './health/health.module.js';
import { ImportersApiModule } from './importers/importers.module.js';
import { IngestApiModule } from './ingest/ingest.module.js';
import { JobsApiModule } from './jobs/jobs.module.js';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware.js';
import { MetricsApiModule } from './metrics/metrics.module.js';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module.js';
import { RunsApiModule } from './runs/runs.module.js';
import { ServicesApiModule } from './services/services.module.js';
import { VrtApiModule } from './vrt/vrt.module.js';

@Module({
  imports: [
    ConfigModule,
    createLoggerModule('gateway'),
    RequestLoggingModule,
    JobsModule.forApp('strata-gateway'),
    QueuesModule.forRoot(),
    MetricsModule.forRoot('gateway'),
    StorageModule.forRoot(),
    SecurityModule,
    ImportersModule,
    HealthModule,
    JobsApiModule,
    DatasetsApiModule,
    AdminApiModule,
    IngestApiModule,
    ImportersApiModule,
    ServicesApiModule,
    VrtApiModule,
    MetricsApiModule,
    QueueDashboardModule,
    RunsApiModule.register(loadConfig().ingestRuns.apiPrefix),
  ],
  providers: [
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useClass: ProblemValidationPipe },
    TracingShutdown,
  ],
})
export class GatewayModule implements NestModule {
  /**
   * After the request logger (RequestLoggingModule: the request's id and log context for everything after
   * it), the HTTP metrics, then the JSON body parser: a malformed body is logged and answered with the
   * request's id like every other error. (The app is created with `bodyParser: false`.) Multipart routes
   * stream their bodies themselves.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware, json({ limit: '1mb' })).forRoutes('*path');
  }
}
