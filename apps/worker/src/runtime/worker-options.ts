import type { WorkerOptions } from 'bullmq';
import { loadConfig } from '@app/config';

/**
 * BullMQ options for every processor. @nestjs/bullmq takes worker options only from the @Processor
 * decorator, so they are read from the (validated, cached) configuration when the processor module loads.
 * `autorun: false`: WorkerStarter starts consuming once dependencies answer.
 */
export function workerOptions(): Omit<WorkerOptions, 'connection'> {
  const { worker } = loadConfig();
  return {
    autorun: false,
    concurrency: worker.concurrency,
    lockDuration: worker.lockMs,
    stalledInterval: worker.lockMs,
    // A job whose worker died is handed to another worker twice before BullMQ gives up on it; the
    // sweeper and the attempt counter take over from there.
    maxStalledCount: 2,
  };
}
