/**
 * Messages between the ingest worker and its GDAL child process (apps/worker/src/ingest/gdal-task.ts).
 * GDAL runs in a child so that a cancel or a superseded attempt can stop it at once (gdal-async cannot
 * abort a running call), and so a crash inside GDAL never takes the worker down.
 */

import type { StorageConfig } from '@app/config';

/** What the child needs of the worker's configuration (sent over IPC; the child reads no environment). */
export interface TaskContext {
  databaseUrl: string;
  storage: StorageConfig;
}

export interface VectorTask {
  kind: 'vector';
  context: TaskContext;
  /** `application_name` of the load's database connection: how the worker finds its COPY's progress. */
  applicationName: string;
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
  context: TaskContext;
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
  | { type: 'total'; features: number }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; failure: TaskFailure };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'progress' || type === 'step' || type === 'total' || type === 'done' || type === 'failed';
}
