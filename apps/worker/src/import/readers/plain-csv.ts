// A "plain" CSV — UTF-8, no quote character, no carriage return — has one record per line and one field
// per delimiter, so its data rows can be cut out of the bytes without a parser and handed to PostgreSQL's
// own CSV reader (COPY … FORMAT csv). The cut follows the CSV reader exactly: lines before `header_row`
// skipped, blank rows (every cell whitespace) skipped and not numbered, the header row skipped, data rows
// numbered from 1.
import { isBlankRow } from './headers.js';
import { utf8Bytes } from './text-source.js';

const LF = 0x0a;
/**
 * Bytes per read of `plainCsvChunks`: several chunks' worth, so most chunks lie within one read buffer and
 * are handed on without a copy (a chunk across two reads is joined). A few such buffers are alive at once.
 * The CSV reader's counting pass reads the same size (csv.reader.ts).
 */
export const PLAIN_READ_BYTES = 4 * 1024 * 1024;

/** What the pipeline needs to read a plain CSV's rows itself. */
export interface PlainCsv {
  path: string;
  delimiter: string;
  headerRow: number;
  /** The reader's headers (the header row, extended for the widest row): one COPY column each. */
  headers: string[];
}

/** Rows `firstRow`… of a plain CSV as COPY input: each row its line, `\n`-terminated. */
export interface PlainChunk {
  index: number;
  firstRow: number;
  rows: number;
  bytes: Buffer;
}

/** Tracks, over the bytes of a UTF-8 file, whether it is plain (no `"`, no CR, no NUL). */
export class PlainCsvCheck {
  private plain = true;

  feed(bytes: Buffer): void {
    if (this.plain && (bytes.indexOf(0x22) >= 0 || bytes.indexOf(0x0d) >= 0 || bytes.indexOf(0) >= 0)) {
      this.plain = false;
    }
  }

  get isPlain(): boolean {
    return this.plain;
  }
}

/** True when the line (no line end) is a blank row for the CSV reader: every cell empty or whitespace. */
export function isBlankLine(bytes: Buffer, start: number, end: number, delimiter: number): boolean {
  for (let i = start; i < end; i += 1) {
    const b = bytes[i] as number;
    if (b === delimiter || b === 0x20 || (b >= 0x09 && b <= 0x0d)) continue;
    if (b < 0x80) return false;
    // Non-ASCII: decide as the reader does (String#trim knows Unicode whitespace).
    return isBlankRow(bytes.toString('utf8', start, end).split(String.fromCharCode(delimiter)));
  }
  return true;
}

/** A plain CSV line's cells under `headers`, as the CSV reader builds them (a missing cell is null). */
export function plainRecordData(line: string, delimiter: string, headers: string[]): Record<string, unknown> {
  const cells = line.split(delimiter);
  const data: Record<string, unknown> = {};
  for (let i = 0; i < headers.length; i += 1) data[headers[i] as string] = cells[i] ?? null;
  return data;
}

/**
 * The data rows of a plain CSV in chunks of `size`, from chunk `firstChunk` on (earlier rows are skipped
 * without being copied), reading `readSize` bytes at a time. Memory holds the read buffers the chunks
 * handed on still point into.
 */
export async function* plainCsvChunks(
  plain: PlainCsv,
  size: number,
  firstChunk = 0,
  readSize = PLAIN_READ_BYTES,
): AsyncGenerator<PlainChunk> {
  const delimiter = plain.delimiter.charCodeAt(0);
  const skipRows = firstChunk * size;
  let line = 0;
  let headerSeen = false;
  let row = 0;
  let parts: Buffer[] = [];
  // The lines taken since the last part, while they follow each other in one buffer: `open[start, end)`.
  let open: Buffer | null = null;
  let openStart = 0;
  let openEnd = 0;
  const flush = (): void => {
    if (open) parts.push(open.subarray(openStart, openEnd));
    open = null;
  };
  let chunkRows = 0;
  let index = firstChunk;

  const take = (bytes: Buffer, start: number, end: number): void => {
    line += 1;
    if (line < plain.headerRow || isBlankLine(bytes, start, end, delimiter)) return;
    if (!headerSeen) {
      headerSeen = true;
      return;
    }
    row += 1;
    if (row <= skipRows) return;
    // Lines that follow each other in one buffer make one part.
    if (open !== bytes || openEnd !== start) {
      flush();
      open = bytes;
      openStart = start;
    }
    openEnd = end + 1;
    chunkRows += 1;
  };
  const cut = (): PlainChunk => {
    flush();
    const chunk: PlainChunk = {
      index,
      firstRow: row - chunkRows + 1,
      rows: chunkRows,
      bytes: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts),
    };
    index += 1;
    parts = [];
    chunkRows = 0;
    return chunk;
  };

  // The start of a line that has not ended yet, in pieces: joined once when it ends, so a very long line
  // costs its length, not its length squared.
  let partial: Buffer[] = [];
  // The count that found the file plain read it whole as UTF-8 (csv.reader.ts): no second check.
  for await (const read of utf8Bytes(plain.path, readSize, { checked: true })) {
    let bytes: Buffer = read;
    let at = 0;
    if (partial.length > 0) {
      const end = read.indexOf(LF);
      if (end < 0) {
        partial.push(read);
        continue;
      }
      bytes = Buffer.concat([...partial, read.subarray(0, end + 1)]);
      partial = [];
      take(bytes, 0, bytes.length - 1);
      if (chunkRows >= size) yield cut();
      bytes = read;
      at = end + 1;
    }
    for (;;) {
      const end = bytes.indexOf(LF, at);
      if (end < 0) break;
      take(bytes, at, end);
      at = end + 1;
      if (chunkRows >= size) yield cut();
    }
    // Read buffers are never reused: the parts may point into them until the chunk is cut.
    if (at < bytes.length) partial.push(bytes.subarray(at));
  }
  if (partial.length > 0) {
    const last = Buffer.concat([...partial, Buffer.from([LF])]);
    take(last, 0, last.length - 1);
  }
  if (chunkRows > 0) yield cut();
}
