import 'reflect-metadata';
import { ReaderFailure } from '@app/common';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_READ, FixtureDir, abortAfterChecks, collect, readWith } from '../../../../../test/fixtures/readers.js';
import { cellValue, isoDate, openXlsxReader } from './xlsx.reader.js';

const files = new FixtureDir();
let workbookPath: string;

/** Three sheets; `Stations` (the second) has a title row, a blank row, dates, formulas and rich text. */
async function writeWorkbook(path: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const first = workbook.addWorksheet('Notes');
  first.addRow(['note']);
  first.addRow(['first sheet']);

  const sheet = workbook.addWorksheet('Stations');
  sheet.addRow(['Station list, exported 2024']);
  sheet.addRow([]);
  sheet.addRow(['code', 'elevation', 'opened', 'active', 'double', 'label', 'code']);
  sheet.addRow(['A1', 120.5, new Date(Date.UTC(2020, 4, 17)), true]);
  sheet.getCell('E4').value = { formula: 'B4*2', result: 241 };
  sheet.getCell('F4').value = { richText: [{ text: 'Alpine ' }, { font: { bold: true }, text: 'Peak' }] };
  sheet.getCell('G4').value = 'dup';
  sheet.addRow([]);
  sheet.addRow(['B2', 80, new Date(Date.UTC(2021, 0, 2, 13, 45, 0)), false, null, 'Valley', null, 'extra']);
  sheet.getCell('E6').value = { formula: 'B6*2', result: 160 };
  sheet.getCell('C6').numFmt = 'yyyy-mm-dd hh:mm';
  sheet.getCell('C4').numFmt = 'dd.mm.yyyy';
  // A formula whose cached result is a date serial (2020-05-18) under a date format.
  sheet.getCell('I4').value = { formula: 'C4+1', result: 43969 };
  sheet.getCell('I4').numFmt = 'yyyy-mm-dd';

  const third = workbook.addWorksheet('Empty');
  third.addRow([]);
  await workbook.xlsx.writeFile(path);
}

beforeAll(async () => {
  await files.create();
  workbookPath = files.path('stations.xlsx');
  await writeWorkbook(workbookPath);
});
afterAll(() => files.remove());

describe('cellValue', () => {
  const context = { numFmt: undefined, date1904: false };

  it('normalises each kind of cell', () => {
    expect(cellValue(null, context)).toBeNull();
    expect(cellValue(4.5, context)).toBe(4.5);
    expect(cellValue(true, context)).toBe(true);
    expect(cellValue('x', context)).toBe('x');
    expect(cellValue(new Date(Date.UTC(2020, 0, 1)), context)).toBe('2020-01-01');
    expect(cellValue({ richText: [{ text: 'a' }, { text: 'b' }] }, context)).toBe('ab');
    expect(cellValue({ formula: 'A1', result: 'text' }, context)).toBe('text');
    expect(cellValue({ formula: 'A1' }, context)).toBeNull();
    expect(cellValue({ sharedFormula: 'A1', result: 3 }, context)).toBe(3);
    expect(cellValue({ error: '#DIV/0!' }, context)).toBe('#DIV/0!');
    expect(cellValue({ text: 'link', hyperlink: 'https://example.org' }, context)).toBe('link');
  });

  it('reads a formula result under a date format as a date, in either date system', () => {
    expect(cellValue({ formula: 'A1+1', result: 43969 }, { numFmt: 'dd/mm/yyyy', date1904: false })).toBe('2020-05-18');
    expect(cellValue({ formula: 'A1+1', result: 0.5 }, { numFmt: '[Red]0.00', date1904: false })).toBe(0.5);
    expect(cellValue({ formula: 'A1', result: 0 }, { numFmt: 'yyyy-mm-dd', date1904: true })).toBe('1904-01-01');
  });

  it('keeps the time of day when there is one', () => {
    expect(isoDate(new Date(Date.UTC(2021, 0, 2, 13, 45)))).toBe('2021-01-02T13:45:00.000Z');
  });
});

