import { Processor, WorkerHost } from '@nestjs/bullmq';
import { JobName, QueueName, type BasePayload, type DiagnosticsPayload } from '@app/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobRunner, type RunOutcome } from '../runtime/job-runner.service.js';
import { workerOptions } from '../runtime/worker-options.js';
import { DiagnosticsService } from './diagnostics.service.js';

@Processor(QueueName.System, workerOptions())
export class SystemProcessor extends WorkerHost {
  constructor(
    private readonly runner: JobRunner,
    private readonly diagnostics: DiagnosticsService,
  ) {
    super();
  }

  override async process(job: Job<BasePayload>): Promise<RunOutcome> {
    switch (job.name) {
      case JobName.Diagnostics:
        return this.runner.run(job, (ctx) => this.diagnostics.run(ctx, job.data as DiagnosticsPayload));
      default:
        throw new UnrecoverableError(`No handler for job '${job.name}' on queue '${job.queueName}'`);
    }
  }
}
