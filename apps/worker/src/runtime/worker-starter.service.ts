import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { describeError } from '@app/common';
import { logQueueErrors } from '@app/queues';
import { ReadinessService } from './readiness.service.js';
import { QueueSweeper } from './sweeper.service.js';

export const PROCESSORS = Symbol('PROCESSORS');

/**
 * Processors are created with `autorun: false`; they start consuming only after every dependency has
 * answered, so a worker booted during an outage never takes a job it cannot finish. Each BullMQ worker's
 * `error` events (a job lock that could not be renewed or was lost, a dropped Redis connection), which
 * BullMQ would otherwise write to stderr with their stacks, are logged as one line from boot on.
 */
@Injectable()
export class WorkerStarter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerStarter.name);

  constructor(
    @Inject(PROCESSORS) private readonly processors: WorkerHost[],
    private readonly readiness: ReadinessService,
    private readonly sweeper: QueueSweeper,
  ) {}

  onApplicationBootstrap(): void {
    // Workers exist from BullMQ's own onModuleInit on; they emit errors before they consume, too.
    for (const host of this.processors) logQueueErrors(host.worker, this.logger, 'worker');
    // Not awaited: boot completes (and shutdown hooks work) while we wait for dependencies.
    void this.startWhenReady().catch((error: unknown) =>
      this.logger.error({ err: describeError(error) }, 'worker failed to start consuming'),
    );
  }

  private async startWhenReady(): Promise<void> {
    if (!(await this.readiness.waitUntilReady())) return;
    for (const host of this.processors) {
      const worker = host.worker;
      worker
        .run()
        .catch((error: unknown) =>
          this.logger.error({ err: describeError(error), queue: worker.name }, 'worker loop stopped'),
        );
      this.logger.log({ queue: worker.name, concurrency: worker.concurrency }, 'consuming');
    }
    this.sweeper.start();
  }

  onApplicationShutdown(): void {
    this.readiness.stop();
  }
}
