import 'reflect-metadata';
import { ReaderFailure } from '@app/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  MAX_NDJSON_LINE,
  jsonDepth,
  openJsonReader,
  openNdjsonReader,
  pointerTokens,
} from './json.reader.js';
import { RecordParseError, recordErrorOf } from './reader.errors.js';
import { DEFAULT_READ, FixtureDir, abortAfterChecks, collect, readWith } from '../../../../../test/fixtures/readers.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

describe('pointerTokens', () => {
  it('splits and unescapes a JSON Pointer', () => {
    expect(pointerTokens('')).toEqual([]);
    expect(pointerTokens('/data/items')).toEqual(['data', 'items']);
    expect(pointerTokens('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
  });

  it('refuses a pointer without a leading slash', () => {
    expect(() => pointerTokens('data')).toThrow(expect.objectContaining({ failure: ReaderFailure.PointerNotArray }));
  });
});

describe('openJsonReader', () => {
  it('reads a top-level array: headers are the union of keys in first-seen order, nested values kept', async () => {
    const path = await files.write(
      'top.json',
      JSON.stringify([
        { code: 'A', meta: { tags: ['x', 'y'] } },
        { code: 'B', extra: 1 },
      ]),
    );
    const reader = await openJsonReader(path, DEFAULT_READ);
    expect(reader.headers).toEqual(['code', 'meta', 'extra']);
    expect(reader.total).toBe(2);
    expect(await collect(reader)).toEqual([
      { row_number: 1, data: { code: 'A', meta: { tags: ['x', 'y'] }, extra: null }, geometry: null },
      { row_number: 2, data: { code: 'B', extra: 1, meta: null }, geometry: null },
    ]);
  });

  it('reads the array at a pointer and ignores the rest of the document', async () => {
    const path = await files.write(
      'nested.json',
      '{"meta": {"items": [{"no": 1}]}, "data": {"a/b": [{"id": 1}, {"id": 2}, {"id": 3}]}, "tail": [1]}',
    );
    const reader = await openJsonReader(path, readWith({ pointer: '/data/a~1b' }));
    expect(reader.total).toBe(3);
    expect((await collect(reader, 2)).map((r) => [r.row_number, r.data])).toEqual([
      [2, { id: 2 }],
      [3, { id: 3 }],
    ]);
  });

  it('stops at the end of the picked array even when a large document follows', async () => {
    const tail = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ i })));
    const path = await files.write('large-tail.json', `{"data": [{"id": 1}, {"id": 2}], "tail": ${tail}}`);
    const reader = await openJsonReader(path, readWith({ pointer: '/data' }));
    expect(reader.total).toBe(2);
    expect((await collect(reader)).map((r) => r.data.id)).toEqual([1, 2]);
  });

  it('follows array indexes in the pointer', async () => {
    const path = await files.write('indexed.json', '{"pages": [{"rows": [{"a": 0}]}, {"rows": [{"a": 1}, {"a": 2}]}]}');
    const reader = await openJsonReader(path, readWith({ pointer: '/pages/1/rows' }));
    expect((await collect(reader)).map((r) => r.data.a)).toEqual([1, 2]);
  });

  it('turns a record that is not an object into {value}', async () => {
    const path = await files.write('scalars.json', '["a", 2, null, [1, 2], {"value": "d"}]');
    const reader = await openJsonReader(path, DEFAULT_READ);
    expect(reader.headers).toEqual(['value']);
    expect((await collect(reader)).map((r) => r.data.value)).toEqual(['a', 2, null, [1, 2], 'd']);
  });

  it('a pointer to something that is not an array, or to nothing, is reader-pointer-not-array', async () => {
    const path = await files.write('object.json', '{"data": {"items": {"a": 1}}}');
    await expect(openJsonReader(path, readWith({ pointer: '/data/items' }))).rejects.toMatchObject({
      failure: ReaderFailure.PointerNotArray,
      message: "The value at read.pointer '/data/items' is not an array; it must be an array of records.",
    });
    await expect(openJsonReader(path, readWith({ pointer: '/data/missing' }))).rejects.toMatchObject({
      failure: ReaderFailure.PointerNotArray,
      message: "The value at read.pointer '/data/missing' does not exist; it must be an array of records.",
    });
    await expect(openJsonReader(path, DEFAULT_READ)).rejects.toMatchObject({
      failure: ReaderFailure.PointerNotArray,
      message: 'The top level of the file is not an array; it must be an array of records.',
    });
  });

  it('broken JSON is reader-malformed', async () => {
    const path = await files.write('broken.json', '[{"a": 1}, {"a": ]');
    await expect(openJsonReader(path, DEFAULT_READ)).rejects.toMatchObject({
      failure: ReaderFailure.Malformed,
      message: 'The file is not valid JSON.',
    });
  });

  it('refuses records nested deeper than MAX_JSON_DEPTH as reader-malformed, and reads one at the limit', async () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i += 1) value = { k: value };
      return value;
    };
    // [ + the record's own levels: the record object is level 1 of the record.
    const deep = await files.write('deep.json', JSON.stringify([nest(MAX_JSON_DEPTH + 1)]));
    await expect(openJsonReader(deep, DEFAULT_READ)).rejects.toMatchObject({
      failure: ReaderFailure.Malformed,
      message: `The file nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; it does not look like rows of a table.`,
    });
    // A million levels is refused the same way, without building the value.
    const hostile = await files.write('hostile-deep.json', `[${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}]`);
    await expect(openJsonReader(hostile, DEFAULT_READ)).rejects.toMatchObject({ failure: ReaderFailure.Malformed });
    const fine = await files.write('fine.json', JSON.stringify([nest(MAX_JSON_DEPTH)]));
    expect((await openJsonReader(fine, DEFAULT_READ)).total).toBe(1);
  });

  it('strips a BOM', async () => {
    const path = await files.write('bom.json', '\uFEFF[{"a": 1}]');
    expect((await collect(await openJsonReader(path, DEFAULT_READ)))[0]?.data).toEqual({ a: 1 });
  });
});

