/**
 * Child-process entry point for one GDAL step of an ingest (forked by GdalTaskRunner). It receives one
 * task over IPC, with the little configuration it needs (it reads no environment), reports progress,
 * sends the result and exits.
 * It exits at once when the worker goes away (IPC disconnect), so a killed worker leaves no GDAL behind.
 */
// Imports stay narrow (GDAL and the two pipeline modules): every ingest starts this process, and the
// libraries' index modules would pull in Nest, pino and the configuration machinery for nothing.
import { scrubSecrets } from '@app/common/safe-error.js';
import { configureGdalForStorage } from '@app/gdal/gdal-storage.js';
import { RasterIngestError, produceCog } from '@app/gdal/raster-cog.js';
import { VectorIngestError, VectorLoadUnavailableError, loadVectorLayer } from '@app/gdal/vector-load.js';
import type { ChildMessage, GdalTask, TaskFailure } from './gdal-task.protocol.js';
import { pgTargetFromUrl } from './pg-target.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

function failureOf(error: unknown): TaskFailure {
  if (error instanceof VectorIngestError || error instanceof RasterIngestError) {
    return { kind: 'user', code: error.code, message: error.message };
  }
  if (error instanceof VectorLoadUnavailableError) {
    return { kind: 'internal', code: 'unavailable', message: 'The database or storage could not be reached.' };
  }
  // For the worker's log only (never the user): GDAL and driver messages may name paths, hosts or
  // connection strings, so credentials and absolute paths are masked.
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
  const detail = scrubSecrets(raw)
    .replace(/(?:\/vsi\w+)?\/[^\s'",]+/g, '<path>')
    .slice(0, 500);
  return { kind: 'internal', code: codeOf(error), message: detail };
}

async function run(task: GdalTask): Promise<unknown> {
  configureGdalForStorage(task.context);
  let lastSent = 0;
  const onProgress = (fraction: number): void => {
    const now = Date.now();
    if (now - lastSent < 250 && fraction < 1) return;
    lastSent = now;
    void send({ type: 'progress', fraction });
  };
  if (task.kind === 'vector') {
    return loadVectorLayer({
      sourcePath: task.sourcePath,
      layerName: task.layerName,
      target: pgTargetFromUrl(task.context.databaseUrl),
      applicationName: task.applicationName,
      onTotal: (features) => void send({ type: 'total', features }),
      schema: task.schema,
      table: task.table,
      sridOverride: task.sridOverride,
      xColumn: task.xColumn,
      yColumn: task.yColumn,
      geomColumn: task.geomColumn,
      onProgress,
      onStep: (step) => void send({ type: 'step', step }),
    });
  }
  return produceCog({
    sourcePath: task.sourcePath,
    outputPath: task.outputPath,
    compression: task.compression,
    ...(task.resampling ? { resampling: task.resampling } : {}),
    nodataOverride: task.nodataOverride,
    strictCog: task.strictCog,
    sridOverride: task.sridOverride,
    onProgress,
  });
}

process.on('disconnect', () => process.exit(1));
// Ctrl-C and `kill` reach the whole process group. The worker decides when this step stops: during a
// graceful shutdown it waits for the job, so the child must outlive the signal; it still exits as soon
// as the worker is gone (disconnect) or kills it (SIGKILL on cancel).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
process.once('message', (task: GdalTask) => {
  run(task)
    .then(async (result) => {
      await send({ type: 'done', result });
      process.exit(0);
    })
    .catch(async (error: unknown) => {
      await send({ type: 'failed', failure: failureOf(error) });
      process.exit(0);
    });
});
