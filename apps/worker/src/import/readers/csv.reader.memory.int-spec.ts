import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCsvReader } from './csv.reader.js';
import { DEFAULT_READ, FixtureDir } from '../../../../../test/fixtures/readers.js';

/**
 * Memory, not time: a file several times larger than the allowed heap growth is counted and streamed,
 * and the live heap (measured after a forced collection) stays within a bound. A reader that held the
 * file, its text or its rows would exceed it.
 */
const ROWS = 1_000_000;
const MAX_GROWTH_BYTES = 32 * 1024 * 1024;
const SAMPLE_EVERY = 100_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

const files = new FixtureDir();
let path: string;

beforeAll(async () => {
  await files.create();
  path = files.path('million.csv');
  const out = createWriteStream(path);
  out.write('id;code;name;city;value;ratio;flag;note\n');
  for (let i = 1; i <= ROWS; i += 1) {
    const line = `${i};C${i % 9973};Name number ${i};"City, ${i % 101}";${i * 3};${(i / 7).toFixed(4)};${i % 2 === 0};plain note text\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}, 120_000);

afterAll(() => files.remove());

it('counts and streams a 1,000,000-row CSV with a bounded heap', async () => {
  const size = (await stat(path)).size;
  expect(size).toBeGreaterThan(2 * MAX_GROWTH_BYTES);
  const baseline = liveHeap();
  let peak = 0;

  const reader = await openCsvReader(path, DEFAULT_READ, 'csv');
  peak = Math.max(peak, liveHeap() - baseline);
  expect([reader.total, reader.headers.length]).toEqual([ROWS, 8]);

  let count = 0;
  let last = 0;
  for await (const record of reader.records()) {
    count += 1;
    last = record.row_number;
    if (count % SAMPLE_EVERY === 0) peak = Math.max(peak, liveHeap() - baseline);
  }
  expect([count, last]).toEqual([ROWS, ROWS]);
  expect(peak).toBeLessThan(MAX_GROWTH_BYTES);
}, 300_000);
