import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorageContract } from '../storage.contract.js';
import { InvalidStorageKeyError } from '../storage.js';
import { LocalStorage } from './local.storage.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'strata-local-storage-'));
  root = join(base, 'root');
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describeStorageContract('local', async () => new LocalStorage(root));

/** Every file under `dir`, relative, including the driver's temporary ones. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('LocalStorage specifics', () => {
  it('removes its temporary file when the source stream fails', async () => {
    const dir = join(base, 'failing-write');
    const storage = new LocalStorage(dir);
    async function* breaks(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(128 * 1024, 3);
      throw new Error('source failed');
    }
    await expect(storage.write('a/b/c.bin', Readable.from(breaks()))).rejects.toThrow('source failed');
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('never writes outside its root for an escaping key', async () => {
    const dir = join(base, 'jail', 'root');
    const storage = new LocalStorage(dir);
    await expect(storage.write('../escaped.txt', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(
      InvalidStorageKeyError,
    );
    expect(existsSync(join(base, 'jail', 'escaped.txt'))).toBe(false);
  });

  it('gives GDAL an absolute path to the stored file', async () => {
    const storage = new LocalStorage(join(base, 'gdal-path'));
    await storage.write('rasters/x.tif', Readable.from([Buffer.from('not really a tiff')]));
    const path = storage.gdalPath('rasters/x.tif');
    expect(isAbsolute(path)).toBe(true);
    expect(path.startsWith(join(base, 'gdal-path'))).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('not really a tiff');
  });

  it('check() cleans up its probe object', async () => {
    const dir = join(base, 'check');
    const storage = new LocalStorage(dir);
    await storage.check();
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('check() fails when the root cannot be written', async () => {
    const notADirectory = join(base, 'plain-file');
    await writeFile(notADirectory, 'I am a file');
    await expect(new LocalStorage(notADirectory).check()).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});
