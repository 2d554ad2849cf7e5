import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, posix } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode, NotFoundError, UnprocessableError, describeError } from '@app/common';
import { ImporterCatalog, type SourceFormat } from '@app/importers';
import {
  ImportRunQueries,
  JobKind,
  JobRepository,
  JobStatus,
  type IngestJob,
  type IngestRow,
  type JobSource,
  type RunErrorSummary,
  type RunRowFilter,
  type RunView,
} from '@app/jobs';
import { SERVICE_TOKEN_TTL_SECONDS, ServiceTokenStore } from '@app/queues';
import { SsrfGuard, type Principal } from '@app/security';
import { Storage } from '@app/storage';
import { HeadCapture } from '../ingest/head-capture.js';
import {
  MultipartFileReceiver,
  PayloadTooLargeError,
  type MultipartRequest,
} from '../ingest/multipart-file.receiver.js';
import { SNIFF_BYTES, StoredObjectChecks } from '../ingest/stored-object.checks.js';
import { JobsService } from '../jobs/jobs.service.js';
import { arcgisRoot, remoteServiceSource } from '../services/remote-service.js';
import { failedRowsCsv } from './failed-rows.csv.js';
import type { ImporterSummary } from './importer-lookup.js';
import {
  acceptImporterFile,
  acceptedFormats,
  checkOverrides,
  dryRunField,
  formatFor,
  type Overrides,
} from './runs.checks.js';

export interface RunListFilter {
  importer?: string;
  status?: JobStatus;
  page: number;
  perPage: number;
}

export interface RowPage {
  page: number;
  perPage: number;
  status?: RunRowFilter;
}

export interface TriggerBody {
  dry_run?: boolean;
  source?: Record<string, unknown>;
}

/** Who starts a run and how: an HTTP principal, or an operator at the CLI naming the owner. */
export interface RunStarter {
  owner: string;
  requestId: string | null;
}

/**
 * The runs API (seed 004) and the `ingest:*` CLI: one service, two callers. A run is a job of kind
 * `import-run`; creating one stores its source, inserts the job `queued` and enqueues it.
 */
