import { Readable } from 'node:stream';
import { ReaderFailure } from '@app/common';
import type { ImporterRead, SourceRecord } from '@app/importers';
import { parse, type CsvError } from 'csv-parse';
import { CsvRecordCounter } from './csv-count.js';
import { PLAIN_READ_BYTES, PlainCsvCheck } from './plain-csv.js';
import { extendHeaders, isBlankRow, uniqueHeaders } from './headers.js';
import { ReaderError } from './reader.errors.js';
import { resumeFrom, type SourceReader } from './source-reader.js';
import { decodedText, resolveEncoding, textHead, utf8Bytes } from './text-source.js';

/** Delimiters tried when `read.delimiter` is null, in order of preference on a tie. */
export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;
/** How much text and how many records the delimiter sniff looks at. */
const SNIFF_CHARS = 64 * 1024;
const SNIFF_RECORDS = 50;

/**
 * The delimiter of a CSV sample: the candidate that splits the first record (the header) into the most
 * fields while splitting the following records into the same number, counted outside quotes so a
 * quoted `"Smith, John"` does not vote for `,`. `,` when nothing splits anything (a one-column file).
 */
export function sniffDelimiter(sample: string): string {
  const records = recordsOutsideQuotes(sample);
  let best: { delimiter: string; consistent: number; fields: number } | null = null;
  for (const delimiter of CANDIDATE_DELIMITERS) {
    const counts = records.map((record) => record.split(delimiter).length - 1);
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const consistent = counts.filter((count) => count === header).length;
    if (!best || consistent > best.consistent || (consistent === best.consistent && header > best.fields)) {
      best = { delimiter, consistent, fields: header };
    }
  }
  return best?.delimiter ?? ',';
}

/**
 * The sample split into records, keeping only the text outside quoted fields. The last record is
 * dropped when the sample was cut short (it may be cut mid-record); blank lines are skipped.
 */
function recordsOutsideQuotes(sample: string): string[] {
  const records: string[] = [];
  let inQuotes = false;
  let current = '';
  for (const char of sample) {
    if (char === '"') {
      inQuotes = !inQuotes;
    } else if (!inQuotes && (char === '\n' || char === '\r')) {
      if (current.trim() !== '') records.push(current);
      current = '';
      if (records.length >= SNIFF_RECORDS) return records;
    } else if (!inQuotes) {
      current += char;
    }
  }
  if (current.trim() !== '' && sample.length < SNIFF_CHARS) records.push(current);
  return records;
}

/** The text from line `line` (1-based) on: what the sniff looks at when a preamble precedes the header. */
function fromLine(text: string, line: number): string {
  let at = 0;
  for (let skipped = 1; skipped < line; skipped += 1) {
    const next = text.indexOf('\n', at);
    if (next < 0) return '';
    at = next + 1;
  }
  return text.slice(at);
}

interface CsvLayout {
  encoding: string;
  delimiter: string;
  headerRow: number;
}

/**
 * Raw rows of the file from its header row on (blank rows skipped), as arrays of strings, in batches of
 * what the parser has ready. Quoted fields may hold delimiters, quotes (`""`) and newlines; rows may be
 * shorter or longer than the header. UTF-8 reaches the parser as checked bytes; other encodings as text.
 */
async function* csvRowBatches(path: string, layout: CsvLayout): AsyncGenerator<string[][]> {
  const parser = parse({
    delimiter: layout.delimiter,
    from_line: layout.headerRow,
    relax_column_count: true,
    // A stray quote inside an unquoted field (`5" screen`) is kept as text, as spreadsheets write it.
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const input = Readable.from(layout.encoding === 'utf-8' ? utf8Bytes(path) : decodedText(path, layout.encoding));
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const rows of drained<string[]>(parser)) {
      const kept = rows.filter((row) => !isBlankRow(row));
      if (kept.length > 0) yield kept;
    }
  } catch (error) {
    if (isCsvError(error)) throw malformed(error);
    throw error;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/**
 * The objects of a readable object stream in batches of whatever it has buffered: one await per batch
 * rather than one per object (an async iterator over a stream costs a promise per record).
 */
export async function* drained<T>(stream: Readable): AsyncGenerator<T[]> {
  let failure: { error: unknown } | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const onReadable = (): void => wake?.();
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown): void => {
    failure = { error };
    wake?.();
  };
  stream.on('readable', onReadable);
  stream.on('end', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (failure) throw (failure as { error: unknown }).error;
      const batch: T[] = [];
      for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) batch.push(item);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (ended || stream.destroyed) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('error', onError);
  }
}

