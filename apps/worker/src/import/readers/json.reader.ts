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

/** Deepest nesting of a record (objects and arrays) a reader accepts: deeper is no table, and costs stack. */
export const MAX_JSON_DEPTH = 256;

/**
 * Longest NDJSON line, in characters: a line is held whole to be parsed, so a file that is one enormous
 * line would otherwise be read into memory at once.
 */
export const MAX_NDJSON_LINE = 16 * 1024 * 1024;

const tooDeep = (where: string): string =>
  `${where} nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; it does not look like rows of a table.`;

/** The deepest nesting of objects and arrays in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

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
  // The depth of the whole document: the records' own plus the pointer's and the array's.
  let depth = 0;
  const maxDepth = MAX_JSON_DEPTH + tokens.length + 1;
  const depthGuard = new Transform({
    objectMode: true,
    transform(token: { name: string }, _encoding, done) {
      if (token.name === 'startObject' || token.name === 'startArray') {
        depth += 1;
        if (depth > maxDepth) {
          done(new ReaderError(ReaderFailure.Malformed, tooDeep('The file')));
          return;
        }
      } else if (token.name === 'endObject' || token.name === 'endArray') depth -= 1;
      done(null, token);
    },
  });
  stages.splice(1, 0, depthGuard);
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
export async function openJsonReader(path: string, read: ImporterRead, signal?: AbortSignal): Promise<SourceReader> {
  const encoding = await resolveEncoding(path, read.encoding);
  pointerTokens(read.pointer);
  const union = new HeaderUnion();
  let total = 0;
  for await (const value of jsonElements(path, encoding, read.pointer)) {
    signal?.throwIfAborted();
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

type NdjsonLine =
  { row: number; line: number; value: unknown } | { row: number; line: number; error: 'syntax' | 'depth' };

/**
 * The lines of decoded text (LF or CRLF), each at most MAX_NDJSON_LINE characters: a longer line fails
 * the read before it is held whole (readline would buffer it without bound).
 */
async function* boundedLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let pending: string[] = [];
  let pendingLength = 0;
  let line = 0;
  const take = (tail: string): string => {
    const text = pending.length > 0 ? pending.join('') + tail : tail;
    pending = [];
    pendingLength = 0;
    line += 1;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (pendingLength + end - start > MAX_NDJSON_LINE) throw lineTooLong(line + 1);
      yield take(chunk.slice(start, end));
      start = end + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.slice(start));
      pendingLength += chunk.length - start;
      if (pendingLength > MAX_NDJSON_LINE) throw lineTooLong(line + 1);
    }
  }
  if (pendingLength > 0) yield take('');
}

function lineTooLong(line: number): ReaderError {
  return new ReaderError(
    ReaderFailure.Malformed,
    `Line ${line} is longer than ${MAX_NDJSON_LINE.toLocaleString('en-US')} characters; NDJSON holds one record per line.`,
  );
}

/**
 * Non-blank lines of an NDJSON file, parsed. A line that is not JSON (or nests too deep) is passed on as
 * an error rather than thrown: it fails its row, not the run. A line over MAX_NDJSON_LINE fails the run.
 */
async function* ndjsonLines(
  path: string,
  encoding: string,
  parse: (row: number) => boolean,
): AsyncGenerator<NdjsonLine> {
  let line = 0;
  let row = 0;
  for await (const text of boundedLines(decodedText(path, encoding))) {
    line += 1;
    if (text.trim() === '') continue;
    row += 1;
    if (!parse(row)) {
      yield { row, line, value: undefined };
      continue;
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      yield { row, line, error: 'depth' };
      continue;
    }
    try {
      yield { row, line, value: JSON.parse(text) as unknown };
    } catch {
      yield { row, line, error: 'syntax' };
    }
  }
}

/**
 * Opens an NDJSON (JSON Lines) file: one record per non-blank line. A malformed line is counted in
 * `total` and yielded as a record carrying a RecordParseError (see `recordErrorOf`) with empty data.
 */
export async function openNdjsonReader(path: string, read: ImporterRead, signal?: AbortSignal): Promise<SourceReader> {
  const encoding = await resolveEncoding(path, read.encoding);
  const union = new HeaderUnion();
  let total = 0;
  for await (const entry of ndjsonLines(path, encoding, () => true)) {
    signal?.throwIfAborted();
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
            parse_error: new RecordParseError(
              entry.error === 'depth' ? tooDeep(`Line ${entry.line}`) : `Line ${entry.line} is not valid JSON.`,
            ),
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
