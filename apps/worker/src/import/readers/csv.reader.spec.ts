import 'reflect-metadata';
import { ReaderFailure } from '@app/common';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvReader, sniffDelimiter } from './csv.reader.js';
import { ReaderError } from './reader.errors.js';
import { DEFAULT_READ, FixtureDir, abortAfterChecks, collect, readWith } from '../../../../../test/fixtures/readers.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

async function readCsv(name: string, content: string | Buffer, read = DEFAULT_READ, format: 'csv' | 'tsv' = 'csv') {
  const reader = await openCsvReader(await files.write(name, content), read, format);
  return { reader, records: await collect(reader) };
}

describe('sniffDelimiter', () => {
  it.each([
    { delimiter: ',', sample: 'a,b,c\n1,2,3\n4,5,6\n' },
    { delimiter: ';', sample: 'a;b;c\n1,5;2;3\n4;5,5;6\n' },
    { delimiter: '\t', sample: 'a\tb\tc\n1\t2\t3\n' },
    { delimiter: '|', sample: 'a|b|c\n1|2|3\n' },
  ])('finds $delimiter', ({ delimiter, sample }) => {
    expect(sniffDelimiter(sample)).toBe(delimiter);
  });

  it('ignores delimiters inside quotes', () => {
    // Two commas per line inside quotes, one semicolon outside: `;` splits every record the same way.
    expect(sniffDelimiter('"name, first";"x, y"\n"Smith, John";"1,2"\n"Doe, Jane";"3,4"\n')).toBe(';');
  });

  it('falls back to a comma for one column', () => {
    expect(sniffDelimiter('name\nalpha\nbeta\n')).toBe(',');
  });
});

