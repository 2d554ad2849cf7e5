/**
 * Record readers for importer runs: one per source format, over a LOCAL file (the pipeline downloads the
 * source first). open() makes one streaming pass (exact `total`, `headers`); records(from) streams again
 * and skips rows before `from` without building them. Memory stays flat in the file size.
 *
 * What every reader does the same way:
 * - Row numbers start at 1 with the first data row; blank rows/lines are skipped and not numbered, so
 *   numbers are stable across reads (a retry or resume sees the same numbers).
 * - Every header is a key of every record's `data`: a missing cell, or a key a JSON record lacks, is null.
 * - Header names are unique and non-empty (`column_2` for an empty one, `name_2` for a repeat); cells
 *   beyond the header (ragged rows) are kept under `column_<position>`, which `headers` lists.
 * - A file that cannot be read as asked throws a ReaderError (code in `failure`, user-safe message). One
 *   unreadable record (an NDJSON line that is not JSON) does not: it is yielded with a RecordParseError
 *   (`recordErrorOf(record)`), its `data` all null, for the pipeline to fail that row only.
 * - CSV cells are strings ('' for an empty cell); XLSX cells are numbers, booleans, strings, dates as ISO
 *   text; JSON values are as parsed (nested objects kept; a non-object element becomes `{value}`).
 */
import { ReaderFailure } from '@app/common';
import type { ImporterRead, SourceFormat } from '@app/importers';
import { openCsvReader } from './csv.reader.js';
import { detectFormat } from './detect-format.js';
import { openGdalReader, type GdalTaskStarter } from './gdal.reader.js';
import { openJsonReader, openNdjsonReader } from './json.reader.js';
import { ReaderError } from './reader.errors.js';
import type { SourceReader } from './source-reader.js';

export { detectFormat } from './detect-format.js';
export {
  isoFromEpochMs,
  isoFromOgr,
  openRemoteLayerReader,
  type GdalTaskStarter,
  type RemoteLayerInput,
} from './gdal.reader.js';
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
  /**
   * Aborting stops the open: the first pass of a text or XLSX file stops at its next chunk or record, a
   * GDAL export is killed (a cancelled run, or an open past `timeoutMs`).
   */
  signal?: AbortSignal;
  /**
   * SOURCE_READ_TIMEOUT_MS: the longest open() (the first pass: parse and count) may take; past it the
   * open is abandoned (a GDAL export is killed) and a ReaderError `reader-too-slow` thrown. 0 or absent: none.
   */
  timeoutMs?: number;
}

/** Opens `path` for an importer run. Throws ReaderError for a file it cannot read as asked. */
export async function openRecordReader(request: OpenRecordReaderRequest): Promise<SourceReader> {
  const limit = request.timeoutMs ?? 0;
  if (limit <= 0) return openUnbounded(request);
  const controller = new AbortController();
  const outer = request.signal;
  const forward = (): void => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new ReaderError(
          ReaderFailure.TooSlow,
          `Reading the file took longer than ${limit >= 1000 ? `${Math.round(limit / 1000)} s` : `${limit} ms`}; it may be malformed or too large for one run.`,
        ),
      );
    }, limit);
  });
  const opening = openUnbounded({ ...request, signal: controller.signal });
  try {
    return await Promise.race([opening, timedOut]);
  } catch (error) {
    // Abandoned: a reader that still opens later is closed (its scratch file removed).
    if (controller.signal.aborted) void opening.then((reader) => reader.close()).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

async function openUnbounded(request: OpenRecordReaderRequest): Promise<SourceReader> {
  const format = request.format ?? (await detectFormat(request.path, request.filename));
  switch (format) {
    case 'csv':
    case 'tsv':
      return openCsvReader(request.path, request.read, format, request.signal);
    case 'xlsx': {
      // exceljs (with its zip and stream libraries) is loaded by the first XLSX run, not by every worker.
      const { openXlsxReader } = await import('./xlsx.reader.js');
      return openXlsxReader(request.path, request.read, request.signal);
    }
    case 'json':
      return openJsonReader(request.path, request.read, request.signal);
    case 'ndjson':
      return openNdjsonReader(request.path, request.read, request.signal);
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
