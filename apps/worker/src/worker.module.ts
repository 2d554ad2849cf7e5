import { dirname } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { AppConfig, ConfigModule } from '@app/config';
import { createLoggerModule } from '@app/common';
import { ImporterCatalog, ImportersModule } from '@app/importers';
import { JobsModule } from '@app/jobs';
import { QueuesModule, type QueueName } from '@app/queues';
import { MetricsModule } from '@app/metrics';
import { SsrfModule, TOKEN_SERVICE_PROVIDERS } from '@app/security';
import { StorageModule } from '@app/storage';
import { JobRunner } from './runtime/job-runner.service.js';
import { ReadinessService } from './runtime/readiness.service.js';
import { QueueSweeper } from './runtime/sweeper.service.js';
import { PROCESSORS, WorkerStarter } from './runtime/worker-starter.service.js';
import { DatasetIngestService } from './ingest/dataset-ingest.service.js';
import { GdalTaskRunner } from './ingest/gdal-task.runner.js';
import { PreviewService } from './preview/preview.service.js';
import { RemoteSourceService } from './remote/remote-source.js';
import { DiagnosticsService } from './system/diagnostics.service.js';
import { MetricsServer } from './system/metrics-server.service.js';
import { VrtBuildService } from './vrt/vrt-build.service.js';
import { JOB_HANDLER_CLASSES } from './job-handlers.js';
import { COMPILED_IMPORTERS, RECORD_READER_OPENER, type OpenRecordReader } from './import/import-ports.js';
import { openRecordReader } from './import/readers/index.js';
import { ImportRunService } from './import/import-run.service.js';
import { HeapGovernor } from './runtime/heap-governor.js';
import { ImportSourceResolver } from './import/import-source.js';
import { ServiceLayerOpener } from './import/service-source.js';
import { JOB_HANDLERS, planWorker, processorFor, type JobHandlerClass } from './runtime/job-handler.js';

@Module({})
export class WorkerModule {
  /**
   * A worker that consumes only `queues` (from WORKER_QUEUES). Throws a WorkerPlanError, before anything
   * starts, when a job those queues can carry has no handler (or two).
   */
  static register(queues: QueueName[], handlers: readonly JobHandlerClass[] = JOB_HANDLER_CLASSES): DynamicModule {
    const plan = planWorker(queues, handlers);
    const processors = plan.queues.map((queue) => processorFor(queue));
    return {
      module: WorkerModule,
      imports: [
        ConfigModule,
        createLoggerModule('worker'),
        JobsModule.forApp('strata-worker', { lazyConnect: true }),
        QueuesModule.forRoot(),
        StorageModule.forRoot(),
        SsrfModule,
        MetricsModule.forRoot('worker'),
        ImportersModule,
      ],
      providers: [
        JobRunner,
        ReadinessService,
        QueueSweeper,
        WorkerStarter,
        DiagnosticsService,
        ...TOKEN_SERVICE_PROVIDERS,
        MetricsServer,
        PreviewService,
        RemoteSourceService,
        GdalTaskRunner,
        DatasetIngestService,
        VrtBuildService,
        ImportSourceResolver,
        ServiceLayerOpener,
        ImportRunService,
        { provide: HeapGovernor, inject: [AppConfig], useFactory: (config: AppConfig) => new HeapGovernor(config) },
        // Replaced by the importers catalog and the file readers when those land on this branch.
        { provide: COMPILED_IMPORTERS, useExisting: ImporterCatalog },
        {
          provide: RECORD_READER_OPENER,
          inject: [GdalTaskRunner, AppConfig],
          // GDAL formats are read through the GDAL child; its export lands next to the downloaded source.
          // The first pass (parse and count) is bounded in time: a hostile file fails the run, not the worker.
          useFactory:
            (gdal: GdalTaskRunner, config: AppConfig): OpenRecordReader =>
            (input) =>
              openRecordReader({
                ...input,
                filename: input.filename ?? undefined,
                gdal,
                scratchDir: dirname(input.path),
                timeoutMs: config.worker.gdal.taskTimeoutMs,
              }),
        },
        ...plan.handlers,
        { provide: JOB_HANDLERS, useFactory: (...instances: unknown[]) => instances, inject: plan.handlers },
        ...processors,
        { provide: PROCESSORS, useFactory: (...hosts: WorkerHost[]) => hosts, inject: processors },
      ],
    };
  }
}
