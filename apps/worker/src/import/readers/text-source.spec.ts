import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureDir } from '../../../../../test/fixtures/readers.js';
import { CsvRecordCounter } from './csv-count.js';
import { completeUtf8Length, utf8Bytes } from './text-source.js';

const files = new FixtureDir();
beforeAll(() => files.create());
afterAll(() => files.remove());

async function bytesOf(path: string, options?: { checked?: boolean }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of utf8Bytes(path, undefined, options)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('completeUtf8Length', () => {
  it.each([
    { name: 'ASCII', bytes: [0x61, 0x62], length: 2 },
    { name: 'a whole 2-byte sequence', bytes: [0x61, 0xc3, 0xa9], length: 3 },
    { name: 'a 2-byte sequence cut after its lead', bytes: [0x61, 0xc3], length: 1 },
    { name: 'a 3-byte sequence cut after 2 bytes', bytes: [0x61, 0xe2, 0x82], length: 1 },
    { name: 'a whole 3-byte sequence', bytes: [0xe2, 0x82, 0xac], length: 3 },
    { name: 'a 4-byte sequence cut after 3 bytes', bytes: [0x61, 0xf0, 0x9f, 0x98], length: 1 },
    { name: 'a whole 4-byte sequence', bytes: [0xf0, 0x9f, 0x98, 0x80], length: 4 },
    { name: 'empty', bytes: [], length: 0 },
  ])('$name', ({ bytes, length }) => {
    expect(completeUtf8Length(Buffer.from(bytes))).toBe(length);
  });
});

describe('utf8Bytes', () => {
  it('streams the file unchanged, minus the BOM, with multi-byte characters across chunk boundaries', async () => {
    // 256 KiB chunks: the € (3 bytes) and 😀 (4 bytes) are placed to straddle the first boundary.
    const text = `${'x'.repeat(256 * 1024 - 1)}€${'y'.repeat(10)}😀é\n`;
    const path = await files.write('multi.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect((await bytesOf(path)).toString('utf8')).toBe(text);
    // A file read whole already (checked): the same bytes, the sequences joined by the reader's caller.
    expect((await bytesOf(path, { checked: true })).toString('utf8')).toBe(text);
  });

  it('a file checked already is not checked again', async () => {
    const bad = await files.write('bad-again.csv', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xe9, 0x74])]));
    expect(await bytesOf(bad, { checked: true })).toEqual(
      Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xe9, 0x74])]),
    );
  });

  it('refuses bytes that are not UTF-8, also a sequence cut off at the end of the file', async () => {
    const bad = await files.write('bad.csv', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xe9, 0x74])]));
    await expect(bytesOf(bad)).rejects.toMatchObject({ failure: 'reader-bad-encoding' });
    const cut = await files.write('cut.csv', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xe2, 0x82])]));
    await expect(bytesOf(cut)).rejects.toMatchObject({ failure: 'reader-bad-encoding' });
  });
});

describe('CsvRecordCounter.feedBytes', () => {
  it('counts UTF-8 bytes exactly as it counts the decoded text', () => {
    const text = 'nom;ville\n"Zoë; la ""grande""";Besançon\n€;"日本\n語"\r\n😀;x\n';
    const fromText = new CsvRecordCounter(';', 1);
    fromText.feed(text);
    const fromBytes = new CsvRecordCounter(';', 1);
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += 5) fromBytes.feedBytes(bytes.subarray(i, i + 5));
    expect(fromBytes.end()).toEqual(fromText.end());
    expect(fromText.end()).toMatchObject({ records: 4, maxWidth: 2 });
  });
});
