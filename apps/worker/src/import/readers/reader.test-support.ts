import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImporterRead, RecordReader, SourceRecord } from '@app/importers';

/** `read:` as an importer file without a `read` section gets it. */
export const DEFAULT_READ: ImporterRead = {
  delimiter: null,
  encoding: 'utf-8',
  header_row: 1,
  sheet: null,
  pointer: '',
  layer: null,
};

export const readWith = (overrides: Partial<ImporterRead>): ImporterRead => ({ ...DEFAULT_READ, ...overrides });

/** A temporary directory for one test file's fixtures. */
export class FixtureDir {
  private dir = '';

  async create(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'strata-readers-'));
  }

  async remove(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async write(name: string, content: string | Buffer): Promise<string> {
    const path = this.path(name);
    await writeFile(path, content);
    return path;
  }
}

export async function collect(reader: RecordReader, from?: number): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of reader.records(from)) records.push(record);
  return records;
}
