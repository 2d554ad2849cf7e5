import { formatBytes } from '@app/common';
import { extensionOf, normaliseExtension } from './filename.js';
import type { RangeReader } from './range-reader.js';

export interface ZipLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
  /** Sum of the declared uncompressed sizes of all entries. */
  maxTotalUncompressedBytes: number;
  /** Per entry, uncompressed / compressed; an entry that declares 0 compressed bytes but content is infinite. */
  maxCompressionRatio: number;
  /** Entries with these extensions are archives inside the archive: refused, they would escape every check here. */
  nestedArchiveExtensions: readonly string[];
  /** Compression methods GDAL's /vsizip/ reads: 0 stored, 8 deflate. Others fail later, or hide a bomb. */
  allowedMethods: readonly number[];
  /** How many entry names the result lists. */
  maxListedNames: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 10_000,
  maxCentralDirectoryBytes: 32 * MiB,
  maxTotalUncompressedBytes: 2 * GiB,
  maxCompressionRatio: 500,
  // .kmz and .xlsx are ZIPs too; GDAL would open them through a second, unchecked /vsizip/ layer.
  nestedArchiveExtensions: [
    '.zip',
    '.tar',
    '.gz',
    '.tgz',
    '.rar',
    '.7z',
    '.bz2',
    '.xz',
    '.zst',
    '.tbz2',
    '.txz',
    '.kmz',
    '.xlsx',
  ],
  allowedMethods: [0, 8],
  maxListedNames: 1000,
});

/** Why an archive was refused, for callers and tests that branch on it; `reason` is the human text. */
export type ZipRejectionCode =
  | 'corrupt'
  | 'multi-disk'
  | 'empty'
  | 'too-many-entries'
  | 'central-directory-too-large'
  | 'too-large-uncompressed'
  | 'compression-ratio'
  | 'nested-archive'
  | 'unsafe-path'
  | 'symlink'
  | 'duplicate-name'
  | 'encrypted'
  | 'unsupported-method';

export type ZipPreflightResult =
  | { ok: true; entries: number; totalUncompressed: number; names: string[] }
  | { ok: false; code: ZipRejectionCode; reason: string };

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const UNICODE_PATH_EXTRA_ID = 0x7075;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const HOST_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

