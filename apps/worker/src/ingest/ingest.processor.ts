import { Processor, WorkerHost } from '@nestjs/bullmq';
import { JobName, QueueName, type BasePayload } from '@app/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobRunner, type RunOutcome } from '../runtime/job-runner.service.js';
import { workerOptions } from '../runtime/worker-options.js';
import { DatasetIngestService } from './dataset-ingest.service.js';

@Processor(QueueName.Ingest, workerOptions())
export class IngestProcessor extends WorkerHost {
  constructor(
    private readonly runner: JobRunner,
    private readonly ingest: DatasetIngestService,
  ) {
    super();
  }

  override async process(job: Job<BasePayload>): Promise<RunOutcome> {
    switch (job.name) {
      case JobName.IngestDataset:
        return this.runner.run(job, (ctx) => this.ingest.run(ctx));
      default:
        throw new UnrecoverableError(`No handler for job '${job.name}' on queue '${job.queueName}'`);
    }
  }
}