describe('openCsvReader', () => {
  it.each([
    { name: 'comma', text: 'code,name\nA1,Alpha\nB2,Beta\n' },
    { name: 'semicolon', text: 'code;name\nA1;Alpha\nB2;Beta\n' },
    { name: 'tab', text: 'code\tname\nA1\tAlpha\nB2\tBeta\n' },
    { name: 'pipe', text: 'code|name\nA1|Alpha\nB2|Beta\n' },
  ])('reads a $name-delimited file without being told the delimiter', async ({ name, text }) => {
    const { reader, records } = await readCsv(`${name}.csv`, text);
    expect(reader.headers).toEqual(['code', 'name']);
    expect(reader.total).toBe(2);
    expect(records).toEqual([
      { row_number: 1, data: { code: 'A1', name: 'Alpha' }, geometry: null },
      { row_number: 2, data: { code: 'B2', name: 'Beta' }, geometry: null },
    ]);
  });

  it('uses the declared delimiter, and tab for TSV', async () => {
    const declared = await readCsv('declared.csv', 'a;b,c\n1;2,3\n', readWith({ delimiter: ',' }));
    expect(declared.reader.headers).toEqual(['a;b', 'c']);
    const tsv = await readCsv('plain.tsv', 'a,b\tc\n1,2\t3\n', DEFAULT_READ, 'tsv');
    expect(tsv.records[0]?.data).toEqual({ 'a,b': '1,2', c: '3' });
  });

  it('strips a UTF-8 BOM from the first header', async () => {
    const { reader } = await readCsv('bom.csv', '\uFEFFcode,name\nA,Ä\n');
    expect(reader.headers).toEqual(['code', 'name']);
  });

  it('decodes latin1 and windows-1252', async () => {
    const latin1 = await readCsv(
      'latin1.csv',
      iconv.encode('ort,name\nZürich,Müller\n', 'latin1'),
      readWith({ encoding: 'latin1' }),
    );
    expect(latin1.records[0]?.data).toEqual({ ort: 'Zürich', name: 'Müller' });
    // 0x80 is € in windows-1252 (a control character in latin1).
    const cp1252 = await readCsv(
      'cp1252.csv',
      iconv.encode('price,unit\n5,€\n', 'windows-1252'),
      readWith({ encoding: 'windows-1252' }),
    );
    expect(cp1252.records[0]?.data).toEqual({ price: '5', unit: '€' });
  });

  it('detects UTF-16 by its BOM, whatever the declared encoding', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('code;name\nA;Ωmega\n', 'utf-16le')]);
    const { reader, records } = await readCsv('utf16le.csv', le);
    expect(reader.headers).toEqual(['code', 'name']);
    expect(records[0]?.data).toEqual({ code: 'A', name: 'Ωmega' });
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('code,name\nB,Beta\n', 'utf-16be')]);
    expect((await readCsv('utf16be.csv', be)).records[0]?.data).toEqual({ code: 'B', name: 'Beta' });
  });

  it('refuses an unknown encoding name and bytes that are not UTF-8', async () => {
    const path = await files.write('any.csv', 'a\n1\n');
    await expect(openCsvReader(path, readWith({ encoding: 'klingon-8' }), 'csv')).rejects.toMatchObject({
      failure: ReaderFailure.BadEncoding,
      message: expect.stringContaining("Unknown encoding 'klingon-8'"),
    });
    const latin1 = await files.write('not-utf8.csv', iconv.encode('ort\nZürich\n', 'latin1'));
    const error = await openCsvReader(latin1, DEFAULT_READ, 'csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReaderError);
    expect(error).toMatchObject({ failure: ReaderFailure.BadEncoding, status: 422 });
    expect((error as Error).message).not.toContain(latin1);
  });

  it('keeps quoted newlines, delimiters and doubled quotes inside a field', async () => {
    const { reader, records } = await readCsv('quoted.csv', 'id,note\n1,"line one\nline two"\n2,"a, ""b"""\n');
    expect(reader.total).toBe(2);
    expect(records.map((r) => r.data.note)).toEqual(['line one\nline two', 'a, "b"']);
  });

  it('starts at header_row, skipping the lines before it', async () => {
    const text = 'Export of 2024-01-01\n"generated by; tool"\ncode,name\nA1,Alpha\n';
    const { reader, records } = await readCsv('preamble.csv', text, readWith({ header_row: 3 }));
    expect(reader.headers).toEqual(['code', 'name']);
    expect(records).toEqual([{ row_number: 1, data: { code: 'A1', name: 'Alpha' }, geometry: null }]);
  });

  it('reads missing cells as null and keeps extra cells under generated names', async () => {
    const { reader, records } = await readCsv('ragged.csv', 'a,b,c\n1,2\n1,2,3,4,5\n');
    expect(reader.headers).toEqual(['a', 'b', 'c', 'column_4', 'column_5']);
    expect(records.map((r) => r.data)).toEqual([
      { a: '1', b: '2', c: null, column_4: null, column_5: null },
      { a: '1', b: '2', c: '3', column_4: '4', column_5: '5' },
    ]);
  });

  it('makes duplicate and empty header names unique', async () => {
    const { reader, records } = await readCsv('dupes.csv', 'name,,name,column_2,\n1,2,3,4,5\n');
    expect(reader.headers).toEqual(['name', 'column_2', 'name_2', 'column_2_2', 'column_5']);
    expect(records[0]?.data).toEqual({ name: '1', column_2: '2', name_2: '3', column_2_2: '4', column_5: '5' });
  });

  it('skips blank lines and rows of empty cells without numbering them', async () => {
    const { reader, records } = await readCsv('blank.csv', 'a,b\n\n1,2\n,\n  ,  \n\r\n3,4\n');
    expect(reader.total).toBe(2);
    expect(records.map((r) => [r.row_number, r.data.a])).toEqual([
      [1, '1'],
      [2, '3'],
    ]);
  });

  it('reads CRLF line ends', async () => {
    const { records } = await readCsv('crlf.csv', 'a,b\r\n1,2\r\n');
    expect(records[0]?.data).toEqual({ a: '1', b: '2' });
  });

  it('resumes at a row number, keeping the original numbers', async () => {
    const { reader } = await readCsv('resume.csv', `n\n${Array.from({ length: 10 }, (_, i) => i + 1).join('\n')}\n`);
    const rest = await collect(reader, 8);
    expect(rest.map((r) => [r.row_number, r.data.n])).toEqual([
      [8, '8'],
      [9, '9'],
      [10, '10'],
    ]);
    expect(await collect(reader, 11)).toEqual([]);
    await expect(collect(reader, 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('an empty file or one without a header row is reader-empty', async () => {
    await expect(readCsv('empty.csv', '')).rejects.toMatchObject({ failure: ReaderFailure.Empty });
    await expect(readCsv('short.csv', 'a,b\n', readWith({ header_row: 5 }))).rejects.toMatchObject({
      failure: ReaderFailure.Empty,
      message: 'The file has no header row at or after line 5.',
    });
  });

  it('a header without data rows is an empty table, not an error', async () => {
    const { reader, records } = await readCsv('header-only.csv', 'a,b\n');
    expect([reader.headers, reader.total, records]).toEqual([['a', 'b'], 0, []]);
  });

  it('an unclosed quote is reader-malformed, naming the line', async () => {
    await expect(readCsv('unclosed.csv', 'a,b\n1,2\n3,"four\n')).rejects.toMatchObject({
      failure: ReaderFailure.Malformed,
      message: expect.stringMatching(/^The CSV file is malformed near line \d+: a quoted field is never closed\.$/),
    });
  });
});

describe('openCsvReader: an abandoned open', () => {
  // Large enough for many read chunks; each counting path checks the signal once per chunk.
  const body = 'id,name\n' + Array.from({ length: 60_000 }, (_, i) => `${i},row number ${i}`).join('\n') + '\n';

  it.each([
    // The byte counter reads 4 MiB at a time: a file of four reads and more.
    { name: 'the UTF-8 byte counter', file: 'abandon-utf8.csv', content: body.repeat(14) },
    {
      name: 'the decoding counter',
      file: 'abandon-latin1.csv',
      content: iconv.encode(body, 'latin1'),
      encoding: 'iso-8859-1',
    },
  ])('stops counting rows at the next chunk once aborted: $name', async ({ file, content, encoding }) => {
    const { signal, checks } = abortAfterChecks(2);
    const path = await files.write(file, content);
    const read = encoding ? readWith({ encoding }) : DEFAULT_READ;
    await expect(openCsvReader(path, read, 'csv', signal)).rejects.toThrow('aborted by the test');
    expect(checks()).toBe(3);
  });

  it('stops the parser count at the next batch once aborted (a delimiter of two characters)', async () => {
    const path = await files.write('abandon-parser.csv', body.replaceAll(',', '||'));
    const { signal, checks } = abortAfterChecks(2);
    await expect(openCsvReader(path, readWith({ delimiter: '||' }), 'csv', signal)).rejects.toThrow(
      'aborted by the test',
    );
    expect(checks()).toBe(3);
  });
});
