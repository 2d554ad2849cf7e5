import { normaliseExtension } from './filename.js';

/** How many leading bytes callers should pass to `sniffContent` (or the whole file when it is smaller). */
export const SNIFF_HEAD_BYTES = 8192;

export type SniffResult = { ok: true; detected: string } | { ok: false; reason: string; status: 415 | 422 };

/** What a known binary signature says a file is. */
interface Signature {
  kind: string;
  /** For messages: "an ELF executable". */
  label: string;
  matches(head: Buffer): boolean;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const startsWith =
  (...prefixes: string[]) =>
  (head: Buffer): boolean =>
    prefixes.some((p) => head.subarray(0, p.length).equals(ascii(p)));

const SQLITE_MAGIC = 'SQLite format 3\0';
/** GeoPackage `application_id` values (big-endian at offset 68): 1.2+ writes GPKG, 1.0/1.1 wrote GP10/GP11. */
const GPKG_APPLICATION_IDS = ['GPKG', 'GP10', 'GP11'];

/** A PE image: `MZ`, and the DOS header's e_lfanew (offset 0x3C) pointing at `PE\0\0`. */
function isPortableExecutable(head: Buffer): boolean {
  if (!startsWith('MZ')(head) || head.length < 0x40) return false;
  const peOffset = head.readUInt32LE(0x3c);
  if (peOffset + 4 <= head.length && head.subarray(peOffset, peOffset + 4).equals(ascii('PE\0\0'))) return true;
  // Old DOS executables and PE images with a huge stub: a DOS header is full of zero bytes, text is not.
  return head.subarray(0, 0x40).includes(0);
}

/**
 * Signatures recognised in any file, in order. Only specific ones: a CSV whose first column is called
 * `MZ_CODE` or `BZh` must not read as an executable or a bzip2 stream.
 */
const SIGNATURES: readonly Signature[] = [
  { kind: 'sqlite', label: 'an SQLite database', matches: startsWith(SQLITE_MAGIC) },
  { kind: 'zip', label: 'a ZIP archive', matches: startsWith('PK\x03\x04', 'PK\x05\x06', 'PK\x07\x08') },
  { kind: 'tiff', label: 'a TIFF image', matches: startsWith('II*\0', 'MM\0*') },
  { kind: 'bigtiff', label: 'a BigTIFF image', matches: startsWith('II+\0', 'MM\0+') },
  { kind: 'flatgeobuf', label: 'a FlatGeobuf file', matches: startsWith('fgb\x03fgb') },
  { kind: 'elf', label: 'an ELF executable', matches: startsWith('\x7fELF') },
  { kind: 'pe', label: 'a Windows executable', matches: isPortableExecutable },
  { kind: 'mach-o', label: 'a macOS executable', matches: startsWith('\xcf\xfa\xed\xfe', '\xce\xfa\xed\xfe') },
  { kind: 'gzip', label: 'a gzip archive', matches: startsWith('\x1f\x8b') },
  { kind: 'bzip2', label: 'a bzip2 archive', matches: (h) => /^BZh[1-9]1AY&SY/.test(h.toString('latin1', 0, 10)) },
  { kind: 'xz', label: 'an xz archive', matches: startsWith('\xfd7zXZ\0') },
  { kind: 'zstd', label: 'a Zstandard archive', matches: startsWith('\x28\xb5\x2f\xfd') },
  { kind: '7z', label: 'a 7-Zip archive', matches: startsWith("7z\xbc\xaf'\x1c") },
  { kind: 'rar', label: 'a RAR archive', matches: startsWith('Rar!\x1a\x07') },
  { kind: 'pdf', label: 'a PDF document', matches: startsWith('%PDF-') },
  {
    kind: 'ole2',
    label: 'a legacy Office document (.xls/.doc)',
    matches: startsWith('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'),
  },
  { kind: 'png', label: 'a PNG image', matches: startsWith('\x89PNG\r\n\x1a\n') },
  { kind: 'jpeg', label: 'a JPEG image', matches: startsWith('\xff\xd8\xff') },
];

const BINARY_EXPECTATIONS: Record<string, { kinds: readonly string[]; name: string }> = {
  '.gpkg': { kinds: ['sqlite'], name: 'GeoPackage' },
  '.zip': { kinds: ['zip'], name: 'ZIP archive' },
  '.xlsx': { kinds: ['zip'], name: 'Excel workbook (.xlsx)' },
  '.tif': { kinds: ['tiff', 'bigtiff'], name: 'GeoTIFF' },
  '.tiff': { kinds: ['tiff', 'bigtiff'], name: 'GeoTIFF' },
  '.fgb': { kinds: ['flatgeobuf'], name: 'FlatGeobuf file' },
};

type TextShape = 'json' | 'xml' | 'text';
const TEXT_EXPECTATIONS: Record<string, TextShape> = {
  '.geojson': 'json',
  '.json': 'json',
  // TopoJSON is JSON: GDAL's TopoJSON driver recognises it by its `"type": "Topology"`.
  '.topojson': 'json',
  '.kml': 'xml',
  '.csv': 'text',
  '.tsv': 'text',
  // Newline-delimited JSON: each line is an object, so the file starts like JSON.
  '.ndjson': 'json',
  '.jsonl': 'json',
};

/** Extensions `sniffContent` knows how to check; an upload allow-list must not go beyond them. */
export const SNIFFABLE_EXTENSIONS: readonly string[] = [
  ...Object.keys(BINARY_EXPECTATIONS),
  ...Object.keys(TEXT_EXPECTATIONS),
];

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Checks that a file's first bytes are what its extension claims. Statuses:
 * - 415 Unsupported Media Type when the bytes are positively another known type (an ELF binary named
 *   `.geojson`, a ZIP named `.gpkg`), or when the extension is one nothing here can check: the client
 *   sent a type we do not take.
 * - 422 Unprocessable Content when the type is right or unknown but the content cannot be it: an empty
 *   file, garbage, NUL bytes or UTF-16 in a text format, JSON that does not start with `{` or `[`.
 *
 * `head` is the first `SNIFF_HEAD_BYTES` bytes, or the whole file when it is shorter (so an empty
 * buffer means an empty file). `extension` is case-insensitive, with or without its dot.
 */
export function sniffContent(head: Buffer, extension: string): SniffResult {
  const ext = normaliseExtension(extension);
  if (head.length === 0) return reject(422, 'The file is empty.');
  const binary = BINARY_EXPECTATIONS[ext];
  if (binary) return sniffBinary(head, ext, binary);
  const text = TEXT_EXPECTATIONS[ext];
  if (text) return sniffText(head, ext, text);
  return reject(415, `Files of type ${ext} are not accepted.`);
}

function sniffBinary(head: Buffer, ext: string, expected: { kinds: readonly string[]; name: string }): SniffResult {
  const found = detectSignature(head);
  if (found && expected.kinds.includes(found.kind)) {
    return { ok: true, detected: found.kind === 'sqlite' ? sqliteFlavour(head) : found.kind };
  }
  if (found) return mismatch(found, ext);
  return reject(422, `The file content is not a valid ${expected.name}.`);
}

/**
 * `gpkg` when the header carries a GeoPackage application_id, else `sqlite`. Both pass: GDAL opens a
 * GeoPackage that lacks the id (older writers) with a warning, and a plain SQLite file fails at preview
 * with a clear message, so requiring the id here would only refuse files GDAL can read.
 */
function sqliteFlavour(head: Buffer): string {
  const id = head.length >= 72 ? head.toString('latin1', 68, 72) : '';
  return GPKG_APPLICATION_IDS.includes(id) ? 'gpkg' : 'sqlite';
}

function sniffText(head: Buffer, ext: string, shape: TextShape): SniffResult {
  const found = detectSignature(head);
  if (found) return mismatch(found, ext);
  if (startsWithBytes(head, [0xff, 0xfe]) || startsWithBytes(head, [0xfe, 0xff])) {
    return reject(422, 'Text files must be UTF-8 encoded; this one is UTF-16. Save it as UTF-8 and upload it again.');
  }
  if (head.includes(0)) return reject(422, `The file contains NUL bytes, so it is not a ${ext} text file.`);
  const body = startsWithBytes(head, UTF8_BOM) ? head.subarray(UTF8_BOM.length) : head;
  const first = firstNonWhitespace(body);
  if (shape === 'json') {
    if (first !== '{' && first !== '[') return reject(422, `The file is not JSON: it must start with '{' or '['.`);
    return { ok: true, detected: 'json' };
  }
  if (shape === 'xml') {
    if (first !== '<') return reject(422, 'The file is not XML: it must start with a tag.');
    return { ok: true, detected: 'xml' };
  }
  if (first === undefined) return reject(422, 'The file holds only whitespace.');
  return { ok: true, detected: 'text' };
}

function detectSignature(head: Buffer): Signature | undefined {
  return SIGNATURES.find((s) => s.matches(head));
}

function mismatch(found: Signature, ext: string): SniffResult {
  return reject(415, `The file content is ${found.label}, which does not match its ${ext} extension.`);
}

function reject(status: 415 | 422, reason: string): SniffResult {
  return { ok: false, reason, status };
}

function startsWithBytes(head: Buffer, prefix: Uint8Array | readonly number[]): boolean {
  if (head.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i += 1) if (head[i] !== prefix[i]) return false;
  return true;
}

function firstNonWhitespace(body: Buffer): string | undefined {
  for (const byte of body) {
    // JSON's whitespace set (RFC 8259), which also covers XML's and a CSV's leading blank lines.
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return String.fromCharCode(byte);
  }
  return undefined;
}
