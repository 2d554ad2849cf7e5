import { createInterface } from 'node:readline';
import { Readable, Transform, pipeline } from 'node:stream';
import { ReaderFailure } from '@app/common';
import type { ImporterRead, SourceRecord } from '@app/importers';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { RecordParseError, ReaderError } from './reader.errors.js';
import { resumeFrom, type SourceReader } from './source-reader.js';
import { decodedText, resolveEncoding } from './text-source.js';

/** More distinct keys than this is a map mistaken for a list of records, not a table. */
export const MAX_JSON_HEADERS = 10_000;

/**
 * A record's fields. Objects are records as they are (nested values stay objects); anything else in the
 * array (a number, a string, a nested array) becomes `{value: …}`, so a list of codes imports into a
 * `value` column instead of failing.
 */
function recordData(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return { value };
}

/** Collects keys in first-seen order, up to the cap. */
class HeaderUnion {
  private readonly seen = new Set<string>();

  add(data: Record<string, unknown>): void {
    for (const key of Object.keys(data)) {
      if (this.seen.has(key)) continue;
      if (this.seen.size >= MAX_JSON_HEADERS) {
        throw new ReaderError(
          ReaderFailure.Malformed,
          `The records have more than ${MAX_JSON_HEADERS} distinct keys; they do not look like rows of a table.`,
        );
      }
      this.seen.add(key);
    }
  }

  get headers(): string[] {
    return [...this.seen];
  }
}

/** Every header is present in the record: keys a record lacks read as null, as a CSV's missing cells do. */
function complete(data: Record<string, unknown>, headers: readonly string[]): Record<string, unknown> {
  for (const header of headers) if (!Object.hasOwn(data, header)) data[header] = null;
  return data;
}

/** `/data/items` → `['data', 'items']` (RFC 6901: `~1` is `/`, `~0` is `~`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new ReaderError(
      ReaderFailure.PointerNotArray,
      `read.pointer '${pointer}' is not a JSON Pointer (it must start with '/').`,
    );
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const JSON_SYNTAX = 'The file is not valid JSON';

/** The elements of the array at `pointer`, one at a time. */
async function* jsonElements(path: string, encoding: string, pointer: string): AsyncGenerator {
  const tokens = pointerTokens(pointer);
  let found = false;
  // Sees the first token of the picked value: an array is what the pointer must name.
  const gate = new Transform({
    objectMode: true,
    transform(token: { name: string }, _encoding, done) {
      if (!found) {
        found = true;
        if (token.name !== 'startArray') {
          done(notArray(pointer, 'is not an array'));
          return;
        }
      }
      done(null, token);
    },
  });
  const stages: NodeJS.ReadWriteStream[] = [parser.asStream()];
  if (tokens.length > 0) {
    stages.push(
      pick.asStream({
        filter: (stack) => stack.length === tokens.length && stack.every((key, i) => String(key) === tokens[i]),
        once: true,
        maxDepth: 256,
      }),
    );
  }
  const source = Readable.from(decodedText(path, encoding));
  const elements = pipeline(
    [source, ...stages, gate, streamArray.asStream()] as unknown as [NodeJS.ReadableStream, NodeJS.ReadWriteStream],
    () => undefined,
  ) as unknown as AsyncIterable<{ value: unknown }>;
  try {
    for await (const { value } of elements) yield value;
  } catch (error) {
    if (error instanceof ReaderError) throw error;
    const message = error instanceof Error ? error.message : '';
    if (/should be an array/i.test(message)) throw notArray(pointer, 'is not an array');
    throw new ReaderError(ReaderFailure.Malformed, `${JSON_SYNTAX}.`);
  } finally {
    source.destroy();
  }
  if (!found) throw notArray(pointer, 'does not exist');
}

function notArray(pointer: string, what: string): ReaderError {
  const where = pointer === '' ? 'The top level of the file' : `The value at read.pointer '${pointer}'`;
  return new ReaderError(ReaderFailure.PointerNotArray, `${where} ${what}; it must be an array of records.`);
}

/** Opens a JSON file whose records are the array at `read.pointer` ('' = the top level). */
export async function openJsonReader(path: string, read: ImporterRead): Promise<SourceReader> {
  const encoding = await resolveEncoding(path, read.encoding);
  pointerTokens(read.pointer);
  const union = new HeaderUnion();
  let total = 0;
  for await (const value of jsonElements(path, encoding, read.pointer)) {
    union.add(recordData(value));
    total += 1;
  }
  const headers = union.headers;
  return {
    format: 'json',
    srid: null,
    headers,
    total,
    async *records(from?: number): AsyncGenerator<SourceRecord> {
      const first = resumeFrom(from);
      let rowNumber = 0;
      for await (const value of jsonElements(path, encoding, read.pointer)) {
        rowNumber += 1;
        if (rowNumber < first) continue;
        yield { row_number: rowNumber, data: complete(recordData(value), headers), geometry: null };
      }
    },
    close: () => Promise.resolve(),
  };
}

type NdjsonLine = { row: number; line: number; value: unknown } | { row: number; line: number; error: true };

/**
 * Non-blank lines of an NDJSON file, parsed. A line that is not JSON is passed on as an error rather
 * than thrown: it fails its row, not the run.
 */
async function* ndjsonLines(
  path: string,
  encoding: string,
  parse: (row: number) => boolean,
): AsyncGenerator<NdjsonLine> {
  const input = Readable.from(decodedText(path, encoding));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let row = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      row += 1;
      if (!parse(row)) {
        yield { row, line, value: undefined };
        continue;
      }
      try {
        yield { row, line, value: JSON.parse(text) as unknown };
      } catch {
        yield { row, line, error: true };
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Opens an NDJSON (JSON Lines) file: one record per non-blank line. A malformed line is counted in
 * `total` and yielded as a record carrying a RecordParseError (see `recordErrorOf`) with empty data.
 */
export async function openNdjsonReader(path: string, read: ImporterRead): Promise<SourceReader> {
  const encoding = await resolveEncoding(path, read.encoding);
  const union = new HeaderUnion();
  let total = 0;
  for await (const entry of ndjsonLines(path, encoding, () => true)) {
    total += 1;
    if (!('error' in entry)) union.add(recordData(entry.value));
  }
  const headers = union.headers;
  return {
    format: 'ndjson',
    srid: null,
    headers,
    total,
    async *records(from?: number): AsyncGenerator<SourceRecord> {
      const first = resumeFrom(from);
      for await (const entry of ndjsonLines(path, encoding, (row) => row >= first)) {
        if (entry.row < first) continue;
        if ('error' in entry) {
          const record: SourceRecord & { parse_error: RecordParseError } = {
            row_number: entry.row,
            data: complete({}, headers),
            geometry: null,
            parse_error: new RecordParseError(`Line ${entry.line} is not valid JSON.`),
          };
          yield record;
          continue;
        }
        yield { row_number: entry.row, data: complete(recordData(entry.value), headers), geometry: null };
      }
    },
    close: () => Promise.resolve(),
  };
}