class Rejection extends Error {
  constructor(
    readonly code: ZipRejectionCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const corrupt = (what: string): Rejection =>
  new Rejection('corrupt', `The archive is damaged or not a ZIP file: ${what}.`);

/**
 * Pre-flight of a ZIP (or XLSX) before anything decompresses it: reads only the end-of-central-directory
 * records and the central directory through `reader`, so it costs two or three ranged reads whatever the
 * archive's size. It trusts the declared sizes, which is the point: a bomb is refused before GDAL inflates
 * a byte. Whoever later extracts must still stop at the declared sizes, since a forged header can lie.
 *
 * Refuses: damaged structure, split archives, more than `maxEntries` entries, a central directory over
 * `maxCentralDirectoryBytes`, more than `maxTotalUncompressedBytes` in total, an entry whose ratio is over
 * `maxCompressionRatio`, archives inside the archive, absolute or `..` entry names (zip-slip, with `\`
 * read as a separator too, and the Info-ZIP Unicode path checked as well as the plain one), symbolic
 * links, duplicate names (extractors disagree on which one wins), encrypted entries and compression
 * methods outside `allowedMethods`. Reasons may name the offending entry, never anything of ours.
 */
export async function zipPreflight(reader: RangeReader, limits: Partial<ZipLimits> = {}): Promise<ZipPreflightResult> {
  const l: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  try {
    const directory = await locateCentralDirectory(reader);
    if (directory.entries > l.maxEntries) {
      throw new Rejection(
        'too-many-entries',
        `The archive has ${directory.entries} entries; at most ${l.maxEntries} are allowed.`,
      );
    }
    if (directory.size > l.maxCentralDirectoryBytes) {
      throw new Rejection(
        'central-directory-too-large',
        `The archive's directory is ${formatBytes(directory.size)}; at most ${formatBytes(l.maxCentralDirectoryBytes)} is allowed.`,
      );
    }
    if (directory.offset + directory.size > directory.end) throw corrupt('its directory lies outside the file');
    if (directory.entries === 0) throw new Rejection('empty', 'The archive contains no files.');
    if (directory.size < directory.entries * CENTRAL_HEADER_SIZE) throw corrupt('its directory is too short');
    const buf = await readExact(reader, directory.offset, directory.size);
    return checkEntries(buf, directory, l);
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, code: error.code, reason: error.reason };
    throw error;
  }
}

interface CentralDirectory {
  entries: number;
  size: number;
  offset: number;
  /** Where the directory must end by: the first end record. */
  end: number;
}

async function locateCentralDirectory(reader: RangeReader): Promise<CentralDirectory> {
  if (reader.size < EOCD_SIZE) throw corrupt('it is too short');
  const tailStart = Math.max(0, reader.size - (EOCD_SIZE + MAX_COMMENT));
  const tail = await readExact(reader, tailStart, reader.size - tailStart);
  // Scan back from the end for the record whose comment ends exactly at the end of the file: a comment
  // may itself contain the signature, and the last one is the one extractors use.
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt('its end-of-directory record is missing (truncated upload?)');
  const eocdOffset = tailStart + at;
  const eocd = tail.subarray(at, at + EOCD_SIZE);
  const dir = {
    disk: eocd.readUInt16LE(4),
    directoryDisk: eocd.readUInt16LE(6),
    entriesOnDisk: eocd.readUInt16LE(8),
    entries: eocd.readUInt16LE(10),
    size: eocd.readUInt32LE(12),
    offset: eocd.readUInt32LE(16),
  };

  const zip64 = await readZip64Record(reader, eocdOffset);
  if (!zip64) {
    if (dir.disk !== 0 || dir.directoryDisk !== 0 || dir.entriesOnDisk !== dir.entries) throw multiDisk();
    return { entries: dir.entries, size: dir.size, offset: dir.offset, end: eocdOffset };
  }
  // Where the classic record carries a real value it must agree with the ZIP64 one, or two readers
  // could see two different archives.
  const agrees = (classic: number, wide: number, sentinel: number): boolean => classic === sentinel || classic === wide;
  if (
    !agrees(dir.entries, zip64.entries, U16_MAX) ||
    !agrees(dir.entriesOnDisk, zip64.entriesOnDisk, U16_MAX) ||
    !agrees(dir.size, zip64.size, U32_MAX) ||
    !agrees(dir.offset, zip64.offset, U32_MAX)
  ) {
    throw corrupt('its ZIP64 record contradicts its end record');
  }
  if (zip64.disk !== 0 || zip64.directoryDisk !== 0 || zip64.entriesOnDisk !== zip64.entries) throw multiDisk();
  return { entries: zip64.entries, size: zip64.size, offset: zip64.offset, end: zip64.recordOffset };
}

interface Zip64Record {
  recordOffset: number;
  disk: number;
  directoryDisk: number;
  entriesOnDisk: number;
  entries: number;
  size: number;
  offset: number;
}

/** The ZIP64 end record when a locator sits right before the classic end record, else null. */
async function readZip64Record(reader: RangeReader, eocdOffset: number): Promise<Zip64Record | null> {
  const locatorOffset = eocdOffset - ZIP64_LOCATOR_SIZE;
  if (locatorOffset < 0) return null;
  const locator = await readExact(reader, locatorOffset, ZIP64_LOCATOR_SIZE);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) return null;
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) throw multiDisk();
  const recordOffset = u64(locator, 8);
  if (recordOffset + ZIP64_EOCD_SIZE > locatorOffset) throw corrupt('its ZIP64 locator points outside the file');
  const record = await readExact(reader, recordOffset, ZIP64_EOCD_SIZE);
  if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw corrupt('its ZIP64 end record has a bad signature');
  return {
    recordOffset,
    disk: record.readUInt32LE(16),
    directoryDisk: record.readUInt32LE(20),
    entriesOnDisk: u64(record, 24),
    entries: u64(record, 32),
    size: u64(record, 40),
    offset: u64(record, 48),
  };
}

