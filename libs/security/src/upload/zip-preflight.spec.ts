import 'reflect-metadata';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferRangeReader } from '../../../../test/fixtures/range-reader.js';
import type { RangeReader } from './range-reader.js';
import { DEFAULT_ZIP_LIMITS, zipPreflight, type ZipPreflightResult } from './zip-preflight.js';

// ---------------------------------------------------------------------------------------------------
// A small ZIP writer. Every header field the pre-flight reads can be forged, because the pre-flight
// trusts declared values and the tests prove it acts on them.
// ---------------------------------------------------------------------------------------------------

interface TestEntry {
  name: string;
  data?: Buffer;
  /** 0 stored (default), 8 deflate; anything else is written as stored bytes under that method number. */
  method?: number;
  flags?: number;
  /** Declared sizes in the central directory, when they should lie. */
  compressedSize?: number;
  uncompressedSize?: number;
  /** Write the sizes as 0xFFFFFFFF plus a ZIP64 extra field holding these values. */
  zip64Sizes?: { uncompressed: bigint; compressed: bigint };
  /** Central-header sizes set to 0xFFFFFFFF with no ZIP64 extra field. */
  zip64SentinelWithoutExtra?: boolean;
  versionMadeBy?: number;
  externalAttributes?: number;
  extra?: Buffer;
}

