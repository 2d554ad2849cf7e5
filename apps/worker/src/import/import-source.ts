import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ImportFailure } from '@app/common';
import { SOURCE_FORMATS, type ImporterDefinition, type SourceFormat } from '@app/importers';
import { ImportRunRepository, type IngestJob } from '@app/jobs';
import {
  GuardedHttpClient,
  ServiceResponseTooLargeError,
  ServiceTimeoutError,
  ServiceUnreachableError,
  SsrfRefusedError,
} from '@app/security';
import { Storage } from '@app/storage';
import { TransientJobError } from '../runtime/job-errors.js';
import { FailedRowsReader } from './failed-rows.reader.js';
import { RECORD_READER_OPENER, type OpenRecordReader } from './import-ports.js';
import { ImportRunError } from './import.errors.js';
import { openedInScratchDir, type OpenedSource } from './opened-source.js';
import { ServiceLayerOpener, type SourceHooks } from './service-source.js';

export type { OpenedSource } from './opened-source.js';

const REMOTE_TIMEOUT_MS = 10 * 60_000;

const rejected = (message: string): ImportRunError => new ImportRunError(ImportFailure.SourceRejected, message);

/**
 * Turns a run's source into records: stored files and storage objects are streamed to a private temp
 * directory, URLs fetched through the SSRF guard (capped at the importer's `max_size_bytes`), and a
 * retry reads its parent's failed rows straight from the database.
 */
@Injectable()
export class ImportSourceResolver {
  constructor(
    private readonly storage: Storage,
    private readonly http: GuardedHttpClient,
    private readonly runs: ImportRunRepository,
    @Inject(RECORD_READER_OPENER) private readonly openReader: OpenRecordReader,
    @Optional() private readonly services?: ServiceLayerOpener,
  ) {}

  async open(
    job: IngestJob,
    definition: ImporterDefinition,
    format: string | null,
    hooks: SourceHooks = { progress: () => Promise.resolve() },
  ): Promise<OpenedSource> {
    const source = job.source;
    if (source.type === 'failed-rows') {
      const reader = await FailedRowsReader.open(this.runs, source.job_id);
      return { reader, srid: reader.srid, dispose: () => reader.close() };
    }
    if (source.type === 'remote-service' && this.services) return this.services.open(job.id, source, hooks);
    const dir = await mkdtemp(join(tmpdir(), `strata-import-${job.id.slice(0, 8)}-`));
    const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
    try {
      let name: string;
      if (source.type === 'stored-file' || source.type === 'storage-object') {
        if (!source.key) throw rejected('The upload for this run has not been completed.');
        name = safeName(job.sourceFilename ?? source.key);
        await this.storage.getFile(source.key, join(dir, name));
      } else if (source.type === 'remote-file') {
        name = safeName(job.sourceFilename ?? new URL(source.url).pathname);
        await writeFile(join(dir, name), await this.fetch(source.url, definition.source.max_size_bytes));
      } else {
        throw rejected('This run has no source an importer can read.');
      }
      const path = join(dir, name);
      const reader = await this.openReader({
        path,
        format: formatOf(format, name, definition),
        read: definition.read,
        filename: job.sourceFilename,
      });
      return openedInScratchDir(reader, dir);
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  /** The run will not read its source again: what was kept for it (a service token) goes. */
  async finished(job: IngestJob): Promise<void> {
    if (job.source.type === 'remote-service') await this.services?.forgetToken(job.id).catch(() => undefined);
  }

  private async fetch(url: string, maxBytes: number): Promise<Buffer> {
    try {
      const response = await this.http.request(url, { maxBytes, timeoutMs: REMOTE_TIMEOUT_MS });
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new TransientJobError(`the source URL answered ${response.status}`);
      }
      if (response.status >= 400) throw rejected(`The source URL answered with HTTP status ${response.status}.`);
      return response.body;
    } catch (error) {
      if (error instanceof ServiceResponseTooLargeError) {
        throw rejected(`The source is larger than the importer allows (${maxBytes} bytes).`);
      }
      if (error instanceof SsrfRefusedError) throw rejected(error.message);
      if (error instanceof ServiceUnreachableError || error instanceof ServiceTimeoutError) {
        throw new TransientJobError(error.message, { cause: error });
      }
      throw error;
    }
  }
}

/** A file name without directories, safe to create in the temp directory. */
function safeName(name: string): string {
  const base = basename(name).replace(/[^A-Za-z0-9._-]/g, '_');
  return base === '' || base === '.' || base === '..' ? 'source' : base;
}

/** The run's format: decided at creation, else the file's extension, else the importer's only format. */
function formatOf(decided: string | null, name: string, definition: ImporterDefinition): SourceFormat {
  const known = (value: string | null | undefined): SourceFormat | undefined =>
    SOURCE_FORMATS.find((f) => f === value?.toLowerCase());
  const found = known(decided) ?? known(extname(name).slice(1)) ?? definition.source.formats[0];
  if (!found) throw rejected('The format of the source could not be determined.');
  return found;
}