function checkEntries(buf: Buffer, directory: CentralDirectory, l: ZipLimits): ZipPreflightResult {
  const nested = new Set(l.nestedArchiveExtensions.map(normaliseExtension));
  const seen = new Set<string>();
  const names: string[] = [];
  let total = 0;
  let pos = 0;
  for (let i = 0; i < directory.entries; i += 1) {
    const entry = readCentralHeader(buf, pos);
    pos = entry.next;
    const shown = displayName(entry.name);
    if (entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
      throw new Rejection('encrypted', `Entry "${shown}" is encrypted; upload the archive without a password.`);
    }
    if (!l.allowedMethods.includes(entry.method)) {
      throw new Rejection(
        'unsupported-method',
        `Entry "${shown}" uses compression method ${entry.method}, which is not supported; re-create the archive with standard (Deflate) compression.`,
      );
    }
    for (const name of entry.unicodePath === null ? [entry.name] : [entry.name, entry.unicodePath]) {
      if (!isSafeEntryPath(name)) {
        throw new Rejection(
          'unsafe-path',
          `Entry "${displayName(name)}" has an absolute path or a '..' segment; archive entries must stay inside the archive.`,
        );
      }
    }
    if (entry.hostSystem === HOST_UNIX && ((entry.externalAttributes >>> 16) & S_IFMT) === S_IFLNK) {
      throw new Rejection('symlink', `Entry "${shown}" is a symbolic link; archives must hold regular files only.`);
    }
    const key = entry.name.replaceAll('\\', '/');
    if (seen.has(key)) throw new Rejection('duplicate-name', `The archive holds entry "${shown}" more than once.`);
    seen.add(key);
    const isDirectory = key.endsWith('/');
    if (!isDirectory && nested.has(extensionOf(key))) {
      throw new Rejection(
        'nested-archive',
        `Entry "${shown}" is an archive inside the archive; upload its contents directly instead.`,
      );
    }
    if (entry.uncompressed > 0) {
      const ratio = entry.compressed === 0 ? Infinity : entry.uncompressed / entry.compressed;
      if (ratio > l.maxCompressionRatio) {
        const shownRatio = Number.isFinite(ratio) ? `${Math.round(ratio)}:1` : 'from nothing';
        throw new Rejection(
          'compression-ratio',
          `Entry "${shown}" expands ${shownRatio} (at most ${l.maxCompressionRatio}:1 is allowed); it looks like a zip bomb.`,
        );
      }
    }
    total += entry.uncompressed;
    if (total > l.maxTotalUncompressedBytes) {
      throw new Rejection(
        'too-large-uncompressed',
        `The archive expands to more than ${formatBytes(l.maxTotalUncompressedBytes)}, the most allowed.`,
      );
    }
    if (entry.localHeaderOffset + LOCAL_HEADER_SIZE > directory.offset) {
      throw corrupt(`entry "${shown}" points outside the file`);
    }
    if (names.length < l.maxListedNames) names.push(entry.name);
  }
  if (pos !== buf.length) throw corrupt('its directory size does not match its entries');
  return { ok: true, entries: directory.entries, totalUncompressed: total, names };
}

interface CentralHeader {
  hostSystem: number;
  flags: number;
  method: number;
  compressed: number;
  uncompressed: number;
  externalAttributes: number;
  localHeaderOffset: number;
  name: string;
  /** The Info-ZIP Unicode Path extra field: some extractors write this name instead of `name`. */
  unicodePath: string | null;
  next: number;
}

