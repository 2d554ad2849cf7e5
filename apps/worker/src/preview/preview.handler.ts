import { Injectable } from '@nestjs/common';
import { rootLogger } from '@app/common';
import { JobName, type JobPayloads, type PreviewOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import { jobLogBindings } from '../runtime/job-context.js';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { PreviewService } from './preview.service.js';

/** Previews are awaited by the gateway: answered once, never retried (the user simply asks again). */
@Injectable()
export class PreviewHandler implements QueueJobHandler<JobName.Preview> {
  static readonly jobName = JobName.Preview;
  readonly jobName = JobName.Preview;

  constructor(private readonly previews: PreviewService) {}

  handle(job: Job<JobPayloads[JobName.Preview]>): Promise<PreviewOutcome> {
    const log = rootLogger().child(jobLogBindings(job));
    return this.previews.preview(job.data, log);
  }
}
