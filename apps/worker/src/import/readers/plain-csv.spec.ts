import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvReader } from './csv.reader.js';
import { isBlankLine, plainCsvChunks, plainRecordData, type PlainChunk } from './plain-csv.js';
import { DEFAULT_READ, FixtureDir, collect } from '../../../../../test/fixtures/readers.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

async function chunksOf(
  name: string,
  content: string,
  size: number,
  firstChunk = 0,
  read = DEFAULT_READ,
  readSize?: number,
) {
  const reader = await openCsvReader(await files.write(name, content), read, 'csv');
  const plain = reader.plain;
  if (!plain) throw new Error(`${name} is not plain`);
  const chunks: PlainChunk[] = [];
  for await (const chunk of plainCsvChunks(plain, size, firstChunk, readSize)) chunks.push(chunk);
  return { reader, plain, chunks };
}

/** The chunks' lines as records, the way the pipeline's fallback builds them. */
function recordsOf(chunks: PlainChunk[], delimiter: string, headers: string[]) {
  return chunks.flatMap((chunk) =>
    chunk.bytes
      .toString('utf8')
      .slice(0, -1)
      .split('\n')
      .map((line, i) => ({ row_number: chunk.firstRow + i, data: plainRecordData(line, delimiter, headers) })),
  );
}

describe('plain CSV rows, cut without a parser', () => {
  it.each([
    { name: 'simple', content: 'a,b\n1,2\n3,4\n5,6\n' },
    { name: 'no final line end', content: 'a,b\n1,2\n3,4' },
    { name: 'blank and all-empty lines', content: '\na,b\n\n1,2\n,\n  , \n3,4\n\n\n5,\n' },
    { name: 'non-ASCII blank line', content: 'a,b\n1,2\n\u00a0,\u3000\n3,4\n' },
    { name: 'non-ASCII cells', content: 'a,b\nZürich,日本\n\u00a0x,y\n' },
    { name: 'ragged rows', content: 'a,b\n1\n2,3,4\n5,6\n' },
  ])('yields the rows the CSV reader reads, numbered alike: $name', async ({ name, content }) => {
    const { reader, plain, chunks } = await chunksOf(`${name}.csv`, content, 2);
    const expected = (await collect(reader)).map(({ row_number, data }) => ({ row_number, data }));
    expect(recordsOf(chunks, plain.delimiter, plain.headers)).toEqual(expected);
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(reader.total);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('cuts lines that cross read buffers, and a line longer than several of them', async () => {
    const long = (n: number, width: number) => `${n},${String(n % 10).repeat(width)}`;
    const lines = ['a,b', long(1, 700_000), ...Array.from({ length: 40 }, (_, i) => long(i + 2, 30_000)), long(99, 5)];
    // 256 KiB reads: lines and chunks cross them (the default reads are larger than this file).
    const { reader, plain, chunks } = await chunksOf(
      'long-lines.csv',
      lines.join('\n'),
      7,
      0,
      DEFAULT_READ,
      256 * 1024,
    );
    const expected = (await collect(reader)).map(({ row_number, data }) => ({ row_number, data }));
    expect(recordsOf(chunks, plain.delimiter, plain.headers)).toEqual(expected);
    expect(expected).toHaveLength(42);
    // With the default reads the whole file is one read: the same rows.
    const whole = await chunksOf('long-lines-one-read.csv', lines.join('\n'), 7);
    expect(recordsOf(whole.chunks, plain.delimiter, plain.headers)).toEqual(expected);
  });

  it('skips the lines before header_row and the header itself', async () => {
    const read = { ...DEFAULT_READ, header_row: 3, delimiter: ';' };
    const { reader, chunks } = await chunksOf('preamble.csv', 'report\nmade today\nx;y\n1;2\n\n3;4\n', 10, 0, read);
    expect(reader.headers).toEqual(['x', 'y']);
    expect(chunks.map((c) => [c.firstRow, c.rows, c.bytes.toString()])).toEqual([[1, 2, '1;2\n3;4\n']]);
  });

  it('starts at a later chunk without copying the rows before it', async () => {
    const content = `n\n${Array.from({ length: 10 }, (_, i) => i + 1).join('\n')}\n`;
    const { chunks } = await chunksOf('resume.csv', content, 3, 2);
    expect(chunks.map((c) => [c.index, c.firstRow, c.rows, c.bytes.toString()])).toEqual([
      [2, 7, 3, '7\n8\n9\n'],
      [3, 10, 1, '10\n'],
    ]);
  });

  it.each([
    { name: 'a quote', content: 'a,b\n"1",2\n' },
    { name: 'a carriage return', content: 'a,b\r\n1,2\r\n' },
    { name: 'a NUL', content: 'a,b\n1\u0000,2\n' },
  ])('a file with $name is not plain', async ({ name, content }) => {
    const reader = await openCsvReader(await files.write(`not-${name}.csv`, content), DEFAULT_READ, 'csv');
    expect(reader.plain).toBeNull();
  });

  it('a file in another encoding is not plain', async () => {
    const read = { ...DEFAULT_READ, encoding: 'latin1' };
    const reader = await openCsvReader(await files.write('latin1.csv', 'a,b\n1,2\n'), read, 'csv');
    expect(reader.plain).toBeNull();
  });
});

describe('isBlankLine', () => {
  const blank = (text: string, delimiter = ',') =>
    isBlankLine(Buffer.from(text), 0, Buffer.byteLength(text), delimiter.charCodeAt(0));
  it.each([
    ['', true],
    [',,,', true],
    [' \t, ', true],
    ['\u00a0,\u2003', true],
    ['a', false],
    [',,x', false],
    ['\u00a0é', false],
  ])('%j → %s', (text, expected) => {
    expect(blank(text)).toBe(expected);
  });
  it('the delimiter counts as empty, a comma does not under another delimiter', () => {
    expect(blank('\t\t', '\t')).toBe(true);
    expect(blank(',', ';')).toBe(false);
  });
});
