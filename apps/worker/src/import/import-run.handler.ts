import { Injectable } from '@nestjs/common';
import { JobName, type JobPayloads, type JobRunOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { JobRunner } from '../runtime/job-runner.service.js';
import { ImportRunService } from './import-run.service.js';

@Injectable()
export class ImportRunHandler implements QueueJobHandler<JobName.ImportRun> {
  static readonly jobName = JobName.ImportRun;
  readonly jobName = JobName.ImportRun;

  constructor(
    private readonly runner: JobRunner,
    private readonly imports: ImportRunService,
  ) {}

  handle(job: Job<JobPayloads[JobName.ImportRun]>): Promise<JobRunOutcome> {
    return this.runner.run(job, (ctx) => this.imports.run(ctx));
  }
}
