import 'reflect-metadata';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_READ, FixtureDir, collect, readWith } from '../../../../../test/fixtures/readers.js';
import { CsvRecordCounter } from './csv-count.js';
import { openCsvReader } from './csv.reader.js';
import { isBlankRow } from './headers.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

function count(text: string, delimiter = ',', headerRow = 1, chunk = 3) {
  const counter = new CsvRecordCounter(delimiter, headerRow);
  // Small chunks: quotes, CRLF and escapes split across chunk boundaries.
  for (let i = 0; i < text.length; i += chunk) counter.feed(text.slice(i, i + chunk));
  return counter.end();
}

/** What the reader's parser makes of the same text: non-blank records and the widest. */
function parsed(text: string, delimiter = ',', headerRow = 1) {
  const rows = (
    parse(text, {
      delimiter,
      from_line: headerRow,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as string[][]
  ).filter((row) => !isBlankRow(row));
  return { records: rows.length, maxWidth: Math.max(0, ...rows.map((row) => row.length)), closed: true };
}

describe('CsvRecordCounter', () => {
  it.each([
    { name: 'plain', text: 'a,b\n1,2\n3,4\n', records: 3, maxWidth: 2 },
    { name: 'no final newline', text: 'a,b\n1,2', records: 2, maxWidth: 2 },
    { name: 'CRLF', text: 'a,b\r\n1,2\r\n3,4\r\n', records: 3, maxWidth: 2 },
    { name: 'CR', text: 'a,b\r1,2\r3\r', records: 3, maxWidth: 2 },
    { name: 'LF, then a CR that is text', text: 'a,b\n1,2\r3,4\n', records: 2, maxWidth: 3 },
    { name: 'CRLF, then lone CR and LF that are text', text: 'a,b\r\n1\r2,3\n4\r\n', records: 2, maxWidth: 2 },
    { name: 'CR, then an LF that is text', text: 'a,b\r1,2\r\n3,4\r', records: 3, maxWidth: 2 },
    { name: 'quoted newlines and delimiters', text: 'a,b\n"x\r\ny","1,2,3"\n', records: 2, maxWidth: 2 },
    { name: 'escaped quotes', text: 'a\n"say ""hi"", then\nleave"\n', records: 2, maxWidth: 1 },
    { name: 'blank lines and empty records', text: 'a,b\n\n,\n  ,\t\n"",""\n" "\n1,2\n', records: 2, maxWidth: 2 },
    { name: 'ragged', text: 'a,b\n1\n1,2,3,4\n', records: 3, maxWidth: 4 },
    { name: 'quote inside an unquoted field', text: 'a,b\n5" screen,x\n', records: 2, maxWidth: 2 },
  ])('$name: counts as the parser splits', ({ text, records, maxWidth }) => {
    expect(parsed(text)).toEqual({ records, maxWidth, closed: true });
    expect(count(text)).toEqual({ records, maxWidth, closed: true });
  });

  // feedBytes counts buffers with no quote and no CR in a tight loop of its own (`feedLines`); buffers
  // with either, or while CRLF/CR mode, quotes or a pre-header line are open, go byte by byte.
  it.each([
    { name: 'LF only', text: 'a,b,c\n1,2,3\n\n  ,\t\n4,5\n6,7,8,9\n, ,x\n' },
    { name: 'LF only, no final newline', text: 'a;b\n1;2\n3' },
    { name: 'quotes later in the file', text: 'a,b\n1,2\n3,4\n"5\n6",7\n8,9\n' },
    { name: 'CRLF after plain lines', text: 'a,b\n1,2\n3\r\n4,5\n' },
    { name: 'a CRLF file', text: 'a,b\r\n1,2\r\n3,4\n5,6\r\n' },
    { name: 'a preamble before the header', text: 'title\nnotes,x\n\nh1,h2\n1,2\n3,4,5\n', headerRow: 3 },
    { name: 'multi-byte text', text: 'a,b\nä,ö\n€,😀\n \u00a0,x\n' },
    // Tabs that separate fields before a line's content, and lines of only tabs and spaces.
    { name: 'tab-separated', text: 'a\tb\n\t\t1\n\t\n \t x\n\t \n3\t4\n', delimiter: '\t' },
    { name: 'leading delimiters', text: 'a,b\n,,1\n , ,\n,\n' },
  ])(
    '$name: the byte counter agrees with the character counter at every split',
    ({ text, headerRow = 1, delimiter }) => {
      const bytes = Buffer.from(text, 'utf8');
      const separator = delimiter ?? (text.includes(';') ? ';' : ',');
      // The character counter (checked against the parser above and below) reads the text in one piece.
      const expected = count(text, separator, headerRow, text.length);
      for (const size of [1, 2, 5, 7, bytes.length]) {
        const counter = new CsvRecordCounter(separator, headerRow);
        for (let i = 0; i < bytes.length; i += size) counter.feedBytes(bytes.subarray(i, i + size));
        expect(counter.end(), `read ${size} bytes at a time`).toEqual(expected);
      }
    },
  );

  it('counts a large LF-only file in whole buffers as the parser does', () => {
    const lines = ['id,name,amount'];
    for (let i = 1; i <= 20_000; i += 1)
      lines.push(i % 997 === 0 ? ' , ' : i % 1999 === 0 ? `${i},x,1,extra` : `${i},n${i},${i}.5`);
    const text = `${lines.join('\n')}\n`;
    const counter = new CsvRecordCounter(',', 1);
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 64 * 1024) counter.feedBytes(bytes.subarray(i, i + 64 * 1024));
    expect(counter.end()).toEqual(parsed(text));
  });

  it('starts at the header row as the parser does', () => {
    expect(count('title\n\nh1;h2\n1;2\n', ';', 3)).toEqual({ records: 2, maxWidth: 2, closed: true });
  });

  it('reports a quoted field that never closes', () => {
    expect(count('a\n"open\n').closed).toBe(false);
  });
});

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCsv(next: () => number): { text: string; delimiter: string; headerRow: number } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const delimiter = pick([',', ';', '\t', '|']);
  const eol = pick(['\n', '\r\n', '\r']);
  const field = (): string =>
    pick([
      () => 'plain',
      () => '',
      () => '  ',
      () => `"quoted ${delimiter} with delimiter"`,
      () => `"multi${eol}line"`,
      () => '"say ""hi"""',
      () => '""',
      () => '" "',
      () => 'in"side',
      () => 'stray\rcr',
      () => 'stray\nlf',
      () => String(Math.floor(next() * 1000)),
    ])();
  const preamble = Math.floor(next() * 3);
  const lines: string[] = [];
  for (let i = 0; i < preamble; i += 1) lines.push(`preamble line ${i}`);
  lines.push(['id', 'name', 'value'].join(delimiter));
  const rows = Math.floor(next() * 30);
  for (let r = 0; r < rows; r += 1) {
    if (next() < 0.1) lines.push('');
    const width = 1 + Math.floor(next() * 5);
    lines.push(Array.from({ length: width }, field).join(delimiter));
  }
  return { text: lines.join(eol) + (next() < 0.5 ? eol : ''), delimiter, headerRow: preamble + 1 };
}

