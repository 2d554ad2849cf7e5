import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { ReaderFailure } from '@app/common';
import type { ImporterRead, SourceRecord } from '@app/importers';
import ExcelJS from 'exceljs';
import { Open, type File as ZipEntry } from 'unzipper';
import { extendHeaders, isBlankRow, uniqueHeaders } from './headers.js';
import { ReaderError } from './reader.errors.js';
import { resumeFrom, type SourceReader } from './source-reader.js';

/** Excel's day 0 for the 1900 date system (1899-12-30, which absorbs Excel's 1900 leap-year bug). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const EXCEL_1904_EPOCH_MS = Date.UTC(1904, 0, 1);
const DAY_MS = 86_400_000;

/**
 * A date as text: `YYYY-MM-DD` when it has no time of day, else the full ISO form. Spreadsheet dates have
 * no zone; exceljs reads them as UTC, so the ISO text carries the wall-clock time the sheet shows.
 */
export function isoDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

interface CellContext {
  /** The cell's number format: a formula's cached number under a date format is a date too. */
  numFmt: string | undefined;
  date1904: boolean;
}

const DATE_FORMAT = /[dmyhs]/i;
/** Literal text in quotes or brackets (`"km"`, `[Red]`) says nothing about dates. */
const FORMAT_LITERALS = /"[^"]*"|\[[^\]]*\]|\\./g;

function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt || numFmt === 'General') return false;
  return DATE_FORMAT.test(numFmt.replace(FORMAT_LITERALS, ''));
}

/**
 * A cell value as a record holds it: numbers, booleans and strings as they are; dates as ISO text;
 * rich text as its plain text; hyperlinks as their text; formulas as their cached result (null when the
 * workbook holds none); error values as their text (`#DIV/0!`), so a rule fails on them visibly.
 */
export function cellValue(value: unknown, context: CellContext): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isNaN(value) ? null : value;
  if (value instanceof Date) return isoDate(value);
  if (typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) {
    return (v.richText as { text?: unknown }[]).map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
  }
  if ('formula' in v || 'sharedFormula' in v) {
    const result = v.result;
    if (typeof result === 'number' && isDateFormat(context.numFmt) && !Number.isNaN(result)) {
      const epoch = context.date1904 ? EXCEL_1904_EPOCH_MS : EXCEL_EPOCH_MS;
      return isoDate(new Date(epoch + Math.round(result * DAY_MS)));
    }
    return cellValue(result, context);
  }
  if ('error' in v) return typeof v.error === 'string' ? v.error : null;
  if ('text' in v) return cellValue(v.text, context);
  return null;
}

/** What a sheet is asked for by: a name, or a 1-based position in the workbook's tab order. */
function wantedSheet(sheet: string | number | null): { name: string } | { index: number } {
  if (sheet === null) return { index: 1 };
  if (typeof sheet === 'number') return { index: sheet };
  return { name: sheet };
}

/**
 * The parts of exceljs's streaming `WorkbookReader` this reader drives directly. Its own `parse()` reads the
 * zip front to back with a streaming unzip; when worksheets come before the shared strings (as in
 * workbooks exceljs itself writes) it parks them in temporary files, and in that path it intermittently
 * stops before the last entries (measured: ~3 % of reads of a small workbook lose `xl/workbook.xml`),
 * failing the read or missing a sheet. Here the zip's central directory is read first (random access on
 * the local file) and the parts are parsed in the order the sheet needs: relationships, workbook, shared
 * strings, styles, then only the wanted sheet — nothing parked, nothing else read. exceljs is pinned to
 * an exact version (package.json); the reader's tests cover these calls.
 */