function readCentralHeader(buf: Buffer, pos: number): CentralHeader {
  if (pos + CENTRAL_HEADER_SIZE > buf.length || buf.readUInt32LE(pos) !== CENTRAL_HEADER_SIGNATURE) {
    throw corrupt('an entry in its directory has a bad signature');
  }
  const flags = buf.readUInt16LE(pos + 8);
  const nameLength = buf.readUInt16LE(pos + 28);
  const extraLength = buf.readUInt16LE(pos + 30);
  const commentLength = buf.readUInt16LE(pos + 32);
  const nameStart = pos + CENTRAL_HEADER_SIZE;
  const extraStart = nameStart + nameLength;
  const next = extraStart + extraLength + commentLength;
  if (next > buf.length) throw corrupt('an entry runs past the end of its directory');
  // Without the UTF-8 flag names are CP437; latin1 keeps the ASCII the checks care about byte-for-byte.
  const name = buf.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1', nameStart, extraStart);
  if (name.length === 0) throw corrupt('an entry has no name');
  const header: CentralHeader = {
    hostSystem: buf.readUInt8(pos + 5),
    flags,
    method: buf.readUInt16LE(pos + 10),
    compressed: buf.readUInt32LE(pos + 20),
    uncompressed: buf.readUInt32LE(pos + 24),
    externalAttributes: buf.readUInt32LE(pos + 38),
    localHeaderOffset: buf.readUInt32LE(pos + 42),
    name,
    unicodePath: null,
    next,
  };
  const diskStart = buf.readUInt16LE(pos + 34);
  applyExtraFields(buf.subarray(extraStart, extraStart + extraLength), header, diskStart);
  return header;
}

function applyExtraFields(extra: Buffer, header: CentralHeader, diskStart: number): void {
  let disk = diskStart;
  let sawZip64 = false;
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const size = extra.readUInt16LE(p + 2);
    const data = extra.subarray(p + 4, p + 4 + size);
    if (data.length !== size) throw corrupt(`entry "${displayName(header.name)}" has a damaged extra field`);
    if (id === ZIP64_EXTRA_ID) {
      // Only the fields whose classic value is the sentinel are present, in this order.
      sawZip64 = true;
      let q = 0;
      const take = (bytes: 8 | 4): number => {
        if (q + bytes > data.length) throw corrupt(`entry "${displayName(header.name)}" has a short ZIP64 field`);
        const value = bytes === 8 ? u64(data, q) : data.readUInt32LE(q);
        q += bytes;
        return value;
      };
      if (header.uncompressed === U32_MAX) header.uncompressed = take(8);
      if (header.compressed === U32_MAX) header.compressed = take(8);
      if (header.localHeaderOffset === U32_MAX) header.localHeaderOffset = take(8);
      if (disk === U16_MAX) disk = take(4);
    } else if (id === UNICODE_PATH_EXTRA_ID && size >= 5) {
      header.unicodePath = data.toString('utf8', 5);
    }
    p += 4 + size;
  }
  const wanted =
    header.uncompressed === U32_MAX || header.compressed === U32_MAX || header.localHeaderOffset === U32_MAX;
  if (wanted && !sawZip64) throw corrupt(`entry "${displayName(header.name)}" lacks its ZIP64 sizes`);
  if (disk !== 0) throw multiDisk();
}

/** False for absolute names (`/x`, `\x`, `C:x`), `..` segments and NUL bytes. */
function isSafeEntryPath(name: string): boolean {
  if (name.includes('\0')) return false;
  const path = name.replaceAll('\\', '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return false;
  return !path.split('/').includes('..');
}

function multiDisk(): Rejection {
  return new Rejection('multi-disk', 'Split (multi-part) ZIP archives are not supported; upload a single archive.');
}

/** A 64-bit little-endian field; values past 2^53 only ever fail a limit, so they are clamped. */
function u64(buf: Buffer, offset: number): number {
  const value = buf.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

async function readExact(reader: RangeReader, start: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  if (start < 0 || start + length > reader.size) throw corrupt('it is truncated');
  const buf = await reader.read(start, start + length - 1);
  if (buf.length !== length) throw corrupt('it is truncated');
  return buf;
}

/** Entry names are the uploader's own, but may hold control characters meant for a terminal or a log. */
function displayName(name: string): string {
  const clean = name.replace(/\p{Cc}/gu, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
