import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestLogger, describeError, shutdownTracing, startTracing } from '@app/common';
import { loadConfig } from '@app/config';
import { ImporterLoadError, loadImporterCatalog } from '@app/importers';
import { selectQueues } from '@app/queues';
import { WorkerPlanError } from './runtime/job-handler.js';
import { WorkerModule } from './worker.module.js';

const config = loadConfig();
try {
  loadImporterCatalog(config.importers.dir);
} catch (error) {
  // Like a configuration error, an invalid importer file stops the process before anything starts.
  if (!(error instanceof ImporterLoadError)) throw error;
  process.stderr.write(`${error.problems.join('\n')}\n`);
  process.exit(1);
}
const queues = selectQueues(config.worker.queues);
const logger = new Logger('WorkerMain');
let workerModule;
try {
  workerModule = WorkerModule.register(queues);
} catch (error) {
  // A worker that cannot run every job its queues carry must not take any of them.
  if (!(error instanceof WorkerPlanError)) throw error;
  logger.error(error.message);
  process.exit(1);
}
// Before the application exists, so the logger sees it (a no-op without OTEL_EXPORTER_OTLP_ENDPOINT).
await startTracing(config, 'worker');
const app = await NestFactory.createApplicationContext(workerModule, { bufferLogs: true });
app.useLogger(app.get(NestLogger));

// Shutdown waits for active jobs (BullMQ's worker.close() in the shutdown hooks), then exits 0. Past the
// limit it exits anyway; BullMQ's stalled-job check then hands the interrupted jobs to another worker.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.log({ signal, timeout_ms: config.worker.shutdownTimeoutMs }, 'shutting down; waiting for active jobs');
    setTimeout(() => {
      logger.error('active jobs did not finish in time; exiting');
      process.exit(1);
    }, config.worker.shutdownTimeoutMs).unref();
    // The active jobs' spans end while the app closes; they are exported before the process goes.
    app
      .close()
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: describeError(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
await app.init();
logger.log({ queues, pid: process.pid }, 'worker started');
