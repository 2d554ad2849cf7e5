import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { ReaderFailure } from '@app/common';
import type { SourceFormat } from '@app/importers';
import { SNIFF_HEAD_BYTES, sniffContent } from '@app/security';
import { ReaderError } from './reader.errors.js';

const BY_EXTENSION: Record<string, SourceFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xlsx': 'xlsx',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.geojson': 'geojson',
  // Newline-delimited GeoJSON: GDAL's GeoJSONSeq driver reads it.
  '.geojsonl': 'geojson',
  '.geojsons': 'geojson',
  '.gpkg': 'gpkg',
  '.zip': 'zip',
};

/** Binary formats whose signature the upload checks (libs/security) know. */
const BINARY_EXTENSIONS = new Set(['.xlsx', '.gpkg', '.zip']);

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
/** An OOXML workbook names its parts early in the archive. */
const XLSX_MARKERS = ['xl/workbook.xml', 'xl/worksheets/', '[Content_Types].xml'];
const FEATURE_COLLECTION = /"type"\s*:\s*"FeatureCollection"/;

async function headOf(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SNIFF_HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * The format of a local file, from the extension of `filename` (the name the user gave it; default the
 * path's own) checked against the first bytes, or from the bytes alone when the extension says nothing.
 * A `.json` file holding a FeatureCollection is read as GeoJSON (through GDAL, with its geometry).
 */
export async function detectFormat(path: string, filename?: string): Promise<SourceFormat> {
  const ext = extname(filename ?? path).toLowerCase();
  const head = await headOf(path);
  if (head.length === 0) throw new ReaderError(ReaderFailure.Empty, 'The file is empty.');
  const claimed = BY_EXTENSION[ext];
  if (claimed && BINARY_EXTENSIONS.has(ext)) {
    const verdict = sniffContent(head, ext);
    if (!verdict.ok) throw new ReaderError(ReaderFailure.UnknownFormat, verdict.reason);
    return claimed;
  }
  if (claimed === 'json') return FEATURE_COLLECTION.test(textOf(head)) ? 'geojson' : 'json';
  if (claimed) return claimed;
  return fromContent(head, ext);
}

function textOf(head: Buffer): string {
  return head.toString('utf8').replace(/^\uFEFF/, '');
}

function fromContent(head: Buffer, ext: string): SourceFormat {
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return 'gpkg';
  if (head.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) {
    const listing = head.toString('latin1');
    return XLSX_MARKERS.some((marker) => listing.includes(marker)) ? 'xlsx' : 'zip';
  }
  const text = textOf(head);
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    if (FEATURE_COLLECTION.test(text)) return 'geojson';
    // Several lines that each start an object: JSON Lines.
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (first === '{' && lines.length > 1 && lines.every((line) => line.trimStart().startsWith('{'))) return 'ndjson';
    return 'json';
  }
  if (looksLikeText(head)) return 'csv';
  throw new ReaderError(
    ReaderFailure.UnknownFormat,
    `Files of type ${ext || '(no extension)'} are not supported: use CSV, TSV, XLSX, JSON, NDJSON, GeoJSON, GeoPackage or a zipped shapefile.`,
  );
}

/** Text (any of the encodings the CSV reader takes): a UTF-16 BOM, or no NUL bytes. */
function looksLikeText(head: Buffer): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return true;
  }
  return !head.includes(0);
}
