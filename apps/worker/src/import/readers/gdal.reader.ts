import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ReaderFailure } from '@app/common';
import type { LayerExportResult } from '@app/contracts';
import type { ImporterRead, SourceRecord } from '@app/importers';
import type { LayerExportTask } from '../../ingest/gdal-task.protocol.js';
import {
  GdalTaskError,
  type RunningTask,
  type TaskListeners,
  type TaskOptions,
} from '../../ingest/gdal-task.runner.js';
import { ReaderError } from './reader.errors.js';
import { resumeFrom, type SourceReader } from './source-reader.js';

/** What the reader needs of GdalTaskRunner: starting a task in the GDAL child. */
export interface GdalTaskStarter {
  start<T>(task: LayerExportTask, listeners?: TaskListeners, options?: TaskOptions): RunningTask<T>;
}

export interface GdalReaderOptions {
  runner: GdalTaskStarter;
  /** Where the exported features are written (default: next to the source). Removed by close(). */
  scratchDir?: string;
  /** Aborting kills the GDAL child while it exports (a cancelled run). */
  signal?: AbortSignal;
}

/** GDAL writes dates as `2011/03/15` and date-times as `2011/03/15 10:20:30+00`: ISO text instead. */
export function isoFromOgr(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^(\d{4})\/(\d{2})\/(\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(
    value,
  );
  if (!match) return value;
  const [, year, month, day, time, zone] = match;
  const date = `${year}-${month}-${day}`;
  if (time === undefined) return date;
  const offset = zone === undefined ? '' : zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone;
  return `${date}T${time}${offset}`;
}

const RECORD_SEPARATOR = String.fromCharCode(0x1e);

const DATE_TYPES = new Set(['date', 'datetime', 'time']);

/** The child's refusal as the reader's error; outages and crashes stay as they are (the classifier decides). */
function readerErrorOf(error: unknown): unknown {
  if (!(error instanceof GdalTaskError) || error.failure.kind !== 'user') return error;
  const { code, message, extensions } = error.failure;
  if (code === 'unknown-layer') {
    const available = extensions?.available_layers;
    const list = Array.isArray(available) && available.length > 0 ? ` Its layers: ${available.join(', ')}.` : '';
    return new ReaderError(ReaderFailure.LayerNotFound, `${message}${list}`);
  }
  if (code === 'empty') return new ReaderError(ReaderFailure.Empty, message);
  return new ReaderError(ReaderFailure.Malformed, message);
}

async function* featureLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      // GeoJSONSeq may separate features with RS (RFC 8142); an empty line is no feature.
      const text = line.startsWith(RECORD_SEPARATOR) ? line.slice(1) : line;
      if (text.trim() !== '') yield text;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Opens a GeoPackage, GeoJSON or zipped shapefile through the GDAL child: it exports the layer
 * (`read.layer`, default the first) as newline-delimited GeoJSON in the layer's own CRS, and this
 * process reads that file without GDAL. `data` holds the properties under the layer's field names,
 * `geometry` the feature's geometry as GeoJSON text (null for a feature without one), `srid` the
 * layer's EPSG code.
 */
export async function openGdalReader(
  path: string,
  format: 'geojson' | 'gpkg' | 'zip',
  read: ImporterRead,
  options: GdalReaderOptions,
): Promise<SourceReader> {
  const outputPath = join(options.scratchDir ?? dirname(path), `.${basename(path)}.${randomUUID()}.geojsonl`);
  const exported = await exportLayer(
    {
      kind: 'layer-export',
      sourcePath: format === 'zip' ? `/vsizip/${path}` : path,
      layerName: read.layer,
      outputPath,
    },
    options,
  );
  return exportedLayerReader(format, outputPath, exported, new Set());
}

/** A remote service's layer, as RemoteSourceService opened it for GDAL (the guarded proxy in `gdalConfig`). */
export interface RemoteLayerInput {
  path: string;
  layerName: string | null;
  gdalConfig: Record<string, string>;
  /** The service's own count, when better than GDAL's (see RemoteGdalSource.featureCount). */
  featureCount: number | null;
  /** Columns of epoch milliseconds that are dates (ArcGIS): read as ISO date-times. */
  epochMsColumns: string[];
}

export interface RemoteLayerReaderOptions extends GdalReaderOptions {
  scratchDir: string;
  /** The layer's feature count as soon as the export knows it (before the features are fetched). */
  onTotal?: (features: number) => void;
}

/**
 * Opens one layer of a remote feature service (WFS, OGC API Features, ArcGIS): the GDAL child pages
 * through the service (every request through the guarded proxy of `gdalConfig`) and writes the features
 * to a scratch file as it goes, which is then read like a file layer's export. Fewer features than the
 * service counted (GDAL ends a paged read quietly when a page fails) fail the read.
 */
export async function openRemoteLayerReader(
  layer: RemoteLayerInput,
  options: RemoteLayerReaderOptions,
): Promise<SourceReader> {
  const outputPath = join(options.scratchDir, `.remote-layer.${randomUUID()}.geojsonl`);
  const onTotal = options.onTotal;
  const exported = await exportLayer(
    { kind: 'layer-export', sourcePath: layer.path, layerName: layer.layerName, outputPath },
    options,
    {
      gdalConfig: layer.gdalConfig,
      ...(onTotal
        ? {
            onTotal: (features: number) => {
              const count = layer.featureCount ?? features;
              // GDAL answers -1 when the service gives no count.
              if (count >= 0) onTotal(count);
            },
          }
        : {}),
    },
  );
  const reader = exportedLayerReader('geojson', outputPath, exported, new Set(layer.epochMsColumns));
  const expected = layer.featureCount ?? exported.result.features;
  if (expected >= 0 && reader.total < expected) {
    await reader.close();
    throw new ReaderError(
      ReaderFailure.Malformed,
      `The service delivered ${reader.total} of the ${expected} features it counted; nothing was imported.`,
    );
  }
  return reader;
}

/** An ISO date-time (UTC) for epoch milliseconds as a number or numeric text; anything else as it is. */
export function isoFromEpochMs(value: unknown): unknown {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(ms)) return value;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

interface ExportedLayer {
  result: LayerExportResult;
  outputPath: string;
  total: number;
}

/** Runs the layer export in the GDAL child and counts what it wrote; the output goes on failure. */
async function exportLayer(
  task: LayerExportTask,
  options: GdalReaderOptions,
  remote: { gdalConfig?: Record<string, string>; onTotal?: (features: number) => void } = {},
): Promise<ExportedLayer> {
  const running = options.runner.start<LayerExportResult>(
    task,
    remote.onTotal ? { onTotal: remote.onTotal } : {},
    remote.gdalConfig ? { gdalConfig: remote.gdalConfig } : {},
  );
  const kill = (): void => running.kill();
  if (options.signal?.aborted) kill();
  options.signal?.addEventListener('abort', kill, { once: true });
  try {
    const result = await running.result;
    let total = 0;
    for await (const line of featureLines(task.outputPath)) total += line ? 1 : 0;
    return { result, outputPath: task.outputPath, total };
  } catch (error) {
    await rm(task.outputPath, { force: true });
    throw readerErrorOf(error);
  } finally {
    options.signal?.removeEventListener('abort', kill);
  }
}

/** Reads an exported layer file: records in file order, numbered from 1; close() removes the file. */
function exportedLayerReader(
  format: SourceReader['format'],
  outputPath: string,
  exported: ExportedLayer,
  epochMs: Set<string>,
): SourceReader {
  const { result, total } = exported;
  const headers = result.fields.map((field) => field.name);
  const dated = new Set(result.fields.filter((f) => DATE_TYPES.has(f.type.toLowerCase())).map((f) => f.name));
  const valueOf = (header: string, value: unknown): unknown =>
    epochMs.has(header) ? isoFromEpochMs(value) : dated.has(header) ? isoFromOgr(value) : value;

  return {
    format,
    srid: result.epsg,
    headers,
    total,
    async *records(from?: number): AsyncGenerator<SourceRecord> {
      const first = resumeFrom(from);
      let rowNumber = 0;
      for await (const line of featureLines(outputPath)) {
        rowNumber += 1;
        if (rowNumber < first) continue;
        const feature = JSON.parse(line) as { properties?: Record<string, unknown> | null; geometry?: unknown };
        const properties = feature.properties ?? {};
        const data: Record<string, unknown> = {};
        for (const header of headers) data[header] = valueOf(header, properties[header] ?? null);
        const geometry = feature.geometry ? JSON.stringify(feature.geometry) : null;
        yield { row_number: rowNumber, data, geometry };
      }
    },
    close: () => rm(outputPath, { force: true }),
  };
}
