// Record readers for importer runs: one per source format, over a LOCAL file (the pipeline downloads the
// source first). Each open() makes one streaming pass (total and headers), records(from) streams again.
import type { ImporterRead, SourceFormat } from '@app/importers';
import { openCsvReader } from './csv.reader.js';
import { detectFormat } from './detect-format.js';
import { openGdalReader, type GdalTaskStarter } from './gdal.reader.js';
import { openJsonReader, openNdjsonReader } from './json.reader.js';
import type { SourceReader } from './source-reader.js';
import { openXlsxReader } from './xlsx.reader.js';

export { detectFormat } from './detect-format.js';
export { isoFromOgr, type GdalTaskStarter } from './gdal.reader.js';
export { RecordParseError, ReaderError, recordErrorOf } from './reader.errors.js';
export type { SourceReader } from './source-reader.js';

export interface OpenRecordReaderRequest {
  /** A local file. */
  path: string;
  /** Null or absent: detected from `filename` (or the path) and the file's first bytes. */
  format?: SourceFormat | null;
  read: ImporterRead;
  /** The name the user gave the file, for format detection. */
  filename?: string;
  /** GDAL formats (geojson, gpkg, zip): runs the layer export in the GDAL child (GdalTaskRunner). */
  gdal?: GdalTaskStarter;
  /** GDAL formats: where the exported layer is written (default: next to `path`); close() removes it. */
  scratchDir?: string;
  /** GDAL formats: aborting kills the export (a cancelled run). */
  signal?: AbortSignal;
}

/** Opens `path` for an importer run. Throws ReaderError for a file it cannot read as asked. */
export async function openRecordReader(request: OpenRecordReaderRequest): Promise<SourceReader> {
  const format = request.format ?? (await detectFormat(request.path, request.filename));
  switch (format) {
    case 'csv':
    case 'tsv':
      return openCsvReader(request.path, request.read, format);
    case 'xlsx':
      return openXlsxReader(request.path, request.read);
    case 'json':
      return openJsonReader(request.path, request.read);
    case 'ndjson':
      return openNdjsonReader(request.path, request.read);
    case 'geojson':
    case 'gpkg':
    case 'zip': {
      if (!request.gdal) throw new Error(`Reading ${format} needs the GDAL task runner`);
      return openGdalReader(request.path, format, request.read, {
        runner: request.gdal,
        ...(request.scratchDir === undefined ? {} : { scratchDir: request.scratchDir }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    }
    default: {
      const unknown: never = format;
      throw new Error(`Unknown source format '${String(unknown)}'`);
    }
  }
}
