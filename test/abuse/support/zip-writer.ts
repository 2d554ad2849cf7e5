import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A small ZIP writer for the hostile corpus: it writes what a well-behaved archiver refuses to (names with
 * `..` or a leading `/`, symbolic links, duplicate names, the encryption flag, declared sizes that lie,
 * central-directory entries sharing one local entry). Stored or deflated entries, no ZIP64.
 */
export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Deflate the data (default true). */
  deflate?: boolean;
  /** Unix mode for the external attributes (e.g. 0o120777 for a symbolic link); made by Unix when set. */
  unixMode?: number;
  /** Set the "encrypted" flag (the data is not actually encrypted). */
  encryptedFlag?: boolean;
  /** Declared uncompressed size, when it should lie. */
  declaredSize?: number;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

interface Written {
  entry: ZipEntry;
  name: Buffer;
  offset: number;
  crc: number;
  compressed: number;
  method: number;
}

/**
 * The fields a local header and its central-directory entry share, from "version needed" to the extra
 * field's length: flags, method, DOS time and date, CRC, sizes (the declared size may lie), name length.
 */
function sharedFields(w: Omit<Written, 'offset'>): Buffer[] {
  const { entry, name, crc, compressed, method } = w;
  return [
    u16(20),
    u16(entry.encryptedFlag ? 0x0801 : 0x0800),
    u16(method),
    u16(0),
    u16(0x21),
    u32(crc),
    u32(compressed),
    u32(entry.declaredSize ?? entry.data.length),
    u16(name.length),
    u16(0),
  ];
}

function localHeader(w: Omit<Written, 'offset'>): Buffer {
  return Buffer.concat([u32(0x04034b50), ...sharedFields(w), w.name]);
}

function centralHeader(w: Written): Buffer {
  const { entry, name, offset } = w;
  const madeBy = entry.unixMode === undefined ? 20 : (3 << 8) | 20;
  return Buffer.concat([
    u32(0x02014b50),
    u16(madeBy),
    ...sharedFields(w),
    // Comment length, disk number, internal attributes; external attributes carry the Unix mode.
    u16(0),
    u16(0),
    u16(0),
    u32(entry.unixMode === undefined ? 0 : entry.unixMode * 0x10000),
    u32(offset),
    name,
  ]);
}

function endRecord(entries: number, size: number, offset: number): Buffer {
  return Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries), u16(entries), u32(size), u32(offset), u16(0)]);
}

/** A ZIP of `entries`, in order. */
export function zip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  for (const entry of entries) {
    const method = entry.deflate === false ? 0 : 8;
    const body = method === 8 ? deflateRawSync(entry.data, { level: 9 }) : entry.data;
    const w = { entry, name: Buffer.from(entry.name, 'utf8'), crc: crc32(entry.data), compressed: body.length, method };
    const header = localHeader(w);
    written.push({ ...w, offset });
    parts.push(header, body);
    offset += header.length + body.length;
  }
  const central = Buffer.concat(written.map(centralHeader));
  return Buffer.concat([...parts, central, endRecord(written.length, central.length, offset)]);
}

/**
 * A non-recursive "overlapping" bomb: one deflated local entry, and `count` central-directory entries
 * that all point at it, each declaring its full size. Every entry inflates the same bytes.
 */
export function overlappingZip(data: Buffer, count: number): Buffer {
  const body = deflateRawSync(data, { level: 9 });
  const base = { entry: { name: 'f0.csv', data }, crc: crc32(data), compressed: body.length, method: 8 };
  const header = localHeader({ ...base, name: Buffer.from('f0.csv') });
  const central = Buffer.concat(
    Array.from({ length: count }, (_, i) =>
      centralHeader({
        ...base,
        entry: { name: `f${i}.csv`, data },
        name: Buffer.from(`f${i}.csv`),
        offset: 0,
      }),
    ),
  );
  const start = header.length + body.length;
  return Buffer.concat([header, body, central, endRecord(count, central.length, start)]);
}