function isCsvError(error: unknown): error is CsvError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^CSV_/.test((error as CsvError).code)
  );
}

function malformed(error: CsvError): ReaderError {
  const line = typeof error.lines === 'number' ? ` near line ${error.lines}` : '';
  const what =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted field is never closed'
      : error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? 'a row has the wrong number of fields'
        : 'it cannot be parsed';
  return new ReaderError(ReaderFailure.Malformed, `The CSV file is malformed${line}: ${what}.`);
}

/**
 * Opens a CSV/TSV file: resolves the encoding and the delimiter, reads the header, and counts the data
 * rows in one streaming pass (a character-level counter, not the parser: see CsvRecordCounter). Records map
 * each header to its cell; a missing cell reads as null, cells beyond the header are kept under
 * `column_<position>` (part of `headers`).
 */
export async function openCsvReader(
  path: string,
  read: ImporterRead,
  format: 'csv' | 'tsv',
  signal?: AbortSignal,
): Promise<SourceReader> {
  const encoding = await resolveEncoding(path, read.encoding);
  const headerRow = read.header_row;
  const delimiter =
    read.delimiter ??
    (format === 'tsv' ? '\t' : sniffDelimiter(fromLine(await textHead(path, encoding, SNIFF_CHARS), headerRow)));
  const layout: CsvLayout = { encoding, delimiter, headerRow };

  let declared: string[] | null = null;
  for await (const [row] of csvRowBatches(path, layout)) {
    declared = uniqueHeaders(row as string[]);
    break;
  }
  if (declared === null) {
    throw new ReaderError(
      ReaderFailure.Empty,
      headerRow === 1 ? 'The file has no header row.' : `The file has no header row at or after line ${headerRow}.`,
    );
  }
  const { rows, width, plain } = await countRows(path, layout, signal);
  const headers = extendHeaders(declared, width);
  let total = rows;

  return {
    format,
    srid: null,
    headers,
    plain: plain ? { path, delimiter, headerRow, headers } : null,
    get total() {
      return total;
    },
    async *records(from?: number): AsyncGenerator<SourceRecord> {
      const first = resumeFrom(from);
      let rowNumber = -1;
      for await (const batch of csvRowBatches(path, layout)) {
        for (const row of batch) {
          rowNumber += 1;
          if (rowNumber < first) continue;
          const data: Record<string, unknown> = {};
          for (let i = 0; i < headers.length; i += 1) data[headers[i] as string] = row[i] ?? null;
          yield { row_number: rowNumber, data, geometry: null };
        }
      }
      // The parser is the authority: after a full read the total is the number of rows it returned.
      total = Math.max(rowNumber, 0);
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Data rows and the widest row. The counter answers for single-character delimiters and files whose
 * quotes close; otherwise the parser counts (and refuses a malformed file with the line it stopped at).
 * An aborted `signal` stops the count at the next chunk.
 */
async function countRows(
  path: string,
  layout: CsvLayout,
  signal?: AbortSignal,
): Promise<{ rows: number; width: number; plain: boolean }> {
  let plain = false;
  if (layout.delimiter.length === 1) {
    const counter = new CsvRecordCounter(layout.delimiter, layout.headerRow);
    // The characters the counter looks at are ASCII: in UTF-8 it can count bytes, without decoding.
    if (layout.encoding === 'utf-8' && layout.delimiter.charCodeAt(0) < 0x80) {
      const check = new PlainCsvCheck();
      // Read as the plain-CSV path reads (4 MiB at a time): with 256 KiB reads the pass took ~100 ms more.
      for await (const bytes of utf8Bytes(path, PLAIN_READ_BYTES)) {
        signal?.throwIfAborted();
        counter.feedBytes(bytes);
        check.feed(bytes);
      }
      plain = check.isPlain;
    } else {
      for await (const text of decodedText(path, layout.encoding)) {
        signal?.throwIfAborted();
        counter.feed(text);
      }
    }
    const count = counter.end();
    if (count.closed) return { rows: Math.max(count.records - 1, 0), width: count.maxWidth, plain };
  }
  let rows = -1;
  let width = 0;
  for await (const batch of csvRowBatches(path, layout)) {
    signal?.throwIfAborted();
    for (const row of batch) {
      rows += 1;
      if (rows > 0 && row.length > width) width = row.length;
    }
  }
  return { rows: Math.max(rows, 0), width, plain: false };
}
