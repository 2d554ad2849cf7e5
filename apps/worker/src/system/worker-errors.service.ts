import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { logQueueErrors } from '@app/queues';
import { PROCESSORS } from '../runtime/worker-starter.service.js';

/**
 * `logQueueErrors` for this process's BullMQ workers (a job lock that could not be renewed or was lost,
 * a dropped Redis connection), which BullMQ would otherwise write to stderr with their stacks.
 */
@Injectable()
export class WorkerErrorLog implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkerErrorLog.name);

  constructor(@Inject(PROCESSORS) private readonly processors: WorkerHost[]) {}

  // Workers exist from BullMQ's own onModuleInit on; they start consuming later (WorkerStarter).
  onApplicationBootstrap(): void {
    for (const host of this.processors) logQueueErrors(host.worker, this.logger, 'worker');
  }
}
