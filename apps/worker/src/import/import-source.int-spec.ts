import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobKind, JobStatus, type ImportRunRepository, type IngestJob, type JobSource } from '@app/jobs';
import { GuardedHttpClient, SsrfAllowlist, SsrfGuard } from '@app/security';
import { LocalStorage } from '@app/storage';
import { ArrayRecordReader, testDefinition } from '../../../../test/support/import-test-doubles.js';
import type { OpenRecordReader } from './import-ports.js';
import { ImportSourceResolver } from './import-source.js';
import { ImportRunError } from './import.errors.js';

const definition = testDefinition({
  fields: [{ column: 'code' }],
  source: { type: 'url', formats: ['csv'], url: null, key: null, service: null, overridable: [], max_size_bytes: 64 },
});

const job = (source: JobSource, sourceFilename: string | null = 'stations.csv'): IngestJob =>
  ({
    id: randomUUID(),
    kind: JobKind.ImportRun,
    status: JobStatus.Processing,
    source,
    sourceFilename,
    params: { kind: JobKind.ImportRun, format: null },
  }) as IngestJob;

describe('ImportSourceResolver', () => {
  let root: string;
  let storage: LocalStorage;
  let server: Server;
  let base: string;
  /** What the reader double was opened with, and the file's bytes at that moment. */
  const opened: { path: string; format: string; bytes: string; filename: string | null }[] = [];
  const openReader: OpenRecordReader = async ({ path, format, filename }) => {
    opened.push({ path, format, filename, bytes: await readFile(path, 'utf8') });
    return new ArrayRecordReader(['code'], [{ code: 'A' }]);
  };
  const loopback = new GuardedHttpClient(new SsrfGuard(SsrfAllowlist.parse('127.0.0.1')));
  const strict = new GuardedHttpClient(new SsrfGuard(SsrfAllowlist.parse('')));
  const runs = {} as ImportRunRepository;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-import-source-'));
    storage = new LocalStorage(root);
    server = createServer((req, res) => {
      if (req.url === '/missing.csv') res.statusCode = 404;
      res.end(req.url === '/big.csv' ? 'x'.repeat(1000) : req.url === '/missing.csv' ? '' : 'code\nA\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('streams a storage object to a private temp file, opens it with its format, and removes it on dispose', async () => {
    await storage.write('incoming/a.csv', Readable.from([Buffer.from('code\nA\n')]));
    const resolver = new ImportSourceResolver(storage, strict, runs, openReader);
    const source = await resolver.open(job({ type: 'storage-object', key: 'incoming/a.csv' }), definition, 'csv');
    const seen = opened.at(-1);
    expect(seen).toMatchObject({ format: 'csv', bytes: 'code\nA\n', filename: 'stations.csv' });
    expect(source.reader.total).toBe(1);
    expect(existsSync(seen?.path ?? '')).toBe(true);
    await source.dispose();
    expect(existsSync(dirname(seen?.path ?? ''))).toBe(false);
  });

  it('fetches a URL through the SSRF guard, within the importer size cap', async () => {
    const resolver = new ImportSourceResolver(storage, loopback, runs, openReader);
    const source = await resolver.open(job({ type: 'remote-file', url: `${base}/list.csv` }, null), definition, null);
    expect(opened.at(-1)).toMatchObject({ format: 'csv', bytes: 'code\nA\n' });
    await source.dispose();

    const tooBig = resolver.open(job({ type: 'remote-file', url: `${base}/big.csv` }, null), definition, null);
    await expect(tooBig).rejects.toBeInstanceOf(ImportRunError);
    await expect(tooBig).rejects.toThrow('The source is larger than the importer allows (64 bytes).');
    await expect(
      resolver.open(job({ type: 'remote-file', url: `${base}/missing.csv` }, null), definition, null),
    ).rejects.toThrow('The source URL answered with HTTP status 404.');
  });

  it('refuses a URL the guard does not allow, without fetching it', async () => {
    const resolver = new ImportSourceResolver(storage, strict, runs, openReader);
    const before = opened.length;
    const refused = resolver.open(job({ type: 'remote-file', url: `${base}/list.csv` }, null), definition, null);
    await expect(refused).rejects.toBeInstanceOf(ImportRunError);
    expect(opened.length).toBe(before);
  });

  it('refuses an upload that never completed', async () => {
    const resolver = new ImportSourceResolver(storage, strict, runs, openReader);
    const pending = job({
      type: 'stored-file',
      key: null,
      size: null,
      upload: {
        mode: 'presigned',
        incoming_key: 'x',
        upload_id: null,
        part_size: null,
        part_count: 1,
        content_type: 'text/csv',
        completion_digest: null,
        completing: null,
      },
    });
    await expect(resolver.open(pending, definition, 'csv')).rejects.toThrow(
      'The upload for this run has not been completed.',
    );
  });
});
