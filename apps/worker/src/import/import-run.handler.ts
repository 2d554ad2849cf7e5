import { Injectable } from '@nestjs/common';
import { JobName, type JobPayloads, type JobRunOutcome } from '@app/queues';
import type { Job } from 'bullmq';
import type { QueueJobHandler } from '../runtime/job-handler.js';
import { PermanentJobError } from '../runtime/job-errors.js';
import { JobRunner } from '../runtime/job-runner.service.js';

/**
 * STAND-IN until the importer pipeline (issue 10, worker part) lands: it exists so a worker consuming
 * the `import` queue passes its boot-time plan check, and it fails a run at once with a user-safe
 * reason instead of leaving it queued. Replaced whole by the pipeline's handler of the same job name.
 */
@Injectable()
export class ImportRunHandler implements QueueJobHandler<JobName.ImportRun> {
  static readonly jobName = JobName.ImportRun;
  readonly jobName = JobName.ImportRun;

  constructor(private readonly runner: JobRunner) {}

  handle(job: Job<JobPayloads[JobName.ImportRun]>): Promise<JobRunOutcome> {
    return this.runner.run(job, () =>
      Promise.reject(new PermanentJobError('importer-unavailable', 'This worker cannot run importer runs yet.')),
    );
  }
}
