import { VectorIngestError, VectorLoadUnavailableError, type VectorLoadResult } from '@app/contracts';
import { progressReporter, translateVectorLayer, type VectorTranslateRequest } from '@app/gdal';
import { finishStagedTable } from './postgis/finish.js';
import { escapeIdentifier, type Client } from 'pg';
import {
  assertIdentifier,
  assertKnownSrid,
  assertTableAbsent,
  connectForLoad,
  lostConnection,
  qualifiedName,
} from './postgis/staging.js';

/** The GDAL step's request, plus how the whole load reports its steps and post-processing progress. */
export interface VectorLoadRequest extends VectorTranslateRequest {
  /**
   * 0..1 at each post-processing step (0 before the load, then 0.88…1). The load itself reports no
   * progress here (see VectorTranslateRequest.onTotal): a monitor follows it through
   * `pg_stat_progress_copy`, finding its connection by `applicationName`, against the total given to
   * `onTotal`.
   */
  onProgress?: (fraction: number) => void;
  onStep?: (step: 'loading' | 'indexing' | 'finalizing') => void;
  /** Source columns of epoch milliseconds to store as `timestamptz` (ArcGIS dates, read as text by GDAL). */
  epochMsColumns?: string[];
  /** Fail when fewer rows arrive than `expectedFeatures` (or GDAL's count): a remote read cut short. */
  requireAllFeatures?: boolean;
  expectedFeatures?: number | null;
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
  let counted: number | null = null;
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
        counted = features;
        req.onTotal?.(features);
        req.onStep?.('loading');
        progress(0);
      },
    });
    await epochMsToTimestamps(client, req.schema, req.table, req.epochMsColumns ?? []);
    const result = await finishStagedTable(client, {
      schema: req.schema,
      table: req.table,
      staged,
      onStep: req.onStep,
      onProgress: progress,
      openScanClient: () => connectForLoad(req.target),
    });
    const expected = req.expectedFeatures ?? counted;
    if (req.requireAllFeatures && expected !== null && expected >= 0 && result.featureCount < expected) {
      throw new VectorIngestError(
        'incomplete-read',
        `The service delivered ${result.featureCount} of the ${expected} features it counted; nothing was published.`,
      );
    }
    return result;
  } catch (error) {
    if (created)
      await client.query(`DROP TABLE IF EXISTS ${qualifiedName(req.schema, req.table)}`).catch(() => undefined);
    // The server ended the connection (a restart): whatever failed after that failed for it.
    const lost = lostConnection(client);
    if (lost && !(error instanceof VectorIngestError)) {
      throw new VectorLoadUnavailableError('The database connection was lost.', { cause: lost });
    }
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Turns text columns of epoch milliseconds into `timestamptz` (one table rewrite). Names are matched the
 * way GDAL laundered them; a column the load did not create is skipped.
 */
async function epochMsToTimestamps(client: Client, schema: string, table: string, sources: string[]): Promise<void> {
  if (sources.length === 0) return;
  const { rows } = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [qualifiedName(schema, table)],
  );
  const present = new Set(rows.map((r) => r.name));
  const columns = [...new Set(sources.map((s) => s.toLowerCase().replace(/[^a-z0-9_]/g, '_')))].filter((c) =>
    present.has(c),
  );
  if (columns.length === 0) return;
  const changes = columns.map((c) => {
    const name = escapeIdentifier(c);
    return `ALTER COLUMN ${name} TYPE timestamptz USING to_timestamp(NULLIF(${name}::text, '')::double precision / 1000)`;
  });
  await client.query(`ALTER TABLE ${qualifiedName(schema, table)} ${changes.join(', ')}`);
}