describe('openXlsxReader', () => {
  it('reads a sheet by name from its header row, skipping blank rows', async () => {
    const reader = await openXlsxReader(workbookPath, readWith({ sheet: 'Stations', header_row: 3 }));
    expect(reader.headers).toEqual([
      'code',
      'elevation',
      'opened',
      'active',
      'double',
      'label',
      'code_2',
      'column_8',
      'column_9',
    ]);
    expect(reader.total).toBe(2);
    expect(await collect(reader)).toEqual([
      {
        row_number: 1,
        data: {
          code: 'A1',
          elevation: 120.5,
          opened: '2020-05-17',
          active: true,
          double: 241,
          label: 'Alpine Peak',
          code_2: 'dup',
          column_8: null,
          column_9: '2020-05-18',
        },
        geometry: null,
      },
      {
        row_number: 2,
        data: {
          code: 'B2',
          elevation: 80,
          opened: '2021-01-02T13:45:00.000Z',
          active: false,
          double: 160,
          label: 'Valley',
          code_2: null,
          column_8: 'extra',
          column_9: null,
        },
        geometry: null,
      },
    ]);
  });

  it('reads a sheet by 1-based index, default the first', async () => {
    const second = await openXlsxReader(workbookPath, readWith({ sheet: 2, header_row: 3 }));
    expect(second.headers[0]).toBe('code');
    const first = await openXlsxReader(workbookPath, DEFAULT_READ);
    expect([first.headers, first.total]).toEqual([['note'], 1]);
    expect((await collect(first))[0]?.data).toEqual({ note: 'first sheet' });
  });

  it('reads the same sheets on every attempt (worksheets stored before the shared strings, as exceljs writes them)', async () => {
    // A front-to-back streaming read of this layout lost the workbook part in about 3 % of reads.
    const outcomes = new Set<string>();
    for (let i = 0; i < 150; i += 1) {
      const second = await openXlsxReader(workbookPath, readWith({ sheet: 2, header_row: 3 }));
      const first = await openXlsxReader(workbookPath, DEFAULT_READ);
      outcomes.add(JSON.stringify([second.headers[0], second.total, first.headers, first.total]));
    }
    expect([...outcomes]).toEqual([JSON.stringify(['code', 2, ['note'], 1])]);
  });

  it('matches a sheet name ignoring case', async () => {
    const reader = await openXlsxReader(workbookPath, readWith({ sheet: 'stations', header_row: 3 }));
    expect(reader.total).toBe(2);
  });

  it('resumes at a row number', async () => {
    const reader = await openXlsxReader(workbookPath, readWith({ sheet: 'Stations', header_row: 3 }));
    expect((await collect(reader, 2)).map((r) => [r.row_number, r.data.code])).toEqual([[2, 'B2']]);
  });

  it('a missing sheet is reader-sheet-not-found; an empty one reader-empty', async () => {
    await expect(openXlsxReader(workbookPath, readWith({ sheet: 'Nope' }))).rejects.toMatchObject({
      failure: ReaderFailure.SheetNotFound,
      message: "The workbook has no sheet named 'Nope'.",
    });
    await expect(openXlsxReader(workbookPath, readWith({ sheet: 7 }))).rejects.toMatchObject({
      failure: ReaderFailure.SheetNotFound,
      message: 'The workbook has no sheet 7.',
    });
    await expect(openXlsxReader(workbookPath, readWith({ sheet: 'Empty' }))).rejects.toMatchObject({
      failure: ReaderFailure.Empty,
    });
  });

  it('a file that is not a workbook is reader-malformed', async () => {
    const path = await files.write('fake.xlsx', 'code,name\nA,B\n');
    await expect(openXlsxReader(path, DEFAULT_READ)).rejects.toMatchObject({ failure: ReaderFailure.Malformed });
  });
});

describe('openXlsxReader: an abandoned open', () => {
  it('stops the first pass at the next row once aborted', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Rows');
    sheet.addRow(['id', 'name']);
    for (let i = 0; i < 500; i += 1) sheet.addRow([i, `row ${i}`]);
    const path = files.path('abandon.xlsx');
    await workbook.xlsx.writeFile(path);
    const { signal, checks } = abortAfterChecks(5);
    await expect(openXlsxReader(path, DEFAULT_READ, signal)).rejects.toThrow('aborted by the test');
    expect(checks()).toBe(6);
  });
});
