/**
 * Messages between the ingest worker and its GDAL child process (apps/worker/src/ingest/gdal-task.ts).
 * GDAL runs in a child so that a cancel or a superseded attempt can stop it at once (gdal-async cannot
 * abort a running call), and so a crash inside GDAL never takes the worker down.
 */

export interface VectorTask {
  kind: 'vector';
  sourcePath: string;
  layerName: string | null;
  schema: string;
  table: string;
  sridOverride: number | null;
  xColumn: string | null;
  yColumn: string | null;
  geomColumn: string | null;
}

export interface RasterTask {
  kind: 'raster';
  sourcePath: string;
  outputPath: string;
  compression: 'DEFLATE' | 'ZSTD' | 'LZW';
  resampling: 'nearest' | 'bilinear' | 'cubic' | 'average' | 'mode' | null;
  nodataOverride: number | null;
  strictCog: boolean;
  sridOverride: number | null;
}

export type GdalTask = VectorTask | RasterTask;

/**
 * A failure as the child saw it: `user` errors carry a user-safe message; `internal` ones a code and a
 * masked description for the worker's log, never shown to users.
 */
export interface TaskFailure {
  kind: 'user' | 'internal';
  code: string;
  message: string;
}

export type ChildMessage =
  | { type: 'progress'; fraction: number }
  | { type: 'step'; step: string }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; failure: TaskFailure };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'progress' || type === 'step' || type === 'done' || type === 'failed';
}
