import { Processor, WorkerHost } from '@nestjs/bullmq';
import { JobName, QueueName, type PreviewOutcome, type PreviewPayload } from '@app/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { workerOptions } from '../runtime/worker-options.js';
import { PreviewService } from './preview.service.js';

/** Previews are awaited by the gateway: answered once, never retried (the user simply asks again). */
@Processor(QueueName.Preview, workerOptions())
export class PreviewProcessor extends WorkerHost {
  constructor(private readonly previews: PreviewService) {
    super();
  }

  override async process(job: Job<PreviewPayload>): Promise<PreviewOutcome> {
    switch (job.name) {
      case JobName.Preview: {
        const log = PinoLogger.root.child({
          job_id: job.data.jobId,
          request_id: job.data.requestId,
          queue: job.queueName,
        });
        return this.previews.preview(job.data, log);
      }
      default:
        throw new UnrecoverableError(`No handler for job '${job.name}' on queue '${job.queueName}'`);
    }
  }
}
