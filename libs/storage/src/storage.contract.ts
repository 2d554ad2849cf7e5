import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidStorageKeyError, ObjectNotFoundError, type Storage } from './storage.js';

/**
 * The behaviour every Storage driver must share, as one suite each driver's integration spec runs.
 * All keys live under a fresh random prefix, so a shared bucket or directory is safe.
 */
export function describeStorageContract(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name} storage contract`, () => {
    let storage: Storage;
    const root = `contract-${randomUUID()}`;
    const key = (path: string): string => `${root}/${path}`;

    beforeAll(async () => {
      storage = await makeStorage();
    });

    afterAll(async () => {
      if (!storage) return;
      for await (const info of storage.list(`${root}/`)) await storage.delete(info.key);
    });

    it('round-trips a multi-MiB stream byte for byte and returns its size', async () => {
      const body = patternBytes(5 * 1024 * 1024 + 123);
      const written = await storage.write(key('big/source.bin'), chunked(body, 64 * 1024), {
        contentType: 'application/octet-stream',
      });
      expect(written).toBe(body.length);

      const info = await storage.head(key('big/source.bin'));
      expect(info).toMatchObject({ key: key('big/source.bin'), size: body.length });
      expect(info?.lastModified).toBeInstanceOf(Date);

      const back = await readAll(await storage.read(key('big/source.bin')));
      expect(back.length).toBe(body.length);
      expect(sha256(back)).toBe(sha256(body));
    });

    it('stores a finished local file with putFile, from its scratch path when it offers one', async () => {
      const body = patternBytes(256 * 1024 + 7);
      const target = key('files/out.tif');
      const scratch = await storage.scratchPathFor(target);
      const file = scratch ?? join(tmpdir(), `strata-contract-${randomUUID()}.bin`);
      await writeFile(file, body);
      try {
        await storage.putFile(target, file, { contentType: 'image/tiff' });
        expect(sha256(await readAll(await storage.read(target)))).toBe(sha256(body));
        // A scratch file is moved into place, never left behind or listed as an object.
        expect(scratch === null || !existsSync(scratch)).toBe(true);
        const listed: string[] = [];
        for await (const info of storage.list(key('files/'))) listed.push(info.key);
        expect(listed).toEqual([target]);
      } finally {
        await rm(file, { force: true });
      }
    });

    it('discardScratch removes the scratch files under a prefix (and GDAL sidecars), never stored objects', async () => {
      const kept = key('attempts/kept.tif');
      await storage.write(kept, Readable.from([Buffer.from('stored')]));
      const scratch = await storage.scratchPathFor(key('attempts/a1.tif'));
      if (scratch) {
        await writeFile(scratch, 'half a COG');
        await writeFile(`${scratch}.ovr.tmp`, 'half an overview');
      }
      await storage.discardScratch(key('attempts/'));
      await storage.discardScratch(key('never-written/'));
      expect(scratch === null || (!existsSync(scratch) && !existsSync(`${scratch}.ovr.tmp`))).toBe(true);
      expect((await readAll(await storage.read(kept))).toString()).toBe('stored');
    });

    it('getFile copies an object into a local file byte for byte, replacing what was there', async () => {
      const body = patternBytes(3 * 1024 * 1024 + 7);
      await storage.write(key('get/source.bin'), chunked(body, 64 * 1024));
      const file = join(tmpdir(), `strata-getfile-${randomUUID()}`);
      try {
        await writeFile(file, 'something longer than nothing, to be replaced'.repeat(100_000));
        await storage.getFile(key('get/source.bin'), file);
        expect(sha256(await readFile(file))).toBe(sha256(body));
        await expect(storage.getFile(key('get/missing.bin'), file)).rejects.toBeInstanceOf(ObjectNotFoundError);
      } finally {
        await rm(file, { force: true });
      }
    });

    it('reads exactly the requested byte range (inclusive ends)', async () => {
      const body = patternBytes(300_000);
      await storage.write(key('range.bin'), chunked(body, 10_000));

      const middle = await readAll(await storage.read(key('range.bin'), { start: 65_530, end: 131_080 }));
      expect(middle.length).toBe(131_080 - 65_530 + 1);
      expect(middle.equals(body.subarray(65_530, 131_081))).toBe(true);

      const first = await readAll(await storage.read(key('range.bin'), { start: 0, end: 0 }));
      expect([...first]).toEqual([body[0]]);

      const tail = await readAll(
        await storage.read(key('range.bin'), { start: body.length - 10, end: body.length - 1 }),
      );
      expect(tail.equals(body.subarray(body.length - 10))).toBe(true);
    });

    it('overwrites an existing object', async () => {
      await storage.write(key('over.txt'), Readable.from([Buffer.from('first version, longer')]));
      expect(await storage.write(key('over.txt'), Readable.from([Buffer.from('second')]))).toBe(6);
      expect((await readAll(await storage.read(key('over.txt')))).toString()).toBe('second');
      expect((await storage.head(key('over.txt')))?.size).toBe(6);
    });

    it('stores an empty object', async () => {
      expect(await storage.write(key('empty'), Readable.from([]))).toBe(0);
      expect((await storage.head(key('empty')))?.size).toBe(0);
      expect((await readAll(await storage.read(key('empty')))).length).toBe(0);
    });

    it('heads a missing object as null and refuses to read it', async () => {
      expect(await storage.head(key('missing/nothing.bin'))).toBeNull();
      await expect(storage.read(key('missing/nothing.bin'))).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('copies an object, leaving the source in place', async () => {
      const body = patternBytes(200_000, 7);
      await storage.write(key('copy/from.bin'), chunked(body, 50_000));
      await storage.copy(key('copy/from.bin'), key('copy/deeper/to.bin'));

      expect((await storage.head(key('copy/deeper/to.bin')))?.size).toBe(body.length);
      expect(sha256(await readAll(await storage.read(key('copy/deeper/to.bin'))))).toBe(sha256(body));
      expect((await storage.head(key('copy/from.bin')))?.size).toBe(body.length);

      await expect(storage.copy(key('copy/absent.bin'), key('copy/to2.bin'))).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      expect(await storage.head(key('copy/to2.bin'))).toBeNull();
    });

    it('deletes, and deleting again or deleting a missing object is fine', async () => {
      await storage.write(key('delete/me.txt'), Readable.from([Buffer.from('bye')]));
      await storage.write(key('delete/keep.txt'), Readable.from([Buffer.from('stay')]));

      await storage.delete(key('delete/me.txt'));
      expect(await storage.head(key('delete/me.txt'))).toBeNull();
      await expect(storage.delete(key('delete/me.txt'))).resolves.toBeUndefined();
      await expect(storage.delete(key('delete/never-was.txt'))).resolves.toBeUndefined();
      expect((await storage.head(key('delete/keep.txt')))?.size).toBe(4);
    });

    it('lists by prefix: only matching keys, sorted, with sizes', async () => {
      const files: Record<string, string> = {
        'list/b/one.txt': 'b1',
        'list/a/2.txt': 'a-two',
        'list/ab.txt': 'ab',
        'list/a/1.txt': 'a1',
        'list/a/sub/3.txt': 'a-sub-three',
        'other/a/1.txt': 'elsewhere',
      };
      for (const [path, text] of Object.entries(files)) {
        await storage.write(key(path), Readable.from([Buffer.from(text)]));
      }

      const underA = await collect(storage.list(key('list/a/')));
      expect(underA.map((o) => o.key)).toEqual([key('list/a/1.txt'), key('list/a/2.txt'), key('list/a/sub/3.txt')]);
      expect(underA.map((o) => o.size)).toEqual([2, 5, 11]);

      // A prefix is a string prefix, not a directory: `list/a` also matches `list/ab.txt`.
      const startingA = await collect(storage.list(key('list/a')));
      expect(startingA.map((o) => o.key)).toEqual([
        key('list/a/1.txt'),
        key('list/a/2.txt'),
        key('list/a/sub/3.txt'),
        key('list/ab.txt'),
      ]);

      expect(await collect(storage.list(key('list/zzz')))).toEqual([]);
      expect(await collect(storage.list(`${root}-nope/`))).toEqual([]);
    });

    it.each(['../x', '/abs', 'a/../../x', 'a//b', './a', 'a/./b', 'back\\slash', ''])(
      'rejects the unsafe key %j everywhere',
      async (bad) => {
        await expect(storage.write(bad, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(
          InvalidStorageKeyError,
        );
        await expect(storage.read(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage.head(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage.delete(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage.copy(bad, key('safe.txt'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await storage.write(key('copy-source.txt'), Readable.from([Buffer.from('x')]));
        await expect(storage.copy(key('copy-source.txt'), bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
        expect(() => storage.gdalPath(bad)).toThrow(InvalidStorageKeyError);
      },
    );

    it('leaves no object behind when the source stream fails midway', async () => {
      async function* breaksAfterTwoChunks(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(256 * 1024, 1);
        yield Buffer.alloc(256 * 1024, 2);
        throw new Error('source connection reset');
      }
      await expect(storage.write(key('broken/upload.bin'), Readable.from(breaksAfterTwoChunks()))).rejects.toThrow(
        'source connection reset',
      );

      expect(await storage.head(key('broken/upload.bin'))).toBeNull();
      expect(await collect(storage.list(key('broken/')))).toEqual([]);
    });

    it('a failed overwrite keeps the previous object intact', async () => {
      await storage.write(key('keep/previous.txt'), Readable.from([Buffer.from('good')]));
      async function* breaks(): AsyncGenerator<Buffer> {
        yield Buffer.from('partial');
        throw new Error('source failed');
      }
      await expect(storage.write(key('keep/previous.txt'), Readable.from(breaks()))).rejects.toThrow('source failed');
      expect((await readAll(await storage.read(key('keep/previous.txt')))).toString()).toBe('good');
    });

    it('check() succeeds against a reachable, writable store', async () => {
      await expect(storage.check()).resolves.toBeUndefined();
      // And the store still works normally afterwards.
      await storage.write(key('after-check.txt'), Readable.from([Buffer.from('ok')]));
      expect((await storage.head(key('after-check.txt')))?.size).toBe(2);
    });
  });
}

/** Deterministic, non-repeating-looking bytes, so an offset or ordering bug changes the hash. */
function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function chunked(body: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
