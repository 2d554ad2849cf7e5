import { InvalidJobDocumentError } from './job-kind.js';

/** How the bytes of a stored file arrived. Presigned uploads remember their upload (never a secret). */
export type UploadState =
  | { mode: 'direct' }
  | {
      mode: 'presigned';
      /** Where the client PUTs; the object is frozen elsewhere (or kept, for multipart) on completion. */
      incoming_key: string;
      /** Multipart upload id; null for a single PUT. */
      upload_id: string | null;
      part_size: number | null;
      part_count: number;
      content_type: string;
      /** Digest of the part list the upload was completed with: a repeated completion must match it. */
      completion_digest: string | null;
      /** A completion in progress holds this lease (so only one does the storage work at a time). */
      completing: { token: string; until: string } | null;
    };

/** Bytes in our storage. `key` is null until the upload completes (presigned uploads). */
export interface StoredFileSource {
  type: 'stored-file';
  key: string | null;
  size: number | null;
  upload: UploadState;
}

export type RemoteServiceType = 'wfs' | 'oapif' | 'arcgis';

/** A layer of a remote feature service. Credentials are never part of it. */
export interface RemoteServiceSource {
  type: 'remote-service';
  url: string;
  service_type: RemoteServiceType;
  layer: string;
  layer_id: string | null;
  object_id_field: string | null;
  /** WFS version the job reads with (`1.0.0`, `1.1.0`, `2.0.0`); null for other services. */
  version: string | null;
}

/** Datasets a job combines (VRT mosaics). */
export interface DatasetsSource {
  type: 'datasets';
  ids: string[];
}

/** A file fetched from a URL when the job runs (importer runs with a `url` source; SSRF-guarded). */
export interface RemoteFileSource {
  type: 'remote-file';
  url: string;
}

/** An object already in the configured store, read in place (importer runs with a `storage` source). */
export interface StorageObjectSource {
  type: 'storage-object';
  key: string;
}

/** The failed rows of an earlier run, with their original row numbers (importer retries). */
export interface FailedRowsSource {
  type: 'failed-rows';
  job_id: string;
}

/** A job that reads nothing (diagnostics). */
export interface NoSource {
  type: 'none';
}

export type JobSource =
  | StoredFileSource
  | RemoteServiceSource
  | RemoteFileSource
  | StorageObjectSource
  | FailedRowsSource
  | DatasetsSource
  | NoSource;
export type JobSourceType = JobSource['type'];

/** A stored file whose bytes are bound (upload complete): the only kind of file source a job can run on. */
export type BoundFileSource = StoredFileSource & { key: string };

export function isBoundFile(source: JobSource): source is BoundFileSource {
  return source.type === 'stored-file' && source.key !== null;
}

/** Whether the job's source can be read: uploads must be complete; other sources are ready when stored. */
export function isSourceReady(source: JobSource): boolean {
  return source.type !== 'stored-file' || source.key !== null;
}

/** The same test as `isSourceReady`, for guarded updates on `ingest_jobs`. */
export const SOURCE_READY_SQL = `(source->>'type' <> 'stored-file' OR source->>'key' IS NOT NULL)`;

type Raw = Record<string, unknown>;

const fail = (problem: string): never => {
  throw new InvalidJobDocumentError('job source', problem);
};
const record = (value: unknown, where: string): Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Raw)
    : fail(`${where} is not an object`);
const text = (raw: Raw, key: string): string =>
  typeof raw[key] === 'string' && raw[key] !== '' ? raw[key] : fail(`${key} must be a non-empty string`);
const optText = (raw: Raw, key: string): string | null =>
  raw[key] === undefined || raw[key] === null ? null : text(raw, key);
const optCount = (raw: Raw, key: string): number | null => {
  const value = raw[key];
  if (value === undefined || value === null) return null;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : fail(`${key} must be a non-negative integer`);
};

function parseUpload(value: unknown): UploadState {
  const raw = record(value, 'upload');
  if (raw.mode === 'direct') return { mode: 'direct' };
  if (raw.mode !== 'presigned') return fail(`upload.mode '${String(raw.mode)}' is unknown`);
  const completing =
    raw.completing === undefined || raw.completing === null ? null : record(raw.completing, 'completing');
  return {
    mode: 'presigned',
    incoming_key: text(raw, 'incoming_key'),
    upload_id: optText(raw, 'upload_id'),
    part_size: optCount(raw, 'part_size'),
    part_count: optCount(raw, 'part_count') ?? fail('part_count is required'),
    content_type: optText(raw, 'content_type') ?? 'application/octet-stream',
    completion_digest: optText(raw, 'completion_digest'),
    completing: completing ? { token: text(completing, 'token'), until: text(completing, 'until') } : null,
  };
}

const SERVICE_TYPES: readonly RemoteServiceType[] = ['wfs', 'oapif', 'arcgis'];

/** Reads a stored source document, refusing anything that is not exactly one of the source types. */
export function parseJobSource(value: unknown): JobSource {
  const raw = record(value, 'source');
  switch (raw.type) {
    case 'stored-file':
      return {
        type: 'stored-file',
        key: optText(raw, 'key'),
        size: optCount(raw, 'size'),
        upload: parseUpload(raw.upload),
      };
    case 'remote-service': {
      const serviceType = SERVICE_TYPES.find((t) => t === raw.service_type) ?? fail('service_type is unknown');
      return {
        type: 'remote-service',
        url: text(raw, 'url'),
        service_type: serviceType,
        layer: text(raw, 'layer'),
        layer_id: optText(raw, 'layer_id'),
        object_id_field: optText(raw, 'object_id_field'),
        version: optText(raw, 'version'),
      };
    }
    case 'datasets': {
      const ids = Array.isArray(raw.ids) ? raw.ids : fail('ids must be an array');
      return {
        type: 'datasets',
        ids: ids.map((id) => (typeof id === 'string' ? id : fail('ids must be strings'))),
      };
    }
    case 'remote-file':
      return { type: 'remote-file', url: text(raw, 'url') };
    case 'storage-object':
      return { type: 'storage-object', key: text(raw, 'key') };
    case 'failed-rows':
      return { type: 'failed-rows', job_id: text(raw, 'job_id') };
    case 'none':
      return { type: 'none' };
    default:
      return fail(`type '${String(raw.type)}' is unknown`);
  }
}