@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly importers: ImporterCatalog,
    private readonly runs: ImportRunQueries,
    private readonly jobs: JobRepository,
    private readonly jobsApi: JobsService,
    private readonly receiver: MultipartFileReceiver,
    private readonly checks: StoredObjectChecks,
    private readonly storage: Storage,
    private readonly guard: SsrfGuard,
    private readonly tokens: ServiceTokenStore,
  ) {}

  list(owner: string | null, filter: RunListFilter): Promise<{ runs: RunView[]; total: number }> {
    return this.runs.list({ owner, ...filter });
  }

  get(id: string, owner: string): Promise<IngestJob> {
    return this.runs.getForOwner(id, owner);
  }

  /** Any owner's run (operators at the CLI). */
  getAny(id: string): Promise<IngestJob> {
    return this.runs.getAny(id);
  }

  async show(id: string, owner: string, rows: RowPage): Promise<{ run: IngestJob; rows: IngestRow[] }> {
    const run = await this.runs.getForOwner(id, owner);
    const page = await this.runs.rowPage(run.id, rows);
    return { run, rows: page.rows };
  }

  /** `POST /upload/{slug}`: the file streams into storage under the importer's size cap, then is checked. */
  async upload(
    slug: string,
    req: MultipartRequest,
    principal: Principal,
    requestId: string | null,
  ): Promise<IngestJob> {
    const importer = this.uploadImporter(slug);
    const runId = randomUUID();
    const maxBytes = this.maxBytesFor(importer);
    const received = await this.receiver.receive(req, {
      maxBytes,
      acceptFilename: (raw) => acceptImporterFile(raw, importer),
      keyFor: (filename) => `imports/${runId}/${filename}`,
      fields: ['dry_run'],
    });
    return this.discardOnFailure(received.key, async () => {
      const dryRun = dryRunField(received.fields.dry_run);
      await this.checks.verify(received.key, received.filename, received.size, received.head);
      return this.launch(
        importer,
        { owner: principal.owner, requestId },
        {
          id: runId,
          source: { type: 'stored-file', key: received.key, size: received.size, upload: { mode: 'direct' } },
          format: formatFor(received.filename, acceptedFormats(importer)),
          filename: received.filename,
          dryRun,
        },
      );
    });
  }

  /** The CLI's `ingest:run --file`: the same checks and run as an upload, from a local file. */
  async uploadLocalFile(slug: string, path: string, dryRun: boolean, starter: RunStarter): Promise<IngestJob> {
    const importer = this.uploadImporter(slug);
    const filename = acceptImporterFile(basename(path), importer);
    const maxBytes = this.maxBytesFor(importer);
    const size = (await stat(path)).size;
    if (size > maxBytes) throw new PayloadTooLargeError(maxBytes);
    const runId = randomUUID();
    const key = `imports/${runId}/${filename}`;
    const capture = new HeadCapture(SNIFF_BYTES);
    const written = await this.storage.write(key, createReadStream(path).pipe(capture));
    return this.discardOnFailure(key, async () => {
      await this.checks.verify(key, filename, written, capture.head);
      return this.launch(importer, starter, {
        id: runId,
        source: { type: 'stored-file', key, size: written, upload: { mode: 'direct' } },
        format: formatFor(filename, acceptedFormats(importer)),
        filename,
        dryRun,
      });
    });
  }

  /** `POST /trigger/{slug}`: an importer that reads a URL, a stored object or a remote service. */
  async trigger(slug: string, body: TriggerBody, principal: Principal, requestId: string | null): Promise<IngestJob> {
    const importer = this.importer(slug);
    if (importer.source.type === 'upload') {
      throw new UnprocessableError(
        `Importer '${slug}' reads uploaded files; send the file to the upload route instead.`,
      );
    }
    const overrides = checkOverrides(importer, body.source ?? {});
    const source = await this.triggerSource(importer, overrides);
    const name =
      source.type === 'remote-file' ? new URL(source.url).pathname : source.type === 'storage-object' ? source.key : '';
    const filename = name ? posix.basename(name) || null : null;
    const accepted = acceptedFormats(importer);
    // A service token goes to the one-time hand-off under the run's id before the run can be picked up
    // (never into the run's row or the queue), as for service previews.
    const id = randomUUID();
    if (overrides.token !== undefined) await this.tokens.put(id, overrides.token, SERVICE_TOKEN_TTL_SECONDS);
    return this.launch(
      importer,
      { owner: principal.owner, requestId },
      {
        id,
        source,
        format: accepted.length === 1 ? (accepted[0] ?? null) : filename ? formatFor(filename, accepted) : null,
        filename: filename ?? (source.type === 'remote-service' ? source.layer : null),
        dryRun: body.dry_run ?? false,
      },
    );
  }

  /** Cooperative cancel through the job's own cancel: a queued run ends `cancelled` at once. */
  async cancel(id: string, owner: string): Promise<IngestJob> {
    await this.runs.getForOwner(id, owner);
    return this.jobs.requestCancel(id, owner);
  }

  /** A child run over the failed rows (original row numbers kept); see ImportRunQueries.createRetry. */
  async retry(id: string, starter: RunStarter, dryRun: boolean): Promise<IngestJob> {
    const run = await this.runs.createRetry({
      parentId: id,
      owner: starter.owner,
      dryRun,
      requestId: starter.requestId,
    });
    await this.jobsApi.enqueueOrLeaveToSweeper(run);
    return run;
  }

  async errorSummary(id: string, owner: string): Promise<RunErrorSummary> {
    const run = await this.runs.getForOwner(id, owner);
    return this.runs.errorSummary(run.id);
  }

  /** The failed rows as CSV lines, read from a cursor as the consumer pulls them. 404 when none failed. */
  async failedRowsCsv(id: string, owner: string): Promise<{ filename: string; lines: AsyncGenerator<string> }> {
    const run = await this.runs.getForOwner(id, owner);
    if (!(await this.runs.hasFailedRows(run.id))) {
      throw new DomainError(ErrorCode.NotFound, 'No failed rows found for this ingest run.');
    }
    const headers = await this.runs.failedRowHeaders(run.id, recordedHeaders(run));
    return { filename: `failed-rows-${run.id}.csv`, lines: failedRowsCsv(headers, this.runs.failedRows(run.id)) };
  }

  private importer(slug: string): ImporterSummary {
    const importer = this.importers.get(slug);
    if (!importer) throw new NotFoundError('Importer', slug);
    return importer;
  }

  private uploadImporter(slug: string): ImporterSummary {
    const importer = this.importer(slug);
    if (importer.source.type !== 'upload') {
      throw new UnprocessableError(
        `Importer '${slug}' reads its ${importer.source.type} source itself; start it with the trigger route.`,
      );
    }
    return importer;
  }

  private maxBytesFor(importer: ImporterSummary): number {
    return Math.min(importer.source.max_size_bytes, this.config.upload.maxFileSizeBytes);
  }

  private async triggerSource(importer: ImporterSummary, overrides: Overrides): Promise<JobSource> {
    const source = importer.source;
    switch (source.type) {
      case 'url': {
        const url = overrides.url ?? source.url;
        if (!url) throw new UnprocessableError(`Importer '${importer.slug}' names no URL to read.`);
        // The importer's own URL is an operator's choice; a caller's replacement is checked before it is stored.
        if (overrides.url !== undefined) await this.guard.vet(url);
        return { type: 'remote-file', url };
      }
      case 'storage': {
        const key = overrides.key ?? source.key;
        if (!key) throw new UnprocessableError(`Importer '${importer.slug}' names no storage key to read.`);
        const object = await this.storage.head(key);
        if (!object) throw new UnprocessableError('There is no stored object at the source key.');
        const max = this.maxBytesFor(importer);
        if (object.size > max) throw new PayloadTooLargeError(max);
        return { type: 'storage-object', key };
      }
      case 'service': {
        const service = source.service;
        if (!service) throw new UnprocessableError(`Importer '${importer.slug}' names no usable remote service.`);
        const given = overrides.service ?? {};
        const url = given.url ?? service.url;
        // As for `url` importers: the importer's own URL is the operator's (the worker vets it before any
        // request); a caller's replacement is vetted before the run is stored.
        const parsed = given.url !== undefined ? (await this.guard.vet(url)).url : parseUrl(url);
        return remoteServiceSource(parsed, {
          serviceType: service.service_type,
          layerName: given.layer_name ?? service.layer_name,
          // ArcGIS: the caller's layer id, else the one a replacement layer URL names, else the importer's.
          layerId: given.layer_id ?? (given.url !== undefined ? arcgisRoot(parsed)?.layerId : null) ?? service.layer_id,
          objectIdField: service.object_id_field,
          version: service.version,
        });
      }
      default:
        throw new UnprocessableError(`Importer '${importer.slug}' cannot be triggered.`);
    }
  }

  /** The one place a run is created: inserted `queued`, then enqueued (the sweeper covers a Redis outage). */
  private async launch(
    importer: ImporterSummary,
    starter: RunStarter,
    run: { id?: string; source: JobSource; format: SourceFormat | null; filename: string | null; dryRun: boolean },
  ): Promise<IngestJob> {
    const job = await this.jobs.create({
      ...(run.id ? { id: run.id } : {}),
      owner: starter.owner,
      kind: JobKind.ImportRun,
      importer: importer.slug,
      status: JobStatus.Queued,
      source: run.source,
      params: { kind: JobKind.ImportRun, format: run.format },
      sourceFilename: run.filename,
      dryRun: run.dryRun,
      requestId: starter.requestId,
    });
    await this.jobsApi.enqueueOrLeaveToSweeper(job);
    return job;
  }

  private async discardOnFailure(key: string, work: () => Promise<IngestJob>): Promise<IngestJob> {
    try {
      return await work();
    } catch (error) {
      await this.storage
        .delete(key)
        .catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'could not remove a rejected upload'));
      throw error;
    }
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UnprocessableError('The service URL of the importer is not a valid URL.');
  }
}

/** The source's header row when the pipeline recorded it (`result.headers`), to order the CSV's columns. */
function recordedHeaders(run: IngestJob): string[] {
  const headers = run.result?.headers;
  return Array.isArray(headers) ? headers.filter((h): h is string => typeof h === 'string') : [];
}
