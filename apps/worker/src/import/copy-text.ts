import type { FieldType } from '@app/importers';

/**
 * Escapes one value for COPY's text format: backslash, and the characters that end fields and lines.
 * NUL characters are dropped: PostgreSQL text cannot hold them, and one would fail the whole COPY.
 */
export function escapeCopyText(text: string): string {
  return text.replace(/[\\\n\r\t\0]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : '',
  );
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A Date as the calendar day it names (UTC, as the importer's date cast produces it). */
function isoDay(date: Date): string {
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** One cast value in COPY text form (`\N` for null), for a staging column of `type`. */
export function copyValue(value: unknown, type: FieldType | 'text' | 'integer'): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return type === 'date' ? isoDay(value) : value.toISOString();
  if (type === 'json') return escapeCopyText(JSON.stringify(value));
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return escapeCopyText(value);
  return escapeCopyText(JSON.stringify(value));
}

/** One COPY text line (tab-separated, newline-terminated). */
export function copyLine(values: string[]): string {
  return `${values.join('\t')}\n`;
}
