import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FixtureName } from '../../fixtures/fixtures.js';
import { overlappingZip, zip } from './zip-writer.js';

const execFileAsync = promisify(execFile);

/**
 * The hostile-file corpus (issue 13): every file generated at test time, deterministically, into a
 * temporary directory; nothing large is committed. Each entry says which routes it goes through and what
 * is expected there. See docs/security.md § Hostile files for the table a run produces.
 */

/** What a route must make of a file. Every route, always: never a 5xx, problem+json without leaks. */
export interface Expect {
  /**
   * `upload-4xx`: the upload itself is refused; `refused`: refused somewhere (the upload, the preview or
   * the commit with a 4xx, or a job or run that fails with a user-safe message); `any`: accepted or
   * refused, both fine (a harmless oddity).
   */
  outcome: 'upload-4xx' | 'refused' | 'any';
  /** The refusal's code (problem `code`/type, or the job's error code) must match. */
  code?: RegExp;
}

export interface HostileFile {
  id: string;
  group: string;
  /** What the file is, for the table. */
  label: string;
  /** The name it is uploaded under. */
  name: string;
  make: (ctx: CorpusContext) => Promise<Buffer | string>;
  /** upload → preview → commit (POST /api/ingest/upload); absent: the route does not take it. */
  upload?: Expect;
  /** Text of the user's own that a refusal may quote (an archive entry's name): not checked as a leak. */
  echoes?: string[];
  /** The importer upload (POST /api/v1/ingest/upload/{slug}); absent: no importer takes its format. */
  importer?: Expect & { slug: ImporterSlug };
}

export type ImporterSlug = 'h-csv' | 'h-xlsx' | 'h-json' | 'h-ndjson' | 'h-geo';

/** Importer definitions the corpus uploads to; each creates its own table from `fields`. */
export const HOSTILE_IMPORTERS: Record<ImporterSlug, string> = {
  'h-csv': 'source: {type: upload, formats: [csv, tsv], max_size_bytes: 314572800}',
  'h-xlsx': 'source: {type: upload, formats: [xlsx], max_size_bytes: 314572800}',
  'h-json': 'source: {type: upload, formats: [json], max_size_bytes: 314572800}',
  'h-ndjson': 'source: {type: upload, formats: [ndjson], max_size_bytes: 314572800}',
  'h-geo': 'source: {type: upload, formats: [geojson, gpkg, zip], max_size_bytes: 314572800}',
};

export function importerFile(slug: ImporterSlug, schema: string): string {
  const table = slug.replace(/-/g, '_');
  return `slug: ${slug}
title: Hostile ${slug}
${HOSTILE_IMPORTERS[slug]}
target: {table: ${schema}.${table}, create: true}
fields:
  code: {type: text}
  name: {type: text}
duplicates: {strategy: insert}
errors: {max_failed_rows: 1000000, max_failed_ratio: 1}
`;
}

export interface CorpusContext {
  dir: string;
  /** Base URL of the recording listener the XXE files name (nothing may connect to it). */
  listener: string;
  /** The repository's generated fixtures (test/fixtures/generate.sh). */
  fixture: (name: FixtureName) => string;
}

/** Deterministic bytes (mulberry32): the same corpus on every run. */
export function prng(seed: number): (n: number) => Buffer {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (n) => {
    const out = Buffer.alloc(Math.ceil(n / 4) * 4);
    for (let i = 0; i < out.length; i += 4) out.writeUInt32LE(next(), i);
    return out.subarray(0, n);
  };
}

