import { open } from 'node:fs/promises';
import { SNIFF_HEAD_BYTES } from './sniff.js';

/**
 * Random access to the bytes of one object: a local file, an S3 object through ranged GETs, a buffer.
 * `read` returns bytes `start..endInclusive` (HTTP Range semantics); callers stay within `size`.
 */
export interface RangeReader {
  readonly size: number;
  read(start: number, endInclusive: number): Promise<Buffer>;
}

export interface ClosableRangeReader extends RangeReader {
  close(): Promise<void>;
}

export function bufferRangeReader(buf: Buffer): RangeReader {
  return {
    size: buf.length,
    read: async (start, endInclusive) => buf.subarray(start, endInclusive + 1),
  };
}

/** Opens `path` for positional reads; the caller must `close()` it (see `withFileRangeReader`). */
export async function fileRangeReader(path: string): Promise<ClosableRangeReader> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  return {
    size,
    async read(start, endInclusive) {
      const length = Math.max(0, Math.min(endInclusive, size - 1) - start + 1);
      const buf = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buf, filled, length - filled, start + filled);
        if (bytesRead === 0) break; // the file shrank under us; the caller sees a short buffer
        filled += bytesRead;
      }
      return buf.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}

/** Runs `fn` with a reader over `path` and closes the file whatever happens. */
export async function withFileRangeReader<T>(path: string, fn: (reader: RangeReader) => Promise<T>): Promise<T> {
  const reader = await fileRangeReader(path);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

/** The first `bytes` bytes (or the whole object when smaller): what `sniffContent` wants. */
export async function readHead(reader: RangeReader, bytes = SNIFF_HEAD_BYTES): Promise<Buffer> {
  if (reader.size === 0) return Buffer.alloc(0);
  return reader.read(0, Math.min(bytes, reader.size) - 1);
}
