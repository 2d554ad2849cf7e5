import type { PgTarget, VectorLoadResult } from '@app/contracts';
import { progressReporter, translateVectorLayer } from '@app/gdal';
import { finishStagedTable } from './postgis/finish.js';
import {
  assertIdentifier,
  assertKnownSrid,
  assertTableAbsent,
  connectForLoad,
  qualifiedName,
} from './postgis/staging.js';

export interface VectorLoadRequest {
  /** GDAL-readable path: a local file, `/vsizip/…`, `/vsis3/…`. */
  sourcePath: string;
  /** Null: the first layer. */
  layerName: string | null;
  target: PgTarget;
  /** Existing schema for data tables. */
  schema: string;
  /** Staging table to create: a safe identifier (≤63 chars, [a-z0-9_]); it must not exist yet. */
  table: string;
  /** EPSG code that relabels the source CRS (no reprojection); the fix for sources without one. */
  sridOverride?: number | null;
  /** Source column names (as the preview listed them) holding x/y coordinates or WKT. */
  xColumn?: string | null;
  yColumn?: string | null;
  geomColumn?: string | null;
  /**
   * 0..1 at each post-processing step (0 before the load, then 0.88…1). The load itself reports no
   * progress here (see VectorTranslateRequest.onTotal): a monitor follows it through
   * `pg_stat_progress_copy`, finding its connection by `applicationName`, against the total given to
   * `onTotal`.
   */
  onProgress?: (fraction: number) => void;
  /** Called before the load with the layer's feature count. */
  onTotal?: (features: number) => void;
  /** `application_name` of the load's database connection (default `strata-vector-load`). */
  applicationName?: string;
  onStep?: (step: 'loading' | 'indexing' | 'finalizing') => void;
}

/**
 * Loads one vector layer into a new table `schema.table`: GDAL copies the layer (libs/gdal), then the
 * database side builds, indexes and describes the table (./postgis). Runs in the GDAL child process, so
 * that a cancel stops both halves by killing it. On failure the table is dropped.
 */
export async function loadVectorLayer(req: VectorLoadRequest): Promise<VectorLoadResult> {
  assertIdentifier(req.schema, 'schema');
  assertIdentifier(req.table, 'table');
  const progress = progressReporter(req.onProgress);
  const client = await connectForLoad(req.target);
  let created = false;
  try {
    await assertTableAbsent(client, req.schema, req.table);
    if (req.sridOverride != null) await assertKnownSrid(client, req.sridOverride);
    // The name was free: from here on, a table of that name is this load's.
    created = true;
    const staged = await translateVectorLayer({
      sourcePath: req.sourcePath,
      layerName: req.layerName,
      target: req.target,
      schema: req.schema,
      table: req.table,
      sridOverride: req.sridOverride,
      xColumn: req.xColumn,
      yColumn: req.yColumn,
      geomColumn: req.geomColumn,
      applicationName: req.applicationName,
      onTotal: (features) => {
        req.onTotal?.(features);
        req.onStep?.('loading');
        progress(0);
      },
    });
    return await finishStagedTable(client, {
      schema: req.schema,
      table: req.table,
      staged,
      onStep: req.onStep,
      onProgress: progress,
    });
  } catch (error) {
    if (created)
      await client.query(`DROP TABLE IF EXISTS ${qualifiedName(req.schema, req.table)}`).catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
