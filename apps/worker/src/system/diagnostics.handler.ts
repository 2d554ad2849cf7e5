import { Injectable } from '@nestjs/common';
import { JobName, type JobPayloads, type JobRunOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { JobRunner } from '../runtime/job-runner.service.js';
import { DiagnosticsService } from './diagnostics.service.js';

@Injectable()
export class DiagnosticsHandler implements QueueJobHandler<JobName.Diagnostics> {
  static readonly jobName = JobName.Diagnostics;
  readonly jobName = JobName.Diagnostics;

  constructor(
    private readonly runner: JobRunner,
    private readonly diagnostics: DiagnosticsService,
  ) {}

  handle(job: Job<JobPayloads[JobName.Diagnostics]>): Promise<JobRunOutcome> {
    return this.runner.run(job, (ctx) => this.diagnostics.run(ctx, job.data));
  }
}
