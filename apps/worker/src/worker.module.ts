import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { ConfigModule } from '@app/config';
import { createLoggerModule } from '@app/common';
import { GdalModule } from '@app/gdal';
import { JobsModule } from '@app/jobs';
import { QueueName, QueuesModule } from '@app/queues';
import { StorageModule } from '@app/storage';
import { JobRunner } from './runtime/job-runner.service.js';
import { ReadinessService } from './runtime/readiness.service.js';
import { QueueSweeper } from './runtime/sweeper.service.js';
import { PROCESSORS, WorkerStarter } from './runtime/worker-starter.service.js';
import { DatasetIngestService } from './ingest/dataset-ingest.service.js';
import { GdalTaskRunner } from './ingest/gdal-task.runner.js';
import { IngestProcessor } from './ingest/ingest.processor.js';
import { PreviewProcessor } from './preview/preview.processor.js';
import { PreviewService } from './preview/preview.service.js';
import { DiagnosticsService } from './system/diagnostics.service.js';
import { SystemProcessor } from './system/system.processor.js';

/** The processor consuming each queue; a queue without one here is consumed by no worker yet. */
const PROCESSOR_FOR: Partial<Record<QueueName, Type<WorkerHost>>> = {
  [QueueName.System]: SystemProcessor,
  [QueueName.Preview]: PreviewProcessor,
  [QueueName.Ingest]: IngestProcessor,
};

@Module({})
export class WorkerModule {
  /** A worker that consumes only `queues` (from WORKER_QUEUES). */
  static register(queues: QueueName[]): DynamicModule {
    const processors = queues.flatMap((q) => PROCESSOR_FOR[q] ?? []);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule,
        createLoggerModule('worker'),
        JobsModule.forApp('strata-worker', { lazyConnect: true }),
        QueuesModule.forRoot(),
        StorageModule.forRoot(),
        GdalModule,
      ],
      providers: [
        JobRunner,
        ReadinessService,
        QueueSweeper,
        WorkerStarter,
        DiagnosticsService,
        PreviewService,
        GdalTaskRunner,
        DatasetIngestService,
        ...processors,
        { provide: PROCESSORS, useFactory: (...hosts: WorkerHost[]) => hosts, inject: processors },
      ],
    };
  }
}
