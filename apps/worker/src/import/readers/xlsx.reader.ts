import { createReadStream } from 'node:fs';
import { ReaderFailure } from '@app/common';
import type { ImporterRead, SourceRecord } from '@app/importers';
import ExcelJS from 'exceljs';
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

interface WorkbookModel {
  model?: { sheets?: { name: string }[] };
  properties?: { model?: { date1904?: boolean } };
}

interface SheetRow {
  number: number;
  cells: unknown[];
}

/**
 * The rows of the wanted sheet from the header row on, non-blank ones only, with normalised values.
 * The workbook is read as a stream: other sheets are skipped as they pass, shared strings are kept (the
 * sheet's cells refer to them), nothing else is held.
 */
async function* sheetRows(path: string, read: ImporterRead): AsyncGenerator<SheetRow> {
  const wanted = wantedSheet(read.sheet);
  const input = createReadStream(path);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Number formats tell dates from numbers.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let matched = false;
  try {
    for await (const worksheet of workbook) {
      const state = workbook as unknown as WorkbookModel;
      const sheets = state.model?.sheets ?? [];
      const name = (worksheet as unknown as { name: string }).name;
      const target = 'name' in wanted ? matchName(sheets, wanted.name) : sheets[wanted.index - 1]?.name;
      if (target === undefined || name !== target) continue;
      matched = true;
      const date1904 = state.properties?.model?.date1904 === true;
      for await (const row of worksheet) {
        if (row.number < read.header_row) continue;
        const cells: unknown[] = [];
        row.eachCell({ includeEmpty: false }, (cell, column) => {
          cells[column - 1] = cellValue(cell.value, { numFmt: cell.numFmt, date1904 });
        });
        if (!isBlankRow(cells)) yield { number: row.number, cells };
      }
      break;
    }
  } catch (error) {
    if (error instanceof ReaderError) throw error;
    throw new ReaderError(ReaderFailure.Malformed, 'The file is not a readable Excel workbook (.xlsx).');
  } finally {
    input.destroy();
  }
  if (!matched) {
    const which = 'name' in wanted ? `no sheet named '${wanted.name}'` : `no sheet ${wanted.index}`;
    throw new ReaderError(ReaderFailure.SheetNotFound, `The workbook has ${which}.`);
  }
}

/** Exact name first; else ignoring case, as Excel itself does (it refuses two sheets differing only in case). */
function matchName(sheets: { name: string }[], wanted: string): string | undefined {
  return (
    sheets.find((s) => s.name === wanted)?.name ??
    sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase())?.name ??
    // Before the workbook part is read (unusual part order) the names are unknown: match the sheet's own.
    (sheets.length === 0 ? wanted : undefined)
  );
}

/**
 * Opens one sheet of an XLSX workbook (`read.sheet`, default the first; `read.header_row` is the
 * sheet's row number holding the header). Blank rows are skipped; a data row's cells map to the header
 * by column, cells beyond the header are kept under `column_<position>`.
 */
export async function openXlsxReader(path: string, read: ImporterRead): Promise<SourceReader> {
  let declared: string[] | null = null;
  let width = 0;
  let total = 0;
  for await (const row of sheetRows(path, read)) {
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