/** Writes `chunks` to a file in the corpus directory with backpressure (large files never sit in memory). */
async function streamTo(ctx: CorpusContext, name: string, chunks: Iterable<string | Buffer>): Promise<string> {
  const path = join(ctx.dir, name);
  const out = createWriteStream(path);
  for (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return path;
}

const fixtureBytes = (ctx: CorpusContext, name: FixtureName): Promise<Buffer> => readFile(ctx.fixture(name));
const truncated = async (ctx: CorpusContext, name: FixtureName, share: number): Promise<Buffer> => {
  const bytes = await fixtureBytes(ctx, name);
  return bytes.subarray(0, Math.floor(bytes.length * share));
};
/** The file with `length` bytes from `from` on replaced by deterministic garbage. */
const scrambled = async (ctx: CorpusContext, name: FixtureName, from: number, length: number, seed: number) => {
  const bytes = Buffer.from(await fixtureBytes(ctx, name));
  const start = Math.min(from, bytes.length);
  prng(seed)(Math.max(0, Math.min(length, bytes.length - start))).copy(bytes, start);
  return bytes;
};

/** A 2-row table as CSV text. */
const CSV_OK = 'code,name\nA1,Alpha\nB2,Beta\n';

/** The bytes of an ELF executable header (x86-64), then padding: what `file` calls an ELF binary. */
const ELF = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0]),
  Buffer.alloc(488),
]);

/** A one-page PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n' +
    '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
);

/** A minimal TIFF/BigTIFF directory builder: `entries` are [tag, type, count, value]. */
function bigTiff(entries: [number, number, bigint, bigint][], extra: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(43, 2);
  header.writeUInt16LE(8, 4);
  header.writeBigUInt64LE(16n, 8);
  const ifd = Buffer.alloc(8 + entries.length * 20 + 8);
  ifd.writeBigUInt64LE(BigInt(entries.length), 0);
  entries
    .sort((a, b) => a[0] - b[0])
    .forEach(([tag, type, count, value], i) => {
      const at = 8 + i * 20;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeBigUInt64LE(count, at + 4);
      ifd.writeBigUInt64LE(value, at + 12);
    });
  return Buffer.concat([header, ifd, extra]);
}

const SHORT = 3;
const LONG8 = 16;
const DOUBLE = 12;

/** A GeoTIFF header claiming `width` × `height` one-byte pixels in one (absent) strip, georeferenced. */
function claimedGeoTiff(width: number, height: number): Buffer {
  const ifdLength = 8 + 12 * 20 + 8;
  const extraAt = 16 + ifdLength;
  // ModelPixelScale (3 doubles), ModelTiepoint (6 doubles), GeoKeyDirectory (EPSG:4326).
  const scale = Buffer.alloc(24);
  [1e-6, 1e-6, 0].forEach((v, i) => scale.writeDoubleLE(v, i * 8));
  const tie = Buffer.alloc(48);
  [0, 0, 0, 0, 1, 0].forEach((v, i) => tie.writeDoubleLE(v, i * 8));
  const keys = Buffer.alloc(32);
  [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326].forEach((v, i) => keys.writeUInt16LE(v, i * 2));
  const extra = Buffer.concat([scale, tie, keys]);
  const at = (offset: number): bigint => BigInt(extraAt + offset);
  return bigTiff(
    [
      [256, LONG8, 1n, BigInt(width)],
      [257, LONG8, 1n, BigInt(height)],
      [258, SHORT, 1n, 8n],
      [259, SHORT, 1n, 1n],
      [262, SHORT, 1n, 1n],
      [273, LONG8, 1n, 0n],
      [277, SHORT, 1n, 1n],
      [278, LONG8, 1n, BigInt(height)],
      [279, LONG8, 1n, 0n],
      [33550, DOUBLE, 3n, at(0)],
      [33922, DOUBLE, 6n, at(24)],
      [34735, SHORT, 16n, at(72)],
    ],
    extra,
  );
}

/** A classic TIFF whose first IFD names itself as the next one (an IFD loop). */
function loopingTiff(): Buffer {
  const entries: [number, number, number][] = [
    [256, 3, 16],
    [257, 3, 16],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 8],
    [277, 3, 1],
    [278, 3, 16],
    [279, 4, 256],
  ];
  const ifdAt = 8 + 256;
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(1, at + 4);
    if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value, at + 8);
  });
  ifd.writeUInt32LE(ifdAt, 2 + entries.length * 12);
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifdAt, 4);
  return Buffer.concat([header, Buffer.alloc(256, 7), ifd]);
}

/** A classic TIFF of 4096 × 4096 whose strips point far past the end of the file. */
function strayStripsTiff(): Buffer {
  const entries: [number, number, number][] = [
    [256, 3, 4096],
    [257, 3, 4096],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 0x7ffffff0],
    [277, 3, 1],
    [278, 3, 4096],
    [279, 4, 4096 * 4096],
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(1, at + 4);
    if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value, at + 8);
  });
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  return Buffer.concat([header, ifd]);
}