describe('the CSV reader’s total', () => {
  it('equals the rows the parser returns, on 200 generated files', async () => {
    const next = random(20_241_204);
    for (let i = 0; i < 200; i += 1) {
      const { text, delimiter, headerRow } = randomCsv(next);
      const path = await files.write(`random-${i}.csv`, text);
      const reader = await openCsvReader(path, readWith({ delimiter, header_row: headerRow }), 'csv');
      const counted = reader.total;
      const records = await collect(reader);
      const widest = Math.max(3, ...records.map((r) => Object.values(r.data).filter((v) => v !== null).length));
      expect({ file: i, total: counted, headers: reader.headers.length >= widest }).toEqual({
        file: i,
        total: records.length,
        headers: true,
      });
    }
  });

  it('is corrected by a full read where the parser splits an odd file differently', async () => {
    // `"" ` is a quoted empty field followed by a space: the parser keeps the quotes as text (a non-blank
    // row), the counter sees an empty field (a blank row).
    const path = await files.write('odd.csv', 'a\n"" \n1\n');
    const reader = await openCsvReader(path, DEFAULT_READ, 'csv');
    expect(reader.total).toBe(1);
    const records = await collect(reader);
    expect(records.map((r) => r.data.a)).toEqual(['"" ', '1']);
    expect(reader.total).toBe(2);
  });

  it('mixed line ends: the first one decides for the counter as for the parser', async () => {
    const path = await files.write('mixed.csv', 'a,b\n1,2\r3,4\r\n5,6\n');
    const reader = await openCsvReader(path, DEFAULT_READ, 'csv');
    expect([reader.total, reader.headers]).toEqual([2, ['a', 'b', 'column_3']]);
    expect((await collect(reader)).map((r) => r.data)).toEqual([
      { a: '1', b: '2\r3', column_3: '4\r' },
      { a: '5', b: '6', column_3: null },
    ]);
    expect(reader.total).toBe(2);
  });
});
