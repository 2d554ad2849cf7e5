import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { describeError } from '@app/common';
import type { Queue } from 'bullmq';
import { ALL_QUEUES } from './queue-names.js';

/** A BullMQ queue, queue-events listener or worker: each reports trouble through its `error` event. */
interface ErrorEmitter {
  readonly name: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Logs `emitter`'s `error` events (a dropped Redis connection, a job lock lost) as one line each, with
 * the error described (`describeError`). Without a listener BullMQ writes each one to stderr with
 * `console.error`: the whole stack, the install directory in every frame.
 */
export function logQueueErrors(emitter: ErrorEmitter, logger: Logger, role: string): void {
  emitter.on('error', (error) => logger.warn({ err: describeError(error), queue: emitter.name, role }, 'queue error'));
}

/** `logQueueErrors` for every registered queue (the producers' side, in both apps). */
@Injectable()
export class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger(QueueErrorLog.name);

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUES) {
      logQueueErrors(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }), this.logger, 'queue');
    }
  }
}
