import { Injectable } from '@nestjs/common';
import { VrtRepository } from '@app/jobs';
import { JobName, type JobPayloads, type JobRunOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { JobRunner } from '../runtime/job-runner.service.js';
import { VrtBuildService } from './vrt-build.service.js';

@Injectable()
export class BuildVrtHandler implements QueueJobHandler<JobName.BuildVrt> {
  static readonly jobName = JobName.BuildVrt;
  readonly jobName = JobName.BuildVrt;

  constructor(
    private readonly runner: JobRunner,
    private readonly builds: VrtBuildService,
    private readonly vrts: VrtRepository,
  ) {}

  async handle(job: Job<JobPayloads[JobName.BuildVrt]>): Promise<JobRunOutcome> {
    try {
      return await this.runner.run(job, (ctx) => this.builds.run(ctx));
    } finally {
      // A build that ended without publishing frees the VRT (it keeps serving its last generation).
      await this.vrts.settleUnpublished(job.data.jobId);
    }
  }
}