describe('openNdjsonReader', () => {
  it('reads one record per line, skipping blank lines without numbering them', async () => {
    const path = await files.write('lines.ndjson', '{"a": 1}\n\n   \r\n{"a": 2, "b": {"c": true}}\r\n{"b": null}\n');
    const reader = await openNdjsonReader(path, DEFAULT_READ);
    expect([reader.headers, reader.total]).toEqual([['a', 'b'], 3]);
    expect(await collect(reader)).toEqual([
      { row_number: 1, data: { a: 1, b: null }, geometry: null },
      { row_number: 2, data: { a: 2, b: { c: true } }, geometry: null },
      { row_number: 3, data: { a: null, b: null }, geometry: null },
    ]);
  });

  it('yields a malformed line as a row carrying a RecordParseError, and reads on', async () => {
    const path = await files.write('malformed.ndjson', '{"a": 1}\n\n{"a": oops}\n{"a": 3}\n');
    const reader = await openNdjsonReader(path, DEFAULT_READ);
    expect(reader.total).toBe(3);
    const records = await collect(reader);
    expect(records.map((r) => [r.row_number, r.data.a])).toEqual([
      [1, 1],
      [2, null],
      [3, 3],
    ]);
    expect(records.map((r) => recordErrorOf(r))).toEqual([
      null,
      new RecordParseError('Line 3 is not valid JSON.'),
      null,
    ]);
  });

  it('fails a line nested deeper than MAX_JSON_DEPTH as its row, and reads on', async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    const path = await files.write('deep.ndjson', `{"a": 1}\n${deep}\n{"a": 3}\n`);
    const reader = await openNdjsonReader(path, DEFAULT_READ);
    const records = await collect(reader);
    expect(records.map((r) => recordErrorOf(r)?.message ?? null)).toEqual([
      null,
      `Line 2 nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; it does not look like rows of a table.`,
      null,
    ]);
    expect(jsonDepth('{"a": "[[[[", "b": [[1]]}')).toBe(3);
  });

  it('fails the run on a line longer than MAX_NDJSON_LINE, before holding it whole', async () => {
    const long = `{"a": "${'x'.repeat(MAX_NDJSON_LINE)}"}`;
    const path = await files.write('long.ndjson', `{"a": 1}\n${long}\n`);
    await expect(openNdjsonReader(path, DEFAULT_READ)).rejects.toMatchObject({
      failure: ReaderFailure.Malformed,
      message: 'Line 2 is longer than 16,777,216 characters; NDJSON holds one record per line.',
    });
    // CRLF line ends and a last line without one still read as before.
    const crlf = await files.write('crlf.ndjson', '{"a": 1}\r\n{"a": 2}');
    expect((await collect(await openNdjsonReader(crlf, DEFAULT_READ))).map((r) => r.data.a)).toEqual([1, 2]);
  });

  it('resumes at a row number', async () => {
    const path = await files.write(
      'resume.ndjson',
      Array.from({ length: 6 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n'),
    );
    const reader = await openNdjsonReader(path, DEFAULT_READ);
    expect((await collect(reader, 5)).map((r) => [r.row_number, r.data.n])).toEqual([
      [5, 5],
      [6, 6],
    ]);
  });
});

describe('an abandoned open', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `row ${i}` }));

  it('stops the JSON first pass at the next element once aborted', async () => {
    const { signal, checks } = abortAfterChecks(5);
    const path = await files.write('abandon.json', JSON.stringify(rows));
    await expect(openJsonReader(path, DEFAULT_READ, signal)).rejects.toThrow('aborted by the test');
    expect(checks()).toBe(6);
  });

  it('stops the NDJSON first pass at the next line once aborted', async () => {
    const { signal, checks } = abortAfterChecks(5);
    const path = await files.write('abandon.ndjson', rows.map((r) => JSON.stringify(r)).join('\n'));
    await expect(openNdjsonReader(path, DEFAULT_READ, signal)).rejects.toThrow('aborted by the test');
    expect(checks()).toBe(6);
  });
});
