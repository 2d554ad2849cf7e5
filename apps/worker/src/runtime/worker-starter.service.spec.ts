import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { WorkerHost } from '@nestjs/bullmq';
import { LogContext, NestLogger, createRootLogger, setRootLogger } from '@app/common';
import { parseConfig } from '@app/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessService } from './readiness.service.js';
import type { QueueSweeper } from './sweeper.service.js';
import { WorkerStarter } from './worker-starter.service.js';

describe('WorkerStarter', () => {
  const lines: string[] = [];

  beforeAll(() => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    setRootLogger(createRootLogger(parseConfig({ LOG_LEVEL: 'info', LOG_PRETTY: 'false' }), 'worker', sink));
    Logger.overrideLogger(new NestLogger(new LogContext()));
  });

  afterAll(() => {
    Logger.overrideLogger(false);
  });

  it("logs a worker's error event as one line without its stack, where BullMQ would print the stack", () => {
    const worker = Object.assign(new EventEmitter(), { name: 'ingest' });
    // Dependencies never ready: the listener is there from boot, before the worker consumes.
    const readiness = { waitUntilReady: () => Promise.resolve(false) } as unknown as ReadinessService;
    const sweeper = { start: () => undefined } as unknown as QueueSweeper;
    new WorkerStarter([{ worker } as unknown as WorkerHost], readiness, sweeper).onApplicationBootstrap();

    const error = new Error('Missing lock for job 42. moveToFinished');
    expect(() => worker.emit('error', error)).not.toThrow();

    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      msg: 'queue error',
      queue: 'ingest',
      role: 'worker',
      err: { type: 'Error', message: 'Missing lock for job 42. moveToFinished' },
    });
    expect(lines[0]).not.toContain(' at ');
    expect(lines[0]).not.toContain('"stack"');
  });
});