/** A minimal XLSX (inline strings) whose first sheet holds `rows`; `sheetXml` replaces the sheet. */
function xlsx(rows: string[][], sheetXml?: string): Buffer {
  const col = (i: number): string => {
    let s = '';
    for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    return s;
  };
  const sheet =
    sheetXml ??
    `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows
      .map(
        (row, r) =>
          `<row r="${r + 1}">${row.map((v, c) => `<c r="${col(c)}${r + 1}" t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`,
      )
      .join('')}</sheetData></worksheet>`;
  return zip([
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      ),
    },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(sheet) },
  ]);
}

/** XML entity declarations an XXE attempt makes: a local file, and a URL on the recording listener. */
export function xxeDoctype(root: string, listener: string): string {
  return (
    `<!DOCTYPE ${root} [\n` +
    '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n' +
    `  <!ENTITY net SYSTEM "${listener}/entity">\n` +
    `  <!ENTITY % dtd SYSTEM "${listener}/dtd">\n` +
    '  %dtd;\n' +
    ']>\n'
  );
}

/** "Billion laughs": ten levels of ten references, 10⁹ copies of "lol" if expanded. */
export function laughsDoctype(root: string): string {
  const levels = ['  <!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i += 1) levels.push(`  <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<!DOCTYPE ${root} [\n${levels.join('\n')}\n]>\n`;
}

/** sample.geojson as a shapefile (via ogr2ogr), zipped with only the parts named by extension. */
async function shapefileZip(ctx: CorpusContext, extensions: string[]): Promise<Buffer> {
  const out = join(ctx.dir, 'shp-parts');
  await execFileAsync('ogr2ogr', [
    '-q',
    '-f',
    'ESRI Shapefile',
    '-overwrite',
    out,
    ctx.fixture('sample.geojson'),
    '-nln',
    'sample',
  ]);
  const entries = [];
  for (const ext of extensions)
    entries.push({ name: `sample.${ext}`, data: await readFile(join(out, `sample.${ext}`)) });
  return zip(entries);
}

const MiB = 1024 * 1024;

/** A 200 MiB GeoJSON document on one line: one feature whose property is a string of all but a few bytes. */
function* hugeFeatureLine(): Generator<string> {
  yield '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"';
  const block = 'abcdefghij'.repeat(MiB / 10);
  for (let i = 0; i < 200; i += 1) yield block;
  yield '"}}]}';
}

/** A polygon with `vertices` vertices (a circle), as one GeoJSON feature. */
function* bigPolygon(vertices: number): Generator<string> {
  yield '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"ring"},"geometry":{"type":"Polygon","coordinates":[[';
  const parts: string[] = [];
  for (let i = 0; i <= vertices; i += 1) {
    // The last vertex closes the ring.
    const a = (2 * Math.PI * (i % vertices)) / vertices;
    parts.push(`[${(10 + Math.cos(a)).toFixed(6)},${(50 + Math.sin(a)).toFixed(6)}]`);
    if (parts.length === 10_000 || i === vertices) {
      yield `${i >= parts.length ? ',' : ''}${parts.join(',')}`;
      parts.length = 0;
    }
  }
  yield ']]}}]}';
}

const utf16leNoBom = (text: string): Buffer => Buffer.from(text, 'utf16le');
const invalidUtf8 = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf8');
  // Lone continuation bytes, an overlong slash, a truncated 3-byte sequence, 0xFF.
  return Buffer.concat([
    bytes.subarray(0, 12),
    Buffer.from([0x80, 0xbf, 0xc0, 0xaf, 0xe2, 0x82, 0xff]),
    bytes.subarray(12),
  ]);
};

const GEOJSON_OK =
  '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A1","name":"Älpha"},"geometry":{"type":"Point","coordinates":[10,50]}}]}';

/** A ZIP the upload pre-flight must refuse on both routes (422, "The archive was refused…"). */
function refusedArchive(id: string, label: string, name: string, bytes: () => Buffer, echoes?: string[]): HostileFile {
  return {
    id,
    group: 'ZIP',
    label,
    name,
    ...(echoes ? { echoes } : {}),
    make: () => Promise.resolve(bytes()),
    upload: { outcome: 'upload-4xx', code: /archive/ },
    importer: { slug: 'h-geo', outcome: 'upload-4xx', code: /archive/ },
  };
}

/** Content of one type under another's extension: both upload routes must refuse it outright (415). */
function renamed(
  id: string,
  label: string,
  name: string,
  bytes: (c: CorpusContext) => Buffer | Promise<Buffer>,
  slug?: ImporterSlug,
): HostileFile {
  return {
    id,
    group: 'Renamed',
    label,
    name,
    make: async (c) => bytes(c),
    upload: { outcome: 'upload-4xx', code: /unsupported-media-type/ },
    ...(slug ? { importer: { slug, outcome: 'upload-4xx' as const, code: /unsupported-media-type/ } } : {}),
  };
}

export const CORPUS: HostileFile[] = [
  // ---- GeoPackage -------------------------------------------------------------------------------------
  {
    id: 'gpkg-truncated-half',
    group: 'GeoPackage',
    label: 'GeoPackage cut at half its size',
    name: 'half.gpkg',
    make: (c) => truncated(c, 'layers3.gpkg', 0.5),
    upload: { outcome: 'any' },
    importer: { slug: 'h-geo', outcome: 'any' },
  },
  {
    id: 'gpkg-truncated-header',
    group: 'GeoPackage',
    label: 'GeoPackage cut after 100 bytes (SQLite header only)',
    name: 'header.gpkg',
    make: async (c) => (await fixtureBytes(c, 'layers3.gpkg')).subarray(0, 100),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'gpkg-scrambled-pages',
    group: 'GeoPackage',
    label: 'GeoPackage with its pages after the first overwritten by random bytes',
    name: 'scrambled.gpkg',
    make: (c) => scrambled(c, 'layers3.gpkg', 4096, 1 << 30, 11),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'gpkg-magic-garbage',
    group: 'GeoPackage',
    label: 'SQLite magic, then 64 KiB of random bytes',
    name: 'garbage.gpkg',
    make: () => Promise.resolve(Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), prng(12)(65536)])),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'gpkg-empty',
    group: 'GeoPackage',
    label: 'empty file named .gpkg',
    name: 'empty.gpkg',
    make: () => Promise.resolve(Buffer.alloc(0)),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  // ---- TIFF -------------------------------------------------------------------------------------------
  {
    id: 'tif-truncated-half',
    group: 'TIFF',
    label: 'GeoTIFF cut at half its size',
    name: 'half.tif',
    make: (c) => truncated(c, 'plain.tif', 0.5),
    upload: { outcome: 'any' },
  },
  {
    id: 'tif-header-only',
    group: 'TIFF',
    label: 'TIFF header (16 bytes) only',
    name: 'header.tif',
    make: async (c) => (await fixtureBytes(c, 'plain.tif')).subarray(0, 16),
    upload: { outcome: 'refused' },
  },
  {
    id: 'tif-scrambled',
    group: 'TIFF',
    label: 'COG with 64 KiB of its tiles overwritten by random bytes',
    name: 'scrambled.tif',
    make: (c) => scrambled(c, 'cog.tif', 4096, 65536, 13),
    upload: { outcome: 'any' },
  },
  {
    id: 'tif-ifd-loop',
    group: 'TIFF',
    label: 'TIFF whose directory names itself as the next one (IFD loop)',
    name: 'loop.tif',
    make: () => Promise.resolve(loopingTiff()),
    upload: { outcome: 'refused' },
  },
  {
    id: 'tif-stray-strips',
    group: 'TIFF',
    label: 'TIFF 4096 × 4096 whose strip lies 2 GiB past the end of the file',
    name: 'stray.tif',
    make: () => Promise.resolve(strayStripsTiff()),
    upload: { outcome: 'refused' },
  },
  {
    id: 'tif-claims-1e12-pixels',
    group: 'TIFF',
    label: 'GeoTIFF header claiming 10⁶ × 10⁶ pixels (442 bytes)',
    name: 'huge.tif',
    make: () => Promise.resolve(claimedGeoTiff(1_000_000, 1_000_000)),
    upload: { outcome: 'refused', code: /raster-too-large/ },
  },
  {
    id: 'tif-claims-wide-strip',
    group: 'TIFF',
    label: 'GeoTIFF header claiming 4 × 10⁹ × 1 pixels in one strip',
    name: 'wide.tif',
    make: () => Promise.resolve(claimedGeoTiff(4_000_000_000, 1)),
    upload: { outcome: 'refused' },
  },
  // ---- XLSX -------------------------------------------------------------------------------------------
  {
    id: 'xlsx-truncated',
    group: 'XLSX',
    label: 'XLSX cut at half its size',
    name: 'half.xlsx',
    make: (c) => truncated(c, 'points.xlsx', 0.5),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-xlsx', outcome: 'refused' },
  },
  {
    id: 'xlsx-pk-garbage',
    group: 'XLSX',
    label: 'ZIP magic, then random bytes, named .xlsx',
    name: 'garbage.xlsx',
    make: () => Promise.resolve(Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), prng(14)(32768)])),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-xlsx', outcome: 'refused' },
  },
  {
    id: 'xlsx-bomb',
    group: 'XLSX',
    label: 'XLSX whose sheet inflates 64 MiB of spaces (ratio ~1000:1)',
    name: 'bomb.xlsx',
    make: () =>
      Promise.resolve(
        xlsx(
          [],
          `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${' '.repeat(64 * MiB)}</sheetData></worksheet>`,
        ),
      ),
    upload: { outcome: 'upload-4xx' },
    importer: { slug: 'h-xlsx', outcome: 'upload-4xx' },
  },
  {
    id: 'xlsx-10000-columns',
    group: 'XLSX',
    label: 'XLSX with 10,000 columns',
    name: 'wide.xlsx',
    make: () =>
      Promise.resolve(
        xlsx([
          Array.from({ length: 10_000 }, (_, i) => (i === 0 ? 'code' : `c${i}`)),
          Array.from({ length: 10_000 }, (_, i) => `v${i}`),
        ]),
      ),
    upload: { outcome: 'any' },
    importer: { slug: 'h-xlsx', outcome: 'any' },
  },
  {
    id: 'xlsx-billion-laughs',
    group: 'XLSX',
    label: 'XLSX whose sheet XML declares a billion-laughs entity',
    name: 'laughs.xlsx',
    make: () =>
      Promise.resolve(
        xlsx(
          [],
          `<?xml version="1.0"?>${laughsDoctype('worksheet')}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>`,
        ),
      ),
    upload: { outcome: 'any' },
    importer: { slug: 'h-xlsx', outcome: 'any' },
  },
  {
    id: 'xlsx-xxe',
    group: 'XLSX',
    label: 'XLSX whose sheet XML declares external entities (file:///etc/passwd, the listener)',
    name: 'xxe.xlsx',
    make: (c) =>
      Promise.resolve(
        xlsx(
          [],
          `<?xml version="1.0"?>${xxeDoctype('worksheet', c.listener)}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;&net;</t></is></c></row></sheetData></worksheet>`,
        ),
      ),
    upload: { outcome: 'any' },
    importer: { slug: 'h-xlsx', outcome: 'any' },
  },
  // ---- ZIP ---------------------------------------------------------------------------------------------
  {
    id: 'zip-truncated',
    group: 'ZIP',
    label: 'zipped shapefile cut at half its size (no central directory)',
    name: 'half.zip',
    make: (c) => truncated(c, 'parcels_shp.zip', 0.5),
    upload: { outcome: 'upload-4xx' },
    importer: { slug: 'h-geo', outcome: 'upload-4xx' },
  },
  refusedArchive('zip-bomb-ratio', 'one entry, 256 MiB of zeros deflated to ~250 KiB (ratio ~1000:1)', 'bomb.zip', () =>
    zip([{ name: 'zeros.csv', data: Buffer.alloc(256 * MiB) }]),
  ),
  refusedArchive('zip-bomb-entries', '20,000 empty entries', 'entries.zip', () =>
    zip(Array.from({ length: 20_000 }, (_, i) => ({ name: `e${i}.csv`, data: Buffer.alloc(0), deflate: false }))),
  ),
  refusedArchive(
    'zip-bomb-overlapping',
    'overlapping bomb: 1,000 central entries sharing one 4 MiB deflated local entry',
    'overlap.zip',
    () => overlappingZip(Buffer.alloc(4 * MiB, 0x41), 1000),
  ),
  {
    id: 'zip-size-lies',
    group: 'ZIP',
    label: 'entry declaring 10 bytes that inflates to 64 MiB',
    name: 'liar.zip',
    make: () =>
      Promise.resolve(zip([{ name: 'sample.geojson', data: Buffer.alloc(64 * MiB, 0x20), declaredSize: 10 }])),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  refusedArchive('zip-nested', 'a ZIP holding a ZIP holding GeoJSON', 'nested.zip', () =>
    zip([{ name: 'inner.zip', data: zip([{ name: 'a.geojson', data: Buffer.from(GEOJSON_OK) }]) }]),
  ),
  {
    id: 'zip-nested-renamed',
    group: 'ZIP',
    label: 'a ZIP holding a ZIP renamed data.bin',
    name: 'nested-renamed.zip',
    make: () =>
      Promise.resolve(zip([{ name: 'data.bin', data: zip([{ name: 'a.geojson', data: Buffer.from(GEOJSON_OK) }]) }])),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  refusedArchive(
    'zip-slip-dotdot',
    'zip slip: entry ../../../tmp/evil.geojson',
    'slip.zip',
    () => zip([{ name: '../../../tmp/evil.geojson', data: Buffer.from(GEOJSON_OK) }]),
    ['../../../tmp/evil.geojson'],
  ),
  refusedArchive('zip-slip-absolute', 'zip slip: entry /etc/cron.d/evil.geojson', 'absolute.zip', () =>
    zip([{ name: '/etc/cron.d/evil.geojson', data: Buffer.from(GEOJSON_OK) }]),
  ),
  refusedArchive('zip-slip-backslash', 'zip slip: entry ..\\..\\evil.geojson', 'backslash.zip', () =>
    zip([{ name: '..\\..\\evil.geojson', data: Buffer.from(GEOJSON_OK) }]),
  ),
  refusedArchive('zip-symlink', 'symbolic link entry a.geojson → /etc/passwd', 'symlink.zip', () =>
    zip([{ name: 'a.geojson', data: Buffer.from('/etc/passwd'), unixMode: 0o120777, deflate: false }]),
  ),
  refusedArchive('zip-encrypted', 'entry flagged as encrypted', 'encrypted.zip', () =>
    zip([{ name: 'a.geojson', data: Buffer.from(GEOJSON_OK), encryptedFlag: true }]),
  ),
  refusedArchive('zip-duplicate-names', 'two entries named a.geojson', 'duplicate.zip', () =>
    zip([
      { name: 'a.geojson', data: Buffer.from(GEOJSON_OK) },
      { name: 'a.geojson', data: Buffer.from(GEOJSON_OK.replace('A1', 'B2')) },
    ]),
  ),
  {
    id: 'zip-empty',
    group: 'ZIP',
    label: 'an archive with no entries',
    name: 'empty.zip',
    make: () => Promise.resolve(zip([])),
    upload: { outcome: 'upload-4xx' },
    importer: { slug: 'h-geo', outcome: 'upload-4xx' },
  },
  {
    id: 'shp-without-shx',
    group: 'ZIP',
    label: 'zipped shapefile without its .shx',
    name: 'noshx.zip',
    make: (c) => shapefileZip(c, ['shp', 'dbf', 'prj']),
    upload: { outcome: 'any' },
    importer: { slug: 'h-geo', outcome: 'any' },
  },
  {
    id: 'shp-without-prj',
    group: 'ZIP',
    label: 'zipped shapefile without its .prj',
    name: 'noprj.zip',
    make: (c) => shapefileZip(c, ['shp', 'shx', 'dbf']),
    upload: { outcome: 'any' },
    importer: { slug: 'h-geo', outcome: 'any' },
  },
  {
    id: 'shp-dbf-only',
    group: 'ZIP',
    label: 'zipped shapefile with its .dbf only',
    name: 'dbfonly.zip',
    make: (c) => shapefileZip(c, ['dbf']),
    upload: { outcome: 'any' },
    importer: { slug: 'h-geo', outcome: 'any' },
  },
  // ---- Content under another name ------------------------------------------------------------------------
  renamed('elf-as-geojson', 'an ELF executable named .geojson', 'tool.geojson', () => ELF, 'h-geo'),
  renamed('elf-as-csv', 'an ELF executable named .csv', 'tool.csv', () => ELF, 'h-csv'),
  renamed('pdf-as-geojson', 'a PDF named .geojson', 'report.geojson', () => PDF, 'h-geo'),
  renamed('pdf-as-csv', 'a PDF named .csv', 'report.csv', () => PDF, 'h-csv'),
  renamed('zip-as-csv', 'a ZIP named .csv', 'archive.csv', (c) => fixtureBytes(c, 'parcels_shp.zip'), 'h-csv'),
  renamed('gpkg-as-tif', 'a GeoPackage named .tif', 'layers.tif', (c) => fixtureBytes(c, 'layers3.gpkg')),
  // ---- JSON / GeoJSON -------------------------------------------------------------------------------------
  {
    id: 'geojson-200mb-line',
    group: 'JSON',
    label: '200 MiB GeoJSON on one line: one feature with a 200 MiB property',
    name: 'huge.geojson',
    make: (c) => streamTo(c, 'huge.geojson', hugeFeatureLine()),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'json-200mb-line',
    group: 'JSON',
    label: 'the same 200 MiB line named .json',
    name: 'huge.json',
    make: (c) => streamTo(c, 'huge.json', hugeFeatureLine()),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-json', outcome: 'refused' },
  },
  {
    id: 'ndjson-200mb-line',
    group: 'JSON',
    label: '200 MiB NDJSON that is one line',
    name: 'huge.ndjson',
    make: (c) => streamTo(c, 'huge.ndjson', hugeFeatureLine()),
    importer: { slug: 'h-ndjson', outcome: 'refused', code: /reader-malformed/ },
  },
  {
    id: 'geojson-1e6-vertices',
    group: 'JSON',
    label: 'GeoJSON polygon with 10⁶ vertices (21 MB)',
    name: 'ring.geojson',
    make: (c) => streamTo(c, 'ring.geojson', bigPolygon(1_000_000)),
    upload: { outcome: 'refused', code: /unreadable/ },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'geojson-deep-nesting',
    group: 'JSON',
    label: 'GeoJSON whose coordinates nest 100,000 arrays deep',
    name: 'deep.geojson',
    make: () =>
      Promise.resolve(
        `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`,
      ),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'json-deep-nesting',
    group: 'JSON',
    label: 'JSON array whose record nests 1,000,000 levels deep',
    name: 'deep.json',
    make: () => Promise.resolve(`[{"code":${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}}]`),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-json', outcome: 'refused', code: /reader-malformed/ },
  },
  {
    id: 'ndjson-deep-line',
    group: 'JSON',
    label: 'NDJSON whose second line nests 1,000,000 arrays deep',
    name: 'deep.ndjson',
    make: () => Promise.resolve(`{"code":"A1"}\n${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n{"code":"B2"}\n`),
    importer: { slug: 'h-ndjson', outcome: 'any' },
  },
  {
    id: 'geojson-truncated',
    group: 'JSON',
    label: 'GeoJSON cut in the middle of a feature',
    name: 'cut.geojson',
    make: async (c) => truncated(c, 'sample.geojson', 0.6),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'geojson-100k-properties',
    group: 'JSON',
    label: 'GeoJSON feature with 100,000 properties',
    name: 'wide.geojson',
    make: () =>
      Promise.resolve(
        `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{${Array.from({ length: 100_000 }, (_, i) => `"p${i}":${i}`).join(',')}}}]}`,
      ),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'geojson-invalid-utf8',
    group: 'Encoding',
    label: 'GeoJSON with invalid UTF-8 sequences',
    name: 'bad-utf8.geojson',
    make: () => Promise.resolve(invalidUtf8(GEOJSON_OK)),
    upload: { outcome: 'any' },
    importer: { slug: 'h-geo', outcome: 'any' },
  },
  {
    id: 'geojson-utf16-no-bom',
    group: 'Encoding',
    label: 'GeoJSON in UTF-16LE without a BOM',
    name: 'utf16.geojson',
    make: () => Promise.resolve(utf16leNoBom(GEOJSON_OK)),
    upload: { outcome: 'refused' },
    importer: { slug: 'h-geo', outcome: 'refused' },
  },
  {
    id: 'kml-xxe',
    group: 'XML',
    label: 'KML declaring external entities (file:///etc/passwd, the listener)',
    name: 'xxe.kml',
    make: (c) =>
      Promise.resolve(
        `<?xml version="1.0" encoding="UTF-8"?>\n${xxeDoctype('kml', c.listener)}<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;&net;</name><Point><coordinates>10,50</coordinates></Point></Placemark></Document></kml>`,
      ),
    upload: { outcome: 'any' },
  },
  {
    id: 'kml-billion-laughs',
    group: 'XML',
    label: 'KML with a billion-laughs entity',
    name: 'laughs.kml',
    make: () =>
      Promise.resolve(
        `<?xml version="1.0" encoding="UTF-8"?>\n${laughsDoctype('kml')}<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name><Point><coordinates>10,50</coordinates></Point></Placemark></Document></kml>`,
      ),
    upload: { outcome: 'any' },
  },
  // ---- CSV --------------------------------------------------------------------------------------------------
  {
    id: 'csv-10000-columns',
    group: 'CSV',
    label: 'CSV with 10,000 columns',
    name: 'wide.csv',
    make: () =>
      Promise.resolve(
        [
          Array.from({ length: 10_000 }, (_, i) => (i === 0 ? 'code' : `c${i}`)).join(','),
          Array.from({ length: 10_000 }, (_, i) => `v${i}`).join(','),
          Array.from({ length: 10_000 }, (_, i) => `w${i}`).join(','),
        ].join('\n'),
      ),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
  {
    id: 'csv-invalid-utf8',
    group: 'Encoding',
    label: 'CSV with invalid UTF-8 sequences',
    name: 'bad-utf8.csv',
    make: () => Promise.resolve(invalidUtf8(`${CSV_OK}C3,Gamma\n`)),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
  {
    id: 'csv-utf16-no-bom',
    group: 'Encoding',
    label: 'CSV in UTF-16LE without a BOM',
    name: 'utf16.csv',
    make: () => Promise.resolve(utf16leNoBom(CSV_OK)),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
  {
    id: 'csv-unterminated-quote',
    group: 'CSV',
    label: 'CSV whose second row opens a quote that runs 32 MB to the end',
    name: 'quote.csv',
    make: (c) =>
      streamTo(
        c,
        'quote.csv',
        (function* () {
          yield 'code,name\nA1,"';
          for (let i = 0; i < 32; i += 1) yield 'x'.repeat(MiB);
        })(),
      ),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
  {
    id: 'csv-nul-bytes',
    group: 'CSV',
    label: 'CSV with NUL bytes in its cells',
    name: 'nul.csv',
    make: () => Promise.resolve(Buffer.from('code,name\nA\0\x001,Al\0pha\n')),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
  {
    id: 'csv-only-delimiters',
    group: 'CSV',
    label: 'CSV of 1 MB of commas on one line',
    name: 'commas.csv',
    make: () => Promise.resolve(`code,name\n${','.repeat(MiB)}\n`),
    upload: { outcome: 'any' },
    importer: { slug: 'h-csv', outcome: 'any' },
  },
];

/** Writes one corpus file (unless its generator streamed it already) and returns its path and size. */
export async function materialize(file: HostileFile, ctx: CorpusContext): Promise<{ path: string; size: number }> {
  const made = await file.make(ctx);
  let path: string;
  if (typeof made === 'string' && made.startsWith(ctx.dir)) {
    path = made;
  } else {
    path = join(ctx.dir, `${file.id}-${file.name}`);
    await writeFile(path, made);
  }
  return { path, size: (await stat(path)).size };
}
