import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@app/common';
import {
  DEFAULT_ALLOWED_EXTENSIONS,
  extensionOf,
  isAllowedExtension,
  normaliseExtension,
  safeBasename,
} from './filename.js';
import { SNIFFABLE_EXTENSIONS } from './sniff.js';
import { UploadRejectedError } from './upload.errors.js';

describe('safeBasename', () => {
  it.each([
    { name: 'roads.gpkg', expected: 'roads.gpkg' },
    { name: '../../etc/passwd', expected: 'passwd' },
    { name: '/etc/passwd', expected: 'passwd' },
    { name: 'C:\\x\\y.gpkg', expected: 'y.gpkg' },
    { name: '..\\..\\windows\\win.ini', expected: 'win.ini' },
    { name: 'a/b\\c/d.csv', expected: 'd.csv' },
    { name: 'C:y.gpkg', expected: 'C_y.gpkg' },
    // full-width solidus and dots become real ones, so they are split on too
    { name: 'x\uff0f\uff0e\uff0e\uff0fz.csv', expected: 'z.csv' },
  ])('keeps only the last path segment: $name → $expected', ({ name, expected }) => {
    expect(safeBasename(name)).toBe(expected);
  });

  it.each([
    { name: 'evil.gpkg\0.exe', expected: 'evil.gpkg.exe' },
    { name: 'a\u0000b\u0007c\u001b[31m.csv', expected: 'abc_31m.csv' },
    { name: 'line\r\nbreak.csv', expected: 'line_break.csv' },
    // a right-to-left override would display "gpkg.exe" as "exe.gpkg"
    { name: 'report\u202egpkg.exe', expected: 'reportgpkg.exe' },
    { name: 'zero\u200bwidth.csv', expected: 'zerowidth.csv' },
  ])('drops control and invisible characters: $name', ({ name, expected }) => {
    expect(safeBasename(name)).toBe(expected);
  });

  it.each([
    { name: 'my   data\tfile.csv', expected: 'my_data_file.csv' },
    { name: '  padded.csv  ', expected: 'padded.csv' },
    { name: 'a;b|c$(rm -rf).csv', expected: 'a_b_c_rm_-rf_.csv' },
    { name: 'Übersicht Straßen.gpkg', expected: 'Ubersicht_Stra_en.gpkg' },
    { name: 'café.csv', expected: 'cafe.csv' },
    { name: 'карта.geojson', expected: '_.geojson' },
    { name: 'ﬁle.csv', expected: 'file.csv' },
    { name: 'ok_name-1.2.tif', expected: 'ok_name-1.2.tif' },
  ])('keeps [A-Za-z0-9._-] only: $name → $expected', ({ name, expected }) => {
    expect(safeBasename(name)).toBe(expected);
  });

  it.each([
    { name: '-oQ.gpkg', expected: '_-oQ.gpkg' },
    { name: '--config.csv', expected: '_--config.csv' },
    { name: '.hidden.csv', expected: '_.hidden.csv' },
    { name: '.gpkg', expected: '_.gpkg' },
    { name: 'dir/-x.csv', expected: '_-x.csv' },
    { name: '...', expected: '_...' },
  ])('never starts with - or .: $name → $expected', ({ name, expected }) => {
    expect(safeBasename(name)).toBe(expected);
  });

  it.each(['', '   ', '.', '..', '../', 'a/..', 'a\\..', '\0', '\0\0..', ' .. ', 'dir/', '\u202e'])(
    'refuses a name with nothing usable: %j',
    (name) => {
      let caught: unknown;
      try {
        safeBasename(name);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UploadRejectedError);
      expect((caught as UploadRejectedError).code).toBe(ErrorCode.Unprocessable);
      expect((caught as UploadRejectedError).status).toBe(422);
    },
  );

  it('limits a very long name to 255 bytes and keeps its extension', () => {
    const result = safeBasename(`${'a'.repeat(1000)}.gpkg`);
    expect(Buffer.byteLength(result)).toBe(255);
    expect(result).toBe(`${'a'.repeat(250)}.gpkg`);
  });

  it('counts bytes after transliteration, not client characters', () => {
    const result = safeBasename(`${'é'.repeat(400)}.geojson`);
    expect(result).toBe(`${'e'.repeat(247)}.geojson`);
  });

  it('truncates a long name whose "extension" is too long to keep', () => {
    const result = safeBasename(`x.${'b'.repeat(400)}`);
    expect(result).toBe(`x.${'b'.repeat(253)}`);
  });

  it('honours a smaller byte budget', () => {
    expect(safeBasename(`${'n'.repeat(100)}.csv`, { maxBytes: 20 })).toBe(`${'n'.repeat(16)}.csv`);
  });

  it('returns names that are safe storage-key segments', () => {
    const hostile = ['../../etc/passwd', '-rf', 'a b/c d.csv', '😀.json', 'x\0y', '..a', 'CON.csv'];
    for (const name of hostile) expect(safeBasename(name)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
  });
});

describe('extensionOf', () => {
  it.each([
    { name: 'a.GPKG', expected: '.gpkg' },
    { name: 'a.tar.GZ', expected: '.gz' },
    { name: 'dir.v2/file', expected: '' },
    { name: 'dir\\x.csv', expected: '.csv' },
    { name: '.bashrc', expected: '' },
    { name: 'name.', expected: '' },
    { name: 'noext', expected: '' },
    { name: '_.gpkg', expected: '.gpkg' },
  ])('$name → "$expected"', ({ name, expected }) => {
    expect(extensionOf(name)).toBe(expected);
  });
});

describe('isAllowedExtension', () => {
  it('uses the default list', () => {
    expect(DEFAULT_ALLOWED_EXTENSIONS).toEqual([
      '.gpkg',
      '.zip',
      '.geojson',
      '.json',
      '.topojson',
      '.csv',
      '.xlsx',
      '.tif',
      '.tiff',
      '.fgb',
      '.kml',
    ]);
    expect(isAllowedExtension('Roads.GPKG')).toBe(true);
    expect(isAllowedExtension('a.tiff')).toBe(true);
  });

  it.each(['a.exe', 'a.vrt', 'a.shp', 'a.gpkg.exe', 'gpkg', '.gpkg', 'a.', 'a.xls'])('refuses %s by default', (n) => {
    expect(isAllowedExtension(n)).toBe(false);
  });

  it('matches a custom list case-insensitively, with or without dots', () => {
    expect(isAllowedExtension('a.CSV', ['csv'])).toBe(true);
    expect(isAllowedExtension('a.csv', [' .CSV '])).toBe(true);
    expect(isAllowedExtension('a.gpkg', ['csv'])).toBe(false);
    expect(isAllowedExtension('a.csv', [])).toBe(false);
  });

  it('every default extension has a content sniffer', () => {
    for (const e of DEFAULT_ALLOWED_EXTENSIONS) expect(SNIFFABLE_EXTENSIONS).toContain(normaliseExtension(e));
  });
});
