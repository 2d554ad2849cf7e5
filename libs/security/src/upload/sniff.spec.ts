import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { SNIFFABLE_EXTENSIONS, sniffContent } from './sniff.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The 100-byte database header SQLite writes, as GDAL leaves it in a new GeoPackage. */
function sqliteHeader(applicationId: string | null): Buffer {
  const h = Buffer.alloc(100);
  h.write('SQLite format 3\0', 0, 'latin1');
  h.writeUInt16BE(4096, 16); // page size
  h.writeUInt8(1, 18); // write version
  h.writeUInt8(1, 19); // read version
  h.writeUInt8(64, 21); // max embedded payload fraction
  h.writeUInt8(32, 22);
  h.writeUInt8(32, 23);
  h.writeUInt32BE(7, 24); // change counter
  h.writeUInt32BE(12, 28); // pages
  h.writeUInt32BE(4, 44); // schema format
  h.writeUInt32BE(1, 56); // UTF-8
  h.writeUInt32BE(10300, 60); // user_version: GeoPackage 1.3
  if (applicationId) h.write(applicationId, 68, 'latin1');
  h.writeUInt32BE(7, 92);
  h.writeUInt32BE(3040001, 96); // SQLITE_VERSION_NUMBER
  return Buffer.concat([h, Buffer.alloc(3996)]);
}

/** A local file header for `a.csv`, stored, as every ZIP and XLSX starts. */
const zipHead = Buffer.concat([bytes('PK\x03\x04\x14\0\0\0\0\0'), Buffer.alloc(16), bytes('\x05\0\0\0a.csv')]);
const emptyZip = Buffer.concat([bytes('PK\x05\x06'), Buffer.alloc(18)]);
const tiffLE = Buffer.concat([bytes('II*\0\x08\0\0\0'), Buffer.alloc(64)]);
const tiffBE = Buffer.concat([bytes('MM\0*\0\0\0\x08'), Buffer.alloc(64)]);
const bigTiffLE = Buffer.concat([bytes('II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0'), Buffer.alloc(64)]);
const bigTiffBE = Buffer.concat([bytes('MM\0+\0\x08\0\0\0\0\0\0\0\0\0\x10'), Buffer.alloc(64)]);
const flatGeobuf = Buffer.concat([bytes('fgb\x03fgb\x01'), Buffer.from([0x58, 0, 0, 0]), Buffer.alloc(88)]);
/** ELF64 header of an x86-64 executable. */
const elf = Buffer.concat([
  bytes('\x7fELF\x02\x01\x01\0'),
  Buffer.alloc(8),
  bytes('\x02\0\x3e\0\x01\0\0\0'),
  Buffer.alloc(40),
]);
/** DOS header whose e_lfanew points at a PE signature. */
function portableExecutable(): Buffer {
  const pe = Buffer.alloc(0x100);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt16LE(0x90, 2);
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x8664, 0x84);
  return pe;
}

