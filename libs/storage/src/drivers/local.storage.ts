import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage, assertSafeKey, ObjectNotFoundError, type ByteRange, type ObjectInfo } from '../storage.js';

/** A scratch file of scratchPathFor or `write`, or a sidecar GDAL wrote next to one. */
const SCRATCH = /\.[0-9a-f-]{36}\.part($|\.)/;

/**
 * Filesystem driver: the embedded default. Writes go to a temporary sibling and are renamed into place,
 * so readers never see a half-written object and a failed write leaves nothing.
 */
export class LocalStorage extends Storage {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new ObjectNotFoundError();
    return path;
  }

  async write(key: string, body: Readable): Promise<number> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomUUID()}.part`;
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return bytes;
  }

  override async scratchPathFor(key: string): Promise<string> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    return `${path}.${randomUUID()}.part`;
  }

  override async discardScratch(prefix: string): Promise<void> {
    const dir = this.pathOf(prefix.replace(/\/+$/, ''));
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      },
    );
    // `<key>.<uuid>.part`, and GDAL's sidecars of it (`….part.ovr.tmp`).
    const scratch = entries.filter((e) => e.isFile() && SCRATCH.test(e.name));
    await Promise.all(scratch.map((e) => rm(join(e.parentPath, e.name), { force: true })));
  }

  /** A rename when `file` is on the store's filesystem (see scratchPathFor), otherwise a copy. */
  override async putFile(key: string, file: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      await rename(file, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await super.putFile(key, file);
    }
  }

  /** The kernel copies the file (no bytes through JavaScript; a reflink where the filesystem has them). */
  override async getFile(key: string, file: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await copyFile(path, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Only the source can be missing here: the destination's directory is the caller's.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && !(await this.head(key))) throw new ObjectNotFoundError();
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const info = await this.head(key);
    if (!info) throw new ObjectNotFoundError();
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    if (!(await this.head(fromKey))) throw new ObjectNotFoundError();
    await mkdir(dirname(to), { recursive: true });
    const temp = `${to}.${randomUUID()}.part`;
    await copyFile(from, temp);
    await rename(temp, to);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    const keys = entries
      .filter((e) => e.isFile() && !e.name.endsWith('.part'))
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  gdalPath(key: string): string {
    return this.pathOf(key);
  }

  async check(): Promise<void> {
    const key = `.health/${randomUUID()}`;
    await this.write(key, Readable.from([Buffer.from('ok')]));
    await this.delete(key);
  }
}
