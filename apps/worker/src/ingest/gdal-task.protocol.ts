/**
 * Messages between the worker and its GDAL child process (apps/worker/src/ingest/gdal-task.ts). Every
 * GDAL call runs in a child, one task per process: a cancel or a superseded attempt can stop it at once
 * (gdal-async cannot abort a running call), a crash inside GDAL never takes the worker down, and GDAL's
 * process-wide configuration belongs to one task only. The one exception: a child whose task was a
 * successful preview with nothing but the worker's own GDAL options, and which is still as small as when
 * it started, may stay for the next task (see `TaskMessage.mayStay`): it holds no job's settings, and
 * what the next task sets replaces what this one set.
 */

import type { CogCompressionName, CogResamplingName, VrtBuildSource, VrtResolution, VrtType } from '@app/contracts';

/** What the child needs besides its task (sent over IPC; the child reads no environment). */
export interface TaskContext {
  /**
   * GDAL configuration options the child sets before it starts the task: the store's /vsis3/ settings,
   * and whatever a job adds (HTTP headers, a token, a proxy for a remote service).
   */
  gdalConfig: Record<string, string>;
  databaseUrl: string;
  /** RASTER_MAX_PIXELS: a raster larger than this (width × height) is refused before a pixel is read. */
  rasterMaxPixels: number;
}

export interface VectorTask {
  kind: 'vector';
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
  /** Text columns of epoch milliseconds (ArcGIS dates) stored as `timestamptz`; absent: none. */
  epochMsColumns?: string[];
  /**
   * A remote layer: fewer rows than the source counted fails the load (GDAL ends a paged read quietly
   * when a page fails). `expectedFeatures` replaces GDAL's own count when the service's is better.
   */
  requireAllFeatures?: boolean;
  expectedFeatures?: number | null;
}

export interface RasterTask {
  kind: 'raster';
  sourcePath: string;
  outputPath: string;
  compression: CogCompressionName;
  resampling: CogResamplingName | null;
  nodataOverride: number | null;
  strictCog: boolean;
  sridOverride: number | null;
}

/** A preview: answers an Inspection, or fails with a `user` failure the preview shows as a refusal. */
export interface InspectTask {
  kind: 'inspect';
  sourcePath: string;
  layerName: string | null;
}

/** GDAL's version and a pixel round trip (answers a GdalSelfTest). */
export interface SelfTestTask {
  kind: 'self-test';
  size: number;
}

/** Builds a VRT over stored COGs (answers a VrtBuildResult). */
export interface VrtTask {
  kind: 'vrt';
  vrtType: VrtType;
  resolution: VrtResolution;
  sources: VrtBuildSource[];
  scratchPath: string;
}

/**
 * Writes one vector layer as newline-delimited GeoJSON for an importer run (answers a
 * LayerExportResult). Fails with a `user` failure coded `unknown-layer`, `empty` or `unreadable`.
 */
export interface LayerExportTask {
  kind: 'layer-export';
  sourcePath: string;
  layerName: string | null;
  outputPath: string;
}

export type GdalTask = VectorTask | RasterTask | InspectTask | SelfTestTask | VrtTask | LayerExportTask;

/** The one message the worker sends a child. */
export interface TaskMessage {
  context: TaskContext;
  task: GdalTask;
  /**
   * The worker may send another task after this one. The child stays (answers `done` with `staying`
   * and waits) only if the task succeeded and its memory has not grown past a small margin over what it
   * held before its first task; otherwise it exits after answering, as always.
   */
  mayStay?: boolean;
}

/**
 * A failure as the child saw it: `user` errors carry a user-safe message (and, for previews, the
 * refusal's extensions); `internal` ones an errno/SQLSTATE or our own code and a masked description for
 * the worker's log (GDAL's own text, paths and secrets masked), never shown to users.
 */
export interface TaskFailure {
  kind: 'user' | 'internal';
  code: string;
  message: string;
  extensions?: Record<string, unknown>;
}

export type ChildMessage =
  | { type: 'progress'; fraction: number }
  | { type: 'step'; step: string }
  | { type: 'total'; features: number }
  | { type: 'done'; result: unknown; staying?: boolean }
  | { type: 'failed'; failure: TaskFailure };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'progress' || type === 'step' || type === 'total' || type === 'done' || type === 'failed';
}