describe('sniffContent: binary formats', () => {
  it.each([
    { what: 'a GeoPackage', head: sqliteHeader('GPKG'), ext: '.gpkg', detected: 'gpkg' },
    { what: 'a GeoPackage 1.0', head: sqliteHeader('GP10'), ext: '.gpkg', detected: 'gpkg' },
    { what: 'SQLite without a GeoPackage id', head: sqliteHeader(null), ext: '.gpkg', detected: 'sqlite' },
    { what: 'a bare SQLite magic', head: bytes('SQLite format 3\0'), ext: '.gpkg', detected: 'sqlite' },
    { what: 'a ZIP', head: zipHead, ext: '.zip', detected: 'zip' },
    { what: 'an empty ZIP', head: emptyZip, ext: '.zip', detected: 'zip' },
    { what: 'an XLSX', head: zipHead, ext: '.xlsx', detected: 'zip' },
    { what: 'a little-endian TIFF', head: tiffLE, ext: '.tif', detected: 'tiff' },
    { what: 'a big-endian TIFF', head: tiffBE, ext: '.tiff', detected: 'tiff' },
    { what: 'a little-endian BigTIFF', head: bigTiffLE, ext: '.tif', detected: 'bigtiff' },
    { what: 'a big-endian BigTIFF', head: bigTiffBE, ext: '.tiff', detected: 'bigtiff' },
    { what: 'a FlatGeobuf', head: flatGeobuf, ext: '.fgb', detected: 'flatgeobuf' },
  ])('accepts $what as $ext', ({ head, ext, detected }) => {
    expect(sniffContent(head, ext)).toEqual({ ok: true, detected });
  });

  it.each([
    { what: 'ZIP', head: zipHead, ext: '.gpkg', label: 'a ZIP archive' },
    { what: 'SQLite', head: sqliteHeader('GPKG'), ext: '.zip', label: 'an SQLite database' },
    { what: 'TIFF', head: tiffLE, ext: '.fgb', label: 'a TIFF image' },
    { what: 'FlatGeobuf', head: flatGeobuf, ext: '.tif', label: 'a FlatGeobuf file' },
    { what: 'ELF', head: elf, ext: '.gpkg', label: 'an ELF executable' },
    { what: 'PE', head: portableExecutable(), ext: '.tif', label: 'a Windows executable' },
    { what: 'legacy .xls', head: bytes('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0'), ext: '.xlsx', label: 'legacy Office' },
    { what: 'gzip', head: bytes('\x1f\x8b\x08\0\0\0\0\0'), ext: '.zip', label: 'a gzip archive' },
    { what: 'PNG', head: bytes('\x89PNG\r\n\x1a\n\0\0\0\rIHDR'), ext: '.tif', label: 'a PNG image' },
  ])('refuses $what content named $ext with 415', ({ head, ext, label }) => {
    const result = sniffContent(head, ext);
    expect(result).toMatchObject({ ok: false, status: 415 });
    expect(result.ok ? '' : result.reason).toContain(label);
    expect(result.ok ? '' : result.reason).toContain(ext);
  });

  it.each([
    { what: 'text', head: bytes('hello, this is not a database'), ext: '.gpkg' },
    { what: 'a truncated SQLite magic', head: bytes('SQLite for'), ext: '.gpkg' },
    { what: 'SQLite magic without its NUL', head: bytes('SQLite format 3 and more'), ext: '.gpkg' },
    { what: 'random bytes', head: Buffer.from([0x13, 0x37, 0x00, 0xff, 0x42, 0x00]), ext: '.tif' },
    { what: 'a TIFF-looking prefix', head: bytes('II*'), ext: '.tif' },
    { what: 'FlatGeobuf version 2', head: bytes('fgb\x02fgb\0'), ext: '.fgb' },
    { what: 'text', head: bytes('PK but not a zip'), ext: '.zip' },
  ])('refuses $what named $ext with 422', ({ head, ext }) => {
    expect(sniffContent(head, ext)).toMatchObject({ ok: false, status: 422 });
  });
});

