import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ReaderFailure } from '@app/common';
import type { LayerExportResult } from '@app/contracts';
import type { ImporterRead, SourceRecord } from '@app/importers';
import type { LayerExportTask } from '../../ingest/gdal-task.protocol.js';
import { GdalTaskError, type RunningTask } from '../../ingest/gdal-task.runner.js';
import { ReaderError } from './reader.errors.js';
import { resumeFrom, type SourceReader } from './source-reader.js';

/** What the reader needs of GdalTaskRunner: starting a task in the GDAL child. */
export interface GdalTaskStarter {
  start<T>(task: LayerExportTask): RunningTask<T>;
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
  const task = options.runner.start<LayerExportResult>({
    kind: 'layer-export',
    sourcePath: format === 'zip' ? `/vsizip/${path}` : path,
    layerName: read.layer,
    outputPath,
  });
  const kill = (): void => task.kill();
  if (options.signal?.aborted) kill();
  options.signal?.addEventListener('abort', kill, { once: true });
  let result: LayerExportResult;
  let total = 0;
  try {
    result = await task.result;
    for await (const line of featureLines(outputPath)) total += line ? 1 : 0;
  } catch (error) {
    await rm(outputPath, { force: true });
    throw readerErrorOf(error);
  } finally {
    options.signal?.removeEventListener('abort', kill);
  }
  const headers = result.fields.map((field) => field.name);
  const dated = new Set(result.fields.filter((f) => DATE_TYPES.has(f.type.toLowerCase())).map((f) => f.name));

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
        for (const header of headers) {
          const value = properties[header] ?? null;
          data[header] = dated.has(header) ? isoFromOgr(value) : value;
        }
        const geometry = feature.geometry ? JSON.stringify(feature.geometry) : null;
        yield { row_number: rowNumber, data, geometry };
      }
    },
    close: () => rm(outputPath, { force: true }),
  };
}
