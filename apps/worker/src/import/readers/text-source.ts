import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { ReaderFailure } from '@app/common';
import iconv from 'iconv-lite';
import { ReaderError } from './reader.errors.js';

/** Names iconv-lite spells differently from what users write; everything else goes to iconv-lite as is. */
const UTF8_NAMES = new Set(['utf8', 'utf-8']);

const NOT_UTF8 = 'The file is not valid UTF-8 text; set read.encoding to its encoding (e.g. windows-1252).';

/**
 * The encoding to decode a text file with. A byte-order mark wins over the declared encoding: it is
 * unambiguous, and a UTF-16 file under the default `utf-8` is the usual spreadsheet export.
 */
export async function resolveEncoding(path: string, declared: string): Promise<string> {
  const head = Buffer.alloc(3);
  const file = await open(path, 'r');
  let length: number;
  try {
    ({ bytesRead: length } = await file.read(head, 0, 3, 0));
  } finally {
    await file.close();
  }
  if (length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const name = declared.trim().toLowerCase();
  if (UTF8_NAMES.has(name)) return 'utf-8';
  if (!iconv.encodingExists(name)) {
    throw new ReaderError(
      ReaderFailure.BadEncoding,
      `Unknown encoding '${declared}' in read.encoding (use e.g. utf-8, latin1, windows-1252, utf-16le).`,
    );
  }
  return name;
}

/**
 * The file's text, decoded chunk by chunk (the BOM dropped). UTF-8 is decoded strictly: bytes that are
 * not UTF-8 (a windows-1252 file read as UTF-8) fail the read instead of turning into U+FFFD in the data.
 */
export async function* decodedText(path: string, encoding: string): AsyncGenerator<string> {
  const input = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    if (encoding === 'utf-8') {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      try {
        for await (const chunk of input) yield decoder.decode(chunk as Buffer, { stream: true });
        const rest = decoder.decode();
        if (rest) yield rest;
      } catch (error) {
        if (error instanceof TypeError) {
          throw new ReaderError(ReaderFailure.BadEncoding, NOT_UTF8);
        }
        throw error;
      }
      return;
    }
    const decoder = iconv.getDecoder(encoding, { stripBOM: true });
    for await (const chunk of input) {
      const text = decoder.write(chunk as Buffer);
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    input.destroy();
  }
}

/**
 * The bytes of a UTF-8 file, checked strictly as they stream (a byte that is not UTF-8 fails the read,
 * as `decodedText` does), the BOM dropped. For parsers that take bytes (csv-parse): decoding to text
 * first would make them encode it back, then decode every field again. `readSize`: the bytes per read.
 * `checked`: this file (the run's own copy, unchanged since) was read whole here already, so its bytes are
 * known to be UTF-8 and are not checked again; a sequence may then be cut between two reads.
 */
export async function* utf8Bytes(
  path: string,
  readSize = 256 * 1024,
  { checked = false }: { checked?: boolean } = {},
): AsyncGenerator<Buffer> {
  const input = createReadStream(path, { highWaterMark: readSize });
  let carry: Buffer | null = null;
  let first = true;
  try {
    for await (const read of input) {
      let chunk: Buffer = carry ? Buffer.concat([carry, read as Buffer]) : (read as Buffer);
      carry = null;
      if (first) {
        first = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      if (checked) {
        if (chunk.length > 0) yield chunk;
        continue;
      }
      // A sequence cut by the chunk boundary is checked with the next chunk.
      const whole = completeUtf8Length(chunk);
      if (whole < chunk.length) {
        carry = Buffer.from(chunk.subarray(whole));
        chunk = chunk.subarray(0, whole);
      }
      if (!isUtf8(chunk)) throw new ReaderError(ReaderFailure.BadEncoding, NOT_UTF8);
      if (chunk.length > 0) yield chunk;
    }
    if (carry) throw new ReaderError(ReaderFailure.BadEncoding, NOT_UTF8);
  } finally {
    input.destroy();
  }
}

/**
 * The length of `bytes` up to the last complete UTF-8 sequence: a lead byte in the last three bytes
 * whose sequence runs past the end is cut off (everything else, even invalid, is left for `isUtf8`).
 */
export function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] as number;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

/** The first `maxChars` characters of the decoded file (fewer when it is shorter), for sniffing. */
export async function textHead(path: string, encoding: string, maxChars: number): Promise<string> {
  let head = '';
  for await (const text of decodedText(path, encoding)) {
    head += text;
    if (head.length >= maxChars) break;
  }
  return head.slice(0, maxChars);
}