interface ZipOptions {
  comment?: Buffer;
  /** Write a ZIP64 end record and locator; the classic record then carries sentinels. */
  zip64?: boolean;
  /** Override fields of the classic end record. */
  eocd?: Partial<{ disk: number; entriesOnDisk: number; entries: number; cdSize: number; cdOffset: number }>;
  /** Override fields of the ZIP64 end record. */
  zip64Record?: Partial<{ entries: bigint; signature: number }>;
  zip64LocatorOffset?: bigint;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

interface BuiltZip {
  zip: Buffer;
  cdOffset: number;
  cdSize: number;
}

function buildZipWithLayout(entries: TestEntry[], options: ZipOptions = {}): BuiltZip {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 0;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const flags = (e.flags ?? 0) | 0x0800;
    const crc = crc32(data);
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(flags),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(stored.length),
      u32(data.length),
      u16(name.length),
      u16(0),
      name,
      stored,
    ]);
    let compressed = e.compressedSize ?? stored.length;
    let uncompressed = e.uncompressedSize ?? data.length;
    let extra = e.extra ?? Buffer.alloc(0);
    if (e.zip64Sizes) {
      compressed = 0xffffffff;
      uncompressed = 0xffffffff;
      const fields = Buffer.concat([u64(e.zip64Sizes.uncompressed), u64(e.zip64Sizes.compressed)]);
      extra = Buffer.concat([extra, u16(0x0001), u16(fields.length), fields]);
    } else if (e.zip64SentinelWithoutExtra) {
      compressed = 0xffffffff;
      uncompressed = 0xffffffff;
    }
    centrals.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(e.versionMadeBy ?? 0x0314),
        u16(20),
        u16(flags),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(compressed),
        u32(uncompressed),
        u16(name.length),
        u16(extra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(e.externalAttributes ?? 0o100644 * 0x10000),
        u32(offset),
        name,
        extra,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = offset;
  const comment = options.comment ?? Buffer.alloc(0);
  const tail: Buffer[] = [];
  const o = options.eocd ?? {};
  let entryField = entries.length;
  let sizeField = cd.length;
  let offsetField = cdOffset;
  if (options.zip64) {
    const recordOffset = cdOffset + cd.length;
    const count = options.zip64Record?.entries ?? BigInt(entries.length);
    tail.push(
      Buffer.concat([
        u32(options.zip64Record?.signature ?? 0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(count),
        u64(count),
        u64(cd.length),
        u64(cdOffset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(options.zip64LocatorOffset ?? BigInt(recordOffset)), u32(1)]),
    );
    entryField = 0xffff;
    sizeField = 0xffffffff;
    offsetField = 0xffffffff;
  }
  tail.push(
    Buffer.concat([
      u32(0x06054b50),
      u16(o.disk ?? 0),
      u16(0),
      u16(o.entriesOnDisk ?? o.entries ?? entryField),
      u16(o.entries ?? entryField),
      u32(o.cdSize ?? sizeField),
      u32(o.cdOffset ?? offsetField),
      u16(comment.length),
      comment,
    ]),
  );
  return { zip: Buffer.concat([...locals, cd, ...tail]), cdOffset, cdSize: cd.length };
}

const buildZip = (entries: TestEntry[], options: ZipOptions = {}): Buffer => buildZipWithLayout(entries, options).zip;

const preflight = (zip: Buffer, limits = {}): Promise<ZipPreflightResult> =>
  zipPreflight(bufferRangeReader(zip), limits);

async function rejection(zip: Buffer, limits = {}): Promise<{ code: string; reason: string }> {
  const result = await preflight(zip, limits);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

const csv = Buffer.from('id,name,lon,lat\n1,a,13.4,52.5\n2,b,13.5,52.6\n'.repeat(20));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

// ---------------------------------------------------------------------------------------------------

describe('zipPreflight: well-formed archives', () => {
  it('accepts a shapefile-style archive and reports its entries', async () => {
    const zip = buildZip([
      { name: 'shp/', externalAttributes: 0o040755 * 0x10000 },
      { name: 'shp/parcels.dbf', data: csv, method: 8 },
      { name: 'shp/parcels.prj', data: Buffer.from('GEOGCS["WGS 84"]') },
      { name: 'shp/parcels.shp', data: Buffer.alloc(1000, 7), method: 8 },
    ]);
    expect(await preflight(zip)).toEqual({
      ok: true,
      entries: 4,
      totalUncompressed: csv.length + 16 + 1000,
      names: ['shp/', 'shp/parcels.dbf', 'shp/parcels.prj', 'shp/parcels.shp'],
    });
  });

  it('lists at most maxListedNames names but counts every entry', async () => {
    const zip = buildZip(Array.from({ length: 1500 }, (_, i) => ({ name: `f${i}.csv` })));
    const result = await preflight(zip);
    expect(result).toMatchObject({ ok: true, entries: 1500 });
    expect(result.ok && result.names).toHaveLength(1000);
    expect(await preflight(zip, { maxListedNames: 3 })).toMatchObject({ names: ['f0.csv', 'f1.csv', 'f2.csv'] });
  });

  it('finds the end record behind a comment', async () => {
    const zip = buildZip([{ name: 'a.csv', data: csv }], { comment: Buffer.from('made by a test') });
    expect(await preflight(zip)).toMatchObject({ ok: true, entries: 1 });
  });

  it('finds the end record behind the longest comment a ZIP can carry', async () => {
    const zip = buildZip([{ name: 'a.csv', data: csv }], { comment: Buffer.alloc(0xffff, 'c') });
    expect(await preflight(zip)).toMatchObject({ ok: true, entries: 1 });
  });

  it('is not fooled by an end-record signature inside the comment', async () => {
    const fake = Buffer.concat([u32(0x06054b50), Buffer.alloc(18), Buffer.from('and more text')]);
    const zip = buildZip([{ name: 'a.csv', data: csv }], { comment: fake });
    expect(await preflight(zip)).toMatchObject({ ok: true, entries: 1 });
  });

  it('accepts names that merely contain dots', async () => {
    const zip = buildZip([{ name: 'a..b.csv' }, { name: '...csv' }, { name: 'dir.zip/' }, { name: 'x/.hidden' }]);
    expect(await preflight(zip)).toMatchObject({ ok: true, entries: 4 });
  });

  it('reads only the end records and the central directory, never the entry data', async () => {
    const payload = Buffer.alloc(512 * 1024, 1);
    const { zip, cdOffset } = buildZipWithLayout([
      { name: 'big.tif', data: payload },
      { name: 'b.csv', data: csv },
    ]);
    const reads: [number, number][] = [];
    const inner = bufferRangeReader(zip);
    const spy: RangeReader = {
      size: inner.size,
      read: (start, end) => {
        reads.push([start, end]);
        return inner.read(start, end);
      },
    };
    expect(await zipPreflight(spy)).toMatchObject({ ok: true, entries: 2 });
    const searchWindow = zip.length - (22 + 0xffff);
    for (const [start] of reads) expect(start).toBeGreaterThanOrEqual(Math.min(cdOffset, searchWindow));
    expect(reads.length).toBeLessThanOrEqual(3);
  });
});

describe('zipPreflight: limits', () => {
  it('refuses more than 10,000 entries by default, before reading the directory', async () => {
    const zip = buildZip(Array.from({ length: 10_001 }, (_, i) => ({ name: `e${i}` })));
    const { code, reason } = await rejection(zip);
    expect(code).toBe('too-many-entries');
    expect(reason).toBe('The archive has 10001 entries; at most 10000 are allowed.');
    expect(DEFAULT_ZIP_LIMITS.maxEntries).toBe(10_000);
  });

  it('applies a configured entry limit exactly', async () => {
    const entries = (n: number): TestEntry[] => Array.from({ length: n }, (_, i) => ({ name: `e${i}.csv` }));
    expect(await preflight(buildZip(entries(5)), { maxEntries: 5 })).toMatchObject({ ok: true });
    expect(await rejection(buildZip(entries(6)), { maxEntries: 5 })).toMatchObject({ code: 'too-many-entries' });
  });

  it('refuses a central directory declared larger than 32 MiB', async () => {
    const zip = buildZip([{ name: 'a.csv' }], { eocd: { cdSize: 40 * MiB } });
    const { code, reason } = await rejection(zip);
    expect(code).toBe('central-directory-too-large');
    expect(reason).toContain('32 MiB');
  });

  it('applies a configured directory-size limit', async () => {
    const zip = buildZip(Array.from({ length: 20 }, (_, i) => ({ name: `entry-${i}.csv` })));
    expect(await preflight(zip, { maxCentralDirectoryBytes: 2000 })).toMatchObject({ ok: true });
    expect(await rejection(zip, { maxCentralDirectoryBytes: 1000 })).toMatchObject({
      code: 'central-directory-too-large',
    });
  });

  it('refuses an entry that inflates more than 500:1 (a zip bomb)', async () => {
    const zeros = Buffer.alloc(4 * MiB);
    const zip = buildZip([
      { name: 'ok.csv', data: csv, method: 8 },
      { name: 'zeros.csv', data: zeros, method: 8 },
    ]);
    const { code, reason } = await rejection(zip);
    expect(code).toBe('compression-ratio');
    expect(reason).toMatch(/^Entry "zeros\.csv" expands \d+:1 \(at most 500:1 is allowed\)/);
    // The same archive passes when the ratio is allowed: the refusal above is the ratio check's.
    expect(await preflight(zip, { maxCompressionRatio: 5000 })).toMatchObject({ ok: true, entries: 2 });
  });

  it('treats content declared from zero compressed bytes as an infinite ratio', async () => {
    const zip = buildZip([{ name: 'nothing.csv', data: Buffer.from('x'), compressedSize: 0, uncompressedSize: 10 }]);
    const { code, reason } = await rejection(zip, { maxCompressionRatio: 1e9 });
    expect(code).toBe('compression-ratio');
    expect(reason).toContain('from nothing');
  });

  it('accepts empty entries (0 bytes in, 0 bytes out)', async () => {
    expect(await preflight(buildZip([{ name: 'empty.csv' }, { name: 'dir/' }]))).toMatchObject({ ok: true });
  });

  it('refuses archives that declare more than 2 GiB uncompressed in total', async () => {
    // Sizes are forged in the central directory: the pre-flight trusts declarations, which is the point.
    const entry = (name: string): TestEntry => ({
      name,
      data: Buffer.from('x'),
      compressedSize: 8 * MiB,
      uncompressedSize: 800 * MiB,
    });
    const two = buildZip([entry('a.tif'), entry('b.tif')]);
    expect(await preflight(two)).toMatchObject({ ok: true, totalUncompressed: 1600 * MiB });
    const three = buildZip([entry('a.tif'), entry('b.tif'), entry('c.tif')]);
    const { code, reason } = await rejection(three);
    expect(code).toBe('too-large-uncompressed');
    expect(reason).toContain('2 GiB');
  });
});

describe('zipPreflight: dangerous entries', () => {
  it.each([
    'inner.zip',
    'data/archive.tar',
    'data/archive.tar.gz',
    'x.tgz',
    'x.rar',
    'x.7z',
    'x.bz2',
    'x.xz',
    'x.zst',
    'DOC.ZIP',
    'doc.kmz',
    'sheet.xlsx',
  ])('refuses a nested archive: %s', async (name) => {
    const zip = buildZip([
      { name: 'ok.csv', data: csv },
      { name, data: Buffer.from('PK\x05\x06') },
    ]);
    const { code, reason } = await rejection(zip);
    expect(code).toBe('nested-archive');
    expect(reason).toContain(`"${name}"`);
  });

  it.each([
    '../evil.csv',
    'a/../../b.csv',
    'a/b/..',
    '/etc/passwd',
    '\\windows\\win.ini',
    '..\\..\\win.ini',
    'a\\..\\..\\b.csv',
    'C:/x.csv',
    'c:\\x.csv',
    'D:relative.csv',
    'a\0.csv',
  ])('refuses a zip-slip name: %j', async (name) => {
    const { code } = await rejection(buildZip([{ name: 'ok.csv' }, { name, data: csv }]));
    expect(code).toBe('unsafe-path');
  });

  it('checks the Info-ZIP Unicode path extra field as well as the plain name', async () => {
    const path = Buffer.from('../../evil.csv', 'utf8');
    const field = Buffer.concat([Buffer.from([1]), u32(0), path]);
    const extra = Buffer.concat([u16(0x7075), u16(field.length), field]);
    const { code, reason } = await rejection(buildZip([{ name: 'innocent.csv', data: csv, extra }]));
    expect(code).toBe('unsafe-path');
    expect(reason).toContain('../../evil.csv');
  });

  it('refuses an encrypted entry (general-purpose flag bit 0)', async () => {
    const zip = buildZip([{ name: 'ok.csv' }, { name: 'secret.csv', data: csv, flags: 0x0001 }]);
    const { code, reason } = await rejection(zip);
    expect(code).toBe('encrypted');
    expect(reason).toContain('"secret.csv"');
  });

  it('refuses a symbolic link entry', async () => {
    const zip = buildZip([
      { name: 'link.csv', data: Buffer.from('/etc/passwd'), externalAttributes: 0o120777 * 0x10000 },
    ]);
    expect(await rejection(zip)).toMatchObject({ code: 'symlink' });
    // The same mode bits from a non-Unix host mean nothing.
    const dos = buildZip([{ name: 'link.csv', versionMadeBy: 0x0014, externalAttributes: 0o120777 * 0x10000 }]);
    expect(await preflight(dos)).toMatchObject({ ok: true });
  });

  it('refuses duplicate names, including ones spelled with backslashes', async () => {
    expect(await rejection(buildZip([{ name: 'a.csv' }, { name: 'a.csv' }]))).toMatchObject({
      code: 'duplicate-name',
    });
    expect(await rejection(buildZip([{ name: 'd/a.csv' }, { name: 'd\\a.csv' }]))).toMatchObject({
      code: 'duplicate-name',
    });
  });

  it('refuses compression methods GDAL cannot read', async () => {
    const { code, reason } = await rejection(buildZip([{ name: 'a.csv', data: csv, method: 12 }]));
    expect(code).toBe('unsupported-method');
    expect(reason).toContain('method 12');
  });

  it('shows control characters in entry names as ?', async () => {
    const { reason } = await rejection(buildZip([{ name: 'x\u001b[2J.zip' }]));
    expect(reason).toContain('"x?[2J.zip"');
  });
});

describe('zipPreflight: damaged archives', () => {
  const good = buildZip([
    { name: 'a.csv', data: csv, method: 8 },
    { name: 'b.csv', data: csv },
  ]);

  it.each([
    { what: 'a truncated end record', zip: good.subarray(0, good.length - 5) },
    { what: 'trailing bytes after the end record', zip: Buffer.concat([good, Buffer.from('junk')]) },
    { what: 'a file too short for an end record', zip: Buffer.from('PK\x05\x06') },
    { what: 'bytes that are not a ZIP', zip: Buffer.alloc(4096, 0x41) },
    { what: 'a missing prefix (offsets point wrong)', zip: good.subarray(100) },
    { what: 'a directory beyond the file', zip: buildZip([{ name: 'a.csv' }], { eocd: { cdOffset: 1_000_000 } }) },
    { what: 'fewer directory entries than declared', zip: buildZip([{ name: 'a.csv' }], { eocd: { entries: 2 } }) },
    {
      what: 'more directory entries than declared',
      zip: buildZip([{ name: 'a.csv' }, { name: 'b.csv' }], { eocd: { entries: 1 } }),
    },
  ])('refuses $what', async ({ zip }) => {
    const { code, reason } = await rejection(zip);
    expect(code).toBe('corrupt');
    expect(reason).toMatch(/^The archive is damaged or not a ZIP file: /);
  });

  it('refuses a central header with a bad signature', async () => {
    const { zip, cdOffset } = buildZipWithLayout([{ name: 'a.csv', data: csv }]);
    const broken = Buffer.from(zip);
    broken.writeUInt32LE(0x12345678, cdOffset);
    expect(await rejection(broken)).toMatchObject({ code: 'corrupt' });
  });

  it('refuses an archive with no entries', async () => {
    const empty = Buffer.concat([u32(0x06054b50), Buffer.alloc(18)]);
    expect(await rejection(empty)).toEqual({ ok: false, code: 'empty', reason: 'The archive contains no files.' });
  });

  it('refuses split archives', async () => {
    const zip = buildZip([{ name: 'a.csv' }], { eocd: { disk: 1 } });
    expect(await rejection(zip)).toMatchObject({ code: 'multi-disk' });
  });
});

describe('zipPreflight: ZIP64', () => {
  it('reads the entry count, size and offset from the ZIP64 end record', async () => {
    const zip = buildZip([{ name: 'a.csv', data: csv }, { name: 'b.csv' }], { zip64: true });
    expect(await preflight(zip)).toEqual({
      ok: true,
      entries: 2,
      totalUncompressed: csv.length,
      names: ['a.csv', 'b.csv'],
    });
  });

  it('applies the entry limit to the ZIP64 count', async () => {
    const zip = buildZip([{ name: 'a.csv' }], { zip64: true, zip64Record: { entries: 70_000n } });
    expect(await rejection(zip)).toMatchObject({ code: 'too-many-entries' });
  });

  it('refuses a ZIP64 record that contradicts the classic one', async () => {
    const zip = buildZip([{ name: 'a.csv' }, { name: 'b.csv' }], { zip64: true, eocd: { entries: 3 } });
    expect(await rejection(zip)).toMatchObject({ code: 'corrupt' });
  });

  it('refuses a ZIP64 locator pointing outside the file, or at a bad record', async () => {
    const outside = buildZip([{ name: 'a.csv' }], { zip64: true, zip64LocatorOffset: 1n << 40n });
    expect(await rejection(outside)).toMatchObject({ code: 'corrupt' });
    const badSignature = buildZip([{ name: 'a.csv' }], { zip64: true, zip64Record: { signature: 0x01020304 } });
    expect(await rejection(badSignature)).toMatchObject({ code: 'corrupt' });
  });

  it('takes entry sizes from the ZIP64 extra field', async () => {
    // 0xFFFFFFFF read literally would be 4 GiB and fail the total; the extra field says 100 bytes.
    const small = buildZip([{ name: 'a.csv', data: csv, zip64Sizes: { uncompressed: 100n, compressed: 50n } }], {
      zip64: true,
    });
    expect(await preflight(small)).toMatchObject({ ok: true, totalUncompressed: 100 });
    const huge = buildZip([
      { name: 'a.tif', data: csv, zip64Sizes: { uncompressed: 5n * BigInt(GiB), compressed: 1n << 30n } },
    ]);
    expect(await rejection(huge)).toMatchObject({ code: 'too-large-uncompressed' });
    const bomb = buildZip([{ name: 'a.tif', data: csv, zip64Sizes: { uncompressed: 1n << 30n, compressed: 1000n } }]);
    expect(await rejection(bomb)).toMatchObject({ code: 'compression-ratio' });
  });

  it('refuses ZIP64 sentinels without the extra field that should resolve them', async () => {
    const zip = buildZip([{ name: 'a.csv', data: csv, zip64SentinelWithoutExtra: true }]);
    expect(await rejection(zip)).toMatchObject({ code: 'corrupt' });
  });
});
