import 'reflect-metadata';
import { ReaderFailure } from '@app/common';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';
import { FixtureDir } from '../../../../../test/fixtures/readers.js';

const files = new FixtureDir();
let xlsx: string;
const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(100)]);
beforeAll(async () => {
  await files.create();
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('s').addRow(['a']);
  xlsx = files.path('book.xlsx');
  await workbook.xlsx.writeFile(xlsx);
});
afterAll(() => files.remove());

describe('detectFormat', () => {
  it.each([
    { name: 'a.csv', content: 'a,b\n1,2\n', format: 'csv' },
    { name: 'a.TSV', content: 'a\tb\n', format: 'tsv' },
    { name: 'a.json', content: '[{"a": 1}]', format: 'json' },
    { name: 'b.json', content: '{"type": "FeatureCollection", "features": []}', format: 'geojson' },
    { name: 'a.ndjson', content: '{"a": 1}\n', format: 'ndjson' },
    { name: 'a.jsonl', content: '{"a": 1}\n', format: 'ndjson' },
    { name: 'a.geojson', content: '{"type": "FeatureCollection", "features": []}', format: 'geojson' },
  ])('$name → $format by its extension', async ({ name, content, format }) => {
    expect(await detectFormat(await files.write(name, content))).toBe(format);
  });

  it('takes the extension from the user’s file name, not the temporary path', async () => {
    const path = await files.write('upload-1234.tmp', '{"a": 1}\n{"a": 2}\n');
    expect(await detectFormat(path, 'export.jsonl')).toBe('ndjson');
  });

  it.each([
    { content: '{"a": 1}\n{"a": 2}\n', format: 'ndjson' },
    { content: '[{"a": 1}]', format: 'json' },
    { content: ' {"type":"FeatureCollection","features":[]}', format: 'geojson' },
    { content: 'code;name\nA;B\n', format: 'csv' },
  ])('without an extension, reads $format from the content', async ({ content, format }) => {
    expect(await detectFormat(await files.write(`noext-${format}`, content))).toBe(format);
  });

  it('tells binary formats by their signature', async () => {
    expect(await detectFormat(xlsx, 'upload')).toBe('xlsx');
    expect(await detectFormat(xlsx)).toBe('xlsx');
    expect(await detectFormat(await files.write('blob', sqlite))).toBe('gpkg');
    expect(await detectFormat(await files.write('data.gpkg', sqlite))).toBe('gpkg');
  });

  it('refuses a binary extension whose content is something else', async () => {
    const fake = await files.write('fake.gpkg', 'a,b\n1,2\n');
    await expect(detectFormat(fake)).rejects.toMatchObject({
      failure: ReaderFailure.UnknownFormat,
      message: 'The file content is not a valid GeoPackage.',
      status: 415,
    });
    await expect(detectFormat(xlsx, 'sheet.gpkg')).rejects.toMatchObject({
      failure: ReaderFailure.UnknownFormat,
      message: 'The file content is a ZIP archive, which does not match its .gpkg extension.',
    });
  });

  it('refuses unknown binary content and an empty file', async () => {
    await expect(detectFormat(await files.write('bin', Buffer.from([0x00, 0x01, 0x02, 0x03])))).rejects.toMatchObject({
      failure: ReaderFailure.UnknownFormat,
    });
    await expect(detectFormat(await files.write('empty.csv', ''))).rejects.toMatchObject({
      failure: ReaderFailure.Empty,
    });
  });
});
