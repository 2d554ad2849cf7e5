import { Injectable } from '@nestjs/common';
import { JobName, type JobPayloads, type JobRunOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { JobRunner } from '../runtime/job-runner.service.js';
import { DatasetIngestService } from './dataset-ingest.service.js';

@Injectable()
export class IngestDatasetHandler implements QueueJobHandler<JobName.IngestDataset> {
  static readonly jobName = JobName.IngestDataset;
  readonly jobName = JobName.IngestDataset;

  constructor(
    private readonly runner: JobRunner,
    private readonly ingest: DatasetIngestService,
  ) {}

  handle(job: Job<JobPayloads[JobName.IngestDataset]>): Promise<JobRunOutcome> {
    return this.runner.run(job, (ctx) => this.ingest.run(ctx));
  }
}