describe('sniffContent: text formats', () => {
  it.each([
    {
      what: 'a FeatureCollection',
      head: '{"type":"FeatureCollection","features":[]}',
      ext: '.geojson',
      detected: 'json',
    },
    { what: 'JSON after a BOM and blank lines', head: '\ufeff\r\n\t {"a":1}', ext: '.geojson', detected: 'json' },
    { what: 'a JSON array', head: '[{"a":1}]', ext: '.json', detected: 'json' },
    { what: 'a TopoJSON topology', head: '{"type":"Topology","objects":{}}', ext: '.topojson', detected: 'json' },
    { what: 'a CSV', head: 'lon,lat,name\n13.4,52.5,Berlin\n', ext: '.csv', detected: 'text' },
    { what: 'a CSV with a BOM', head: '\ufeffid;name\n1;x\n', ext: '.csv', detected: 'text' },
    { what: 'a Latin-1 CSV', head: 'name\nM\xfcnchen\n', ext: '.csv', detected: 'text' },
    { what: 'a CSV whose first column is MZ_CODE', head: 'MZ_CODE,lat,lon\n1,2,3\n', ext: '.csv', detected: 'text' },
    { what: 'a CSV whose first column is BZh', head: 'BZh,x\n1,2\n', ext: '.csv', detected: 'text' },
    { what: 'a KML document', head: '<?xml version="1.0"?><kml>', ext: '.kml', detected: 'xml' },
    {
      what: 'KML after whitespace',
      head: '\n  <kml xmlns="http://www.opengis.net/kml/2.2">',
      ext: '.kml',
      detected: 'xml',
    },
  ])('accepts $what as $ext', ({ head, ext, detected }) => {
    const buf = Buffer.from(head, head.includes('\xfc') ? 'latin1' : 'utf8');
    expect(sniffContent(buf, ext)).toEqual({ ok: true, detected });
  });

  it.each([
    { what: 'an ELF binary', head: elf, ext: '.geojson', label: 'an ELF executable' },
    { what: 'a PE binary', head: portableExecutable(), ext: '.csv', label: 'a Windows executable' },
    {
      what: 'an old DOS executable',
      head: Buffer.concat([bytes('MZ\x90\0\x03\0'), Buffer.alloc(80)]),
      ext: '.csv',
      label: 'a Windows executable',
    },
    { what: 'a ZIP (KMZ)', head: zipHead, ext: '.kml', label: 'a ZIP archive' },
    { what: 'a ZIP', head: zipHead, ext: '.csv', label: 'a ZIP archive' },
    { what: 'SQLite', head: sqliteHeader('GPKG'), ext: '.json', label: 'an SQLite database' },
    { what: 'a TIFF', head: tiffBE, ext: '.csv', label: 'a TIFF image' },
    { what: 'gzip', head: bytes('\x1f\x8b\x08\0'), ext: '.geojson', label: 'a gzip archive' },
    { what: 'a PDF', head: bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'), ext: '.json', label: 'a PDF document' },
    { what: 'bzip2', head: bytes('BZh91AY&SY\x12\x34'), ext: '.csv', label: 'a bzip2 archive' },
    { what: '7-Zip', head: bytes("7z\xbc\xaf'\x1c\0\x04"), ext: '.csv', label: 'a 7-Zip archive' },
  ])('refuses $what named $ext with 415', ({ head, ext, label }) => {
    const result = sniffContent(head, ext);
    expect(result).toMatchObject({ ok: false, status: 415 });
    expect(result.ok ? '' : result.reason).toContain(label);
  });

  it.each([
    { what: 'a NUL byte', head: bytes('id,name\n1,a\0b\n'), ext: '.csv', says: 'NUL' },
    { what: 'a NUL byte', head: bytes('{"a":"\0"}'), ext: '.geojson', says: 'NUL' },
    { what: 'UTF-16 LE', head: Buffer.from('\ufeffid,name\n', 'utf16le'), ext: '.csv', says: 'UTF-16' },
    { what: 'UTF-16 BE', head: bytes('\xfe\xff\0{\0"'), ext: '.json', says: 'UTF-16' },
    { what: 'text before the JSON', head: bytes('hello {"a":1}'), ext: '.geojson', says: "'{' or '['" },
    { what: 'a JSON scalar', head: bytes('"just a string"'), ext: '.json', says: "'{' or '['" },
    { what: 'only whitespace', head: bytes(' \n\t\r\n'), ext: '.json', says: "'{' or '['" },
    { what: 'a KML that is not XML', head: bytes('name,lon,lat\n'), ext: '.kml', says: 'XML' },
    { what: 'only whitespace', head: bytes('\n\n  \n'), ext: '.csv', says: 'whitespace' },
  ])('refuses $what in $ext with 422', ({ head, ext, says }) => {
    const result = sniffContent(head, ext);
    expect(result).toMatchObject({ ok: false, status: 422 });
    expect(result.ok ? '' : result.reason).toContain(says);
  });
});

describe('sniffContent: everything else', () => {
  it.each(SNIFFABLE_EXTENSIONS)('refuses an empty %s file with 422', (ext) => {
    expect(sniffContent(Buffer.alloc(0), ext)).toEqual({ ok: false, status: 422, reason: 'The file is empty.' });
  });

  it.each(['.exe', '.shp', '.vrt', '.xls', ''])('refuses an extension it cannot check (%j) with 415', (ext) => {
    expect(sniffContent(bytes('{"type":"FeatureCollection"}'), ext)).toMatchObject({ ok: false, status: 415 });
  });

  it('takes the extension in any case, with or without its dot', () => {
    expect(sniffContent(sqliteHeader('GPKG'), 'GPKG')).toEqual({ ok: true, detected: 'gpkg' });
    expect(sniffContent(bytes('{}'), '.GeoJSON')).toEqual({ ok: true, detected: 'json' });
    expect(sniffContent(elf, 'GEOJSON')).toMatchObject({ ok: false, status: 415 });
  });
});
