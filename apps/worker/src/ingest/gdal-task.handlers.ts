/**
 * What the GDAL child does with its one task: apply the task's GDAL configuration, run the task, and
 * describe a failure for the worker. Loaded only by the child entry (gdal-task.ts): the worker process
 * itself never loads GDAL. Imports stay narrow (no Nest, pino or configuration machinery): every task
 * starts a process that loads this.
 */
import { VectorIngestError, VectorLoadUnavailableError, scrubSecrets } from '@app/contracts';
import {
  RasterIngestError,
  UnreadableSourceError,
  applyGdalConfig,
  buildVrt,
  exportLayer,
  inspect,
  produceCog,
  progressReporter,
  selfTest,
} from '@app/gdal';
import type { ChildMessage, TaskFailure, TaskMessage } from './gdal-task.protocol.js';
import { pgTargetFromUrl } from './pg-target.js';

/** How often progress goes over IPC at most (the last report always does). */
const PROGRESS_INTERVAL_MS = 250;

/** Runs the task of `message` with its configuration; `send` carries progress to the worker. */
export async function runTask(message: TaskMessage, send: (message: ChildMessage) => void): Promise<unknown> {
  const { context, task } = message;
  // Process-wide, and this process runs this one task: the settings reach no other job.
  applyGdalConfig(context.gdalConfig);
  const onProgress = progressReporter((fraction) => send({ type: 'progress', fraction }), {
    minIntervalMs: PROGRESS_INTERVAL_MS,
  });
  switch (task.kind) {
    case 'inspect':
      return inspect(task.sourcePath, task.layerName, { rasterMaxPixels: context.rasterMaxPixels });
    case 'self-test':
      return selfTest(task.size);
    case 'vector': {
      // Loaded for a vector load only: the PostgreSQL client would add about 40 ms to every child's start.
      const { loadVectorLayer } = await import('./vector-load.js');
      return loadVectorLayer({
        sourcePath: task.sourcePath,
        layerName: task.layerName,
        target: pgTargetFromUrl(context.databaseUrl),
        applicationName: task.applicationName,
        onTotal: (features) => send({ type: 'total', features }),
        schema: task.schema,
        table: task.table,
        sridOverride: task.sridOverride,
        xColumn: task.xColumn,
        yColumn: task.yColumn,
        geomColumn: task.geomColumn,
        epochMsColumns: task.epochMsColumns ?? [],
        requireAllFeatures: task.requireAllFeatures ?? false,
        expectedFeatures: task.expectedFeatures ?? null,
        onProgress,
        onStep: (step) => send({ type: 'step', step }),
      });
    }
    case 'raster':
      return produceCog({
        sourcePath: task.sourcePath,
        maxPixels: context.rasterMaxPixels,
        outputPath: task.outputPath,
        compression: task.compression,
        ...(task.resampling ? { resampling: task.resampling } : {}),
        nodataOverride: task.nodataOverride,
        strictCog: task.strictCog,
        sridOverride: task.sridOverride,
        onProgress,
      });
    case 'layer-export':
      return exportLayer({
        sourcePath: task.sourcePath,
        layerName: task.layerName,
        outputPath: task.outputPath,
        onTotal: (features) => send({ type: 'total', features }),
      });
    case 'vrt':
      return buildVrt({
        type: task.vrtType,
        resolution: task.resolution,
        sources: task.sources,
        scratchPath: task.scratchPath,
      });
    default: {
      const unknown: never = task;
      throw new Error(`Unknown GDAL task '${(unknown as { kind: string }).kind}'`);
    }
  }
}

/**
 * For the worker's log only (never the user): GDAL and driver messages may name paths, hosts or
 * connection strings. Credentials and secrets are masked, and so are paths (also those of URLs, whose
 * scheme and host stay); GDAL's own wording ("HTTP error code : 503") stays for the error classifier.
 */
export function maskForLog(text: string): string {
  return scrubSecrets(text)
    .replace(/\b([a-z][\w+.-]*:\/\/[^/\s'"`,]*)\/[^\s'"`,]*/gi, '$1/<path>')
    .replace(/(?<![\w.:/<-])(?:\/vsi\w+)?\/[^\s'"`,]+/g, '<path>')
    .slice(0, 500);
}

function describeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current !== undefined; depth += 1) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : 'non-error thrown');
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' <- ');
}

/** The errno / SQLSTATE of an error, or of what caused it. */
function codeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function failureOf(error: unknown): TaskFailure {
  if (error instanceof UnreadableSourceError) {
    const extensions = Object.keys(error.extensions).length > 0 ? { extensions: error.extensions } : {};
    return { kind: 'user', code: error.code, message: error.message, ...extensions };
  }
  if (error instanceof VectorIngestError || error instanceof RasterIngestError) {
    return { kind: 'user', code: error.code, message: error.message };
  }
  const message = maskForLog(describeChain(error));
  if (error instanceof VectorLoadUnavailableError) return { kind: 'internal', code: 'unavailable', message };
  return { kind: 'internal', code: codeOf(error) ?? 'internal', message };
}