interface ExcelWorkbookParts {
  model?: { sheets?: { name: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  properties?: { model?: { date1904?: boolean } };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(
    iterator: AsyncIterable<Buffer>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: ExcelJS.stream.xlsx.WorksheetReader }>;
}

interface SheetRow {
  number: number;
  cells: unknown[];
}

/** A relationship target as a zip path: relative to `xl/`, or absolute (`/xl/…`). */
function partPath(target: string): string {
  return target.startsWith('/') ? target.slice(1) : posix.normalize(`xl/${target}`);
}

/** The zip's entries by path (central directory); a file that is no zip is Malformed. */
async function openZip(path: string): Promise<Map<string, ZipEntry>> {
  try {
    const directory = await Open.file(path);
    return new Map(directory.files.filter((f) => f.type === 'File').map((f) => [f.path, f]));
  } catch (cause) {
    throw malformed(cause);
  }
}

function malformed(cause: unknown): ReaderError {
  const error = new ReaderError(ReaderFailure.Malformed, 'The file is not a readable Excel workbook (.xlsx).');
  // For the worker's log (the message above is what the user sees).
  error.cause = cause;
  return error;
}

/* oxlint-disable no-underscore-dangle -- exceljs's part parsers, driven in order (see ExcelWorkbookParts). */
/** Parses relationships, workbook, shared strings (cached, yields nothing) and styles into `workbook`. */
async function parseWorkbookParts(
  workbook: ExcelWorkbookParts,
  rels: ZipEntry,
  book: ZipEntry,
  entries: Map<string, ZipEntry>,
): Promise<void> {
  await workbook._parseRels(rels.stream());
  await workbook._parseWorkbook(book.stream());
  const strings = entries.get('xl/sharedStrings.xml');
  if (strings) for await (const _ of workbook._parseSharedStrings(strings.stream()));
  const styles = entries.get('xl/styles.xml');
  if (styles) await workbook._parseStyles(styles.stream());
}

/** A streaming reader of the worksheet in zip entry `part` (`sheetNo`: its 1-based tab position, an id only). */
function worksheetReader(
  workbook: ExcelWorkbookParts,
  part: ZipEntry,
  sheetNo: string,
): ExcelJS.stream.xlsx.WorksheetReader {
  const emitted = workbook._parseWorksheet(part.stream(), sheetNo).next();
  if (emitted.done) throw new Error('no worksheet reader');
  return emitted.value.value;
}
/* oxlint-enable no-underscore-dangle */

/**
 * The rows of the wanted sheet from the header row on, non-blank ones only, with normalised values.
 * Only the workbook's directory, relationships, shared strings (the sheet's cells refer to them) and
 * styles are held; the sheet itself is streamed.
 */
async function* sheetRows(path: string, read: ImporterRead): AsyncGenerator<SheetRow> {
  const wanted = wantedSheet(read.sheet);
  const entries = await openZip(path);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Number formats tell dates from numbers.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as ExcelWorkbookParts;
  let worksheet: ExcelJS.stream.xlsx.WorksheetReader;
  try {
    const rels = entries.get('xl/_rels/workbook.xml.rels');
    const book = entries.get('xl/workbook.xml');
    if (!rels || !book) throw new Error('no workbook part');
    await parseWorkbookParts(workbook, rels, book, entries);
    const sheets = workbook.model?.sheets ?? [];
    const name = 'name' in wanted ? matchName(sheets, wanted.name) : sheets[wanted.index - 1]?.name;
    const position = sheets.findIndex((s) => s.name === name);
    const sheet = sheets[position];
    const target = workbook.workbookRels?.find((rel) => rel.Id === sheet?.rId)?.Target;
    const part = target === undefined ? undefined : entries.get(partPath(target));
    if (!part) {
      const which = 'name' in wanted ? `no sheet named '${wanted.name}'` : `no sheet ${wanted.index}`;
      throw new ReaderError(ReaderFailure.SheetNotFound, `The workbook has ${which}.`);
    }
    worksheet = worksheetReader(workbook, part, String(position + 1));
  } catch (error) {
    if (error instanceof ReaderError) throw error;
    throw malformed(error);
  }
  const date1904 = workbook.properties?.model?.date1904 === true;
  try {
    for await (const row of worksheet) {
      if (row.number < read.header_row) continue;
      const cells: unknown[] = [];
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        cells[column - 1] = cellValue(cell.value, { numFmt: cell.numFmt, date1904 });
      });
      if (!isBlankRow(cells)) yield { number: row.number, cells };
    }
  } catch (error) {
    throw malformed(error);
  }
}

/** Exact name first; else ignoring case, as Excel itself does (it refuses two sheets differing only in case). */
function matchName(sheets: { name: string }[], wanted: string): string | undefined {
  return (
    sheets.find((s) => s.name === wanted)?.name ??
    sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase())?.name
  );
}

/**
 * Opens one sheet of an XLSX workbook (`read.sheet`, default the first; `read.header_row` is the
 * sheet's row number holding the header). Blank rows are skipped; a data row's cells map to the header
 * by column, cells beyond the header are kept under `column_<position>`.
 */
export async function openXlsxReader(path: string, read: ImporterRead, signal?: AbortSignal): Promise<SourceReader> {
  let declared: string[] | null = null;
  let width = 0;
  let total = 0;
  for await (const row of sheetRows(path, read)) {
    signal?.throwIfAborted();
    if (declared === null) {
      // A gap in the header row (`cells` is sparse) is an empty name: `column_<n>`.
      declared = uniqueHeaders(Array.from(row.cells, (cell) => cell ?? null));
      continue;
    }
    total += 1;
    if (row.cells.length > width) width = row.cells.length;
  }
  if (declared === null) {
    throw new ReaderError(ReaderFailure.Empty, `The sheet has no header row at or after row ${read.header_row}.`);
  }
  const headers = extendHeaders(declared, width);
  return {
    format: 'xlsx',
    srid: null,
    headers,
    total,
    async *records(from?: number): AsyncGenerator<SourceRecord> {
      const first = resumeFrom(from);
      let rowNumber = -1;
      for await (const row of sheetRows(path, read)) {
        rowNumber += 1;
        if (rowNumber < first) continue;
        const data: Record<string, unknown> = {};
        for (let i = 0; i < headers.length; i += 1) data[headers[i] as string] = row.cells[i] ?? null;
        yield { row_number: rowNumber, data, geometry: null };
      }
    },
    close: () => Promise.resolve(),
  };
}
