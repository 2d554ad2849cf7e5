import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import type { RecordReader } from '@app/importers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_READ, FixtureDir } from '../../../../../test/fixtures/readers.js';
import { openCsvReader } from './csv.reader.js';
import { openJsonReader } from './json.reader.js';
import { openXlsxReader } from './xlsx.reader.js';

/**
 * Memory, not time: files far larger than the allowed heap growth are counted and streamed, and the
 * live heap (measured after a forced collection) stays within a bound. A reader that held the file, its
 * text or its rows would exceed it.
 */
const MAX_GROWTH_BYTES = 32 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

async function writeLines(path: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(header);
  for (let i = 1; i <= rows; i += 1) {
    if (!out.write(line(i))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Opens, then streams every record, sampling the live heap; returns the peak growth over the baseline. */
async function peakGrowth(open: () => Promise<RecordReader>, rows: number, sampleEvery: number): Promise<number> {
  const baseline = liveHeap();
  const reader = await open();
  let peak = liveHeap() - baseline;
  expect(reader.total).toBe(rows);
  let count = 0;
  let last = 0;
  for await (const record of reader.records()) {
    count += 1;
    last = record.row_number;
    if (count % sampleEvery === 0) peak = Math.max(peak, liveHeap() - baseline);
  }
  expect([count, last]).toEqual([rows, rows]);
  return peak;
}

describe('readers keep the heap flat in the file size', () => {
  it('CSV: 1,000,000 rows', async () => {
    const rows = 1_000_000;
    const path = files.path('million.csv');
    await writeLines(
      path,
      'id;code;name;city;value;ratio;flag;note\n',
      rows,
      (i) =>
        `${i};C${i % 9973};Name number ${i};"City, ${i % 101}";${i * 3};${(i / 7).toFixed(4)};${i % 2 === 0};plain note text\n`,
    );
    expect((await stat(path)).size).toBeGreaterThan(2 * MAX_GROWTH_BYTES);
    const peak = await peakGrowth(() => openCsvReader(path, DEFAULT_READ, 'csv'), rows, 100_000);
    expect(peak).toBeLessThan(MAX_GROWTH_BYTES);
  }, 300_000);

  it('JSON: a 400,000-record top-level array', async () => {
    const rows = 400_000;
    const path = files.path('records.json');
    await writeLines(
      path,
      '[',
      rows,
      (i) =>
        `${i === 1 ? '' : ','}{"id":${i},"name":"Name number ${i}","tags":["a","b"],"nested":{"x":${i},"y":"text"}}\n`,
    );
    const out = createWriteStream(path, { flags: 'a' });
    out.end(']');
    await once(out, 'finish');
    expect((await stat(path)).size).toBeGreaterThan(MAX_GROWTH_BYTES);
    const peak = await peakGrowth(() => openJsonReader(path, DEFAULT_READ), rows, 50_000);
    expect(peak).toBeLessThan(MAX_GROWTH_BYTES);
  }, 300_000);

  it('XLSX: a 100,000-row sheet', async () => {
    const rows = 100_000;
    const path = files.path('big.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useSharedStrings: false,
      useStyles: false,
    });
    const sheet = writer.addWorksheet('data');
    sheet.addRow(['id', 'code', 'name', 'city', 'value', 'ratio', 'flag', 'note']).commit();
    for (let i = 1; i <= rows; i += 1) {
      sheet
        .addRow([
          i,
          `C${i % 9973}`,
          `Name number ${i}`,
          `City ${i % 101}`,
          i * 3,
          i / 7,
          i % 2 === 0,
          'plain note text',
        ])
        .commit();
    }
    sheet.commit();
    await writer.commit();
    const peak = await peakGrowth(() => openXlsxReader(path, DEFAULT_READ), rows, 20_000);
    // The compressed file is small; holding its 100,000 rows as records would take well over 16 MiB.
    expect(peak).toBeLessThan(MAX_GROWTH_BYTES / 2);
  }, 300_000);
});
