import type { IngestRow } from '@app/jobs';

/** Columns appended to the original ones; a re-upload of the file to the same importer ignores them. */
export const ERROR_MESSAGE_COLUMN = '_error_message';
export const ROW_NUMBER_COLUMN = '_row_number';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell: a spreadsheet must never read it as a formula (DESIGN §4: a cell starting with `=`, `+`,
 * `-`, `@`, tab or CR that is not a plain number gets a leading `'`), and it is quoted per RFC 4180 when
 * it holds a quote, comma or line break.
 */
export function csvCell(value: unknown): string {
  let text = cellText(value);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The row's failure in one cell: the message, then each field's validation messages. */
export function errorMessageOf(row: Pick<IngestRow, 'errors'>): string {
  const errors = row.errors;
  if (!errors) return '';
  const details = Object.entries(errors.validation ?? {}).flatMap(([field, messages]) =>
    messages.map((message) => `${field}: ${message}`),
  );
  return details.length > 0 ? `${errors.message} ${details.join('; ')}` : errors.message;
}

export function headerLine(headers: readonly string[]): string {
  return csvLine([...headers, ERROR_MESSAGE_COLUMN, ROW_NUMBER_COLUMN]);
}

export function rowLine(headers: readonly string[], row: Pick<IngestRow, 'data' | 'errors' | 'rowNumber'>): string {
  return csvLine([...headers.map((h) => row.data[h]), errorMessageOf(row), row.rowNumber]);
}

/** The CSV of failed rows, line by line, as the cursor yields batches; nothing is held beyond one batch. */
export async function* failedRowsCsv(
  headers: readonly string[],
  batches: AsyncIterable<Pick<IngestRow, 'data' | 'errors' | 'rowNumber'>[]>,
): AsyncGenerator<string> {
  yield headerLine(headers);
  for await (const batch of batches) yield batch.map((row) => rowLine(headers, row)).join('');
}
