import { ErrorCode } from './domain-error.js';

/**
 * Codes for failures that are not the domain's own decisions (those are DomainErrors): outages,
 * refusals and bugs, one enum per module that can fail. FAILURE_POLICY says, for every code, how a job
 * treats it, what a user is told, and which status the gateway answers with when one reaches it.
 * The worker's classifier (apps/worker/src/runtime/failure-classifier.ts) decides which code an error is.
 */

/** How a failed job attempt ends: retried with backoff, failed at once, or stopped on request. */
export enum FailureClass {
  Transient = 'transient',
  Permanent = 'permanent',
  Cancelled = 'cancelled',
}

/** The object store, as the Storage drivers report it (libs/storage errors carry these as `code`). */
export enum StorageFailure {
  Unavailable = 'storage-unavailable',
  /** The store refused the deployment's credentials or bucket. */
  Refused = 'storage-refused',
  ObjectMissing = 'storage-object-missing',
  InvalidKey = 'storage-invalid-key',
  InvalidUpload = 'storage-invalid-upload',
  UploadMissing = 'storage-upload-missing',
}

/** PostgreSQL, by SQLSTATE class. */
export enum DatabaseFailure {
  Unavailable = 'database-unavailable',
  /** Serialization failure or deadlock: the same work succeeds when run again. */
  Contention = 'database-contention',
  /** Any other SQLSTATE (a constraint, a missing table): a bug, not an outage. */
  Rejected = 'database-rejected',
}

/** A network dependency the error does not name (a socket errno), or one that did not answer in time. */
export enum DependencyFailure {
  Unavailable = 'dependency-unavailable',
  TimedOut = 'dependency-timed-out',
}

/** An HTTP service GDAL read from: the object store through /vsis3/, or a remote source. */
export enum RemoteFailure {
  Unavailable = 'remote-unavailable',
  Refused = 'remote-refused',
  NotFound = 'remote-not-found',
  Rejected = 'remote-rejected',
}

/** The GDAL step. */
export enum GdalFailure {
  /** GDAL refused the file or the options: the child's own code and user-safe message are kept. */
  SourceRejected = 'gdal-source-rejected',
  /** The GDAL process died without answering (a crash inside GDAL, or out of memory). */
  Crashed = 'gdal-crashed',
  /** The GDAL step ran past SOURCE_READ_TIMEOUT_MS and the watchdog killed it (a stuck native call). */
  TimedOut = 'gdal-timed-out',
}

/** The machine running the work. */
export enum HostFailure {
  DiskFull = 'disk-full',
}

/** Importer runs (the row pipeline). */
export enum ImportFailure {
  /** The run names an importer this worker has not loaded (removed or renamed since the run was created). */
  ImporterUnknown = 'import-importer-unknown',
  /** The importer's target table does not exist (and `target.create` is off). */
  TargetMissing = 'import-target-missing',
  /** The source could not be read (missing, too large, refused by the URL guard, unparsable): own message. */
  SourceRejected = 'import-source-rejected',
  /** More rows failed than the importer's `errors` thresholds allow: own message with the numbers. */
  ThresholdExceeded = 'import-threshold-exceeded',
}

/**
 * An importer run's source file, as its record reader found it (apps/worker/src/import/readers). The
 * reader's own message is shown: it names the line, sheet, pointer or layer, never a path.
 */
export enum ReaderFailure {
  UnknownFormat = 'reader-unknown-format',
  BadEncoding = 'reader-bad-encoding',
  SheetNotFound = 'reader-sheet-not-found',
  PointerNotArray = 'reader-pointer-not-array',
  LayerNotFound = 'reader-layer-not-found',
  Malformed = 'reader-malformed',
  Empty = 'reader-empty',
  /** Opening and counting the source ran past SOURCE_READ_TIMEOUT_MS (a malformed or hostile file). */
  TooSlow = 'reader-too-slow',
}

/** The job runtime. */
export enum JobFailure {
  Cancelled = 'cancelled',
  /** A newer delivery took the job over. */
  Superseded = 'superseded',
  /** The job's own code refused it (a DomainError, a PermanentJobError): their code and message are kept. */
  Rejected = 'job-rejected',
  Internal = 'internal',
}

export type FailureCode =
  | StorageFailure
  | DatabaseFailure
  | DependencyFailure
  | RemoteFailure
  | GdalFailure
  | HostFailure
  | ImportFailure
  | ReaderFailure
  | JobFailure;

export interface FailurePolicy {
  readonly class: FailureClass;
  /**
   * What users see (job error, problem detail): no paths, hosts, SQL or credentials. Null where the
   * error's own message is shown, because whoever threw it wrote it for users.
   */
  readonly message: string | null;
  /** Bugs and misconfigurations: the message carries a reference (job id) to find the log entry by. */
  readonly referenced: boolean;
  /** The gateway's answer when such an error reaches an HTTP response; null where none can. */
  readonly http: ErrorCode | null;
}

const policy = (
  cls: FailureClass,
  message: string | null,
  http: ErrorCode | null = null,
  referenced = false,
): FailurePolicy => ({ class: cls, message, referenced, http });

const { Transient, Permanent, Cancelled } = FailureClass;

const INTERNAL = 'The job failed because of an internal error.';

/**
 * The one table. Out of disk is transient (HostFailure.DiskFull): it is the machine's state (a full
 * scratch volume, other jobs' temporary files), not a verdict on the file, so it is retried with backoff
 * like PostgreSQL's own disk_full (SQLSTATE 53100), and the message after the last attempt says so.
 * A remote service's 4xx is permanent: another attempt gets the same answer.
 */
export const FAILURE_POLICY: Readonly<Record<FailureCode, FailurePolicy>> = {
  [StorageFailure.Unavailable]: policy(
    Transient,
    'The storage service is unavailable right now; retry later.',
    ErrorCode.UpstreamFailed,
  ),
  [StorageFailure.Refused]: policy(
    Permanent,
    'The storage service refused the configured account or bucket; an operator must fix the storage settings.',
    ErrorCode.UpstreamFailed,
    true,
  ),
  [StorageFailure.ObjectMissing]: policy(Permanent, 'The stored file no longer exists.', ErrorCode.NotFound),
  [StorageFailure.InvalidKey]: policy(Permanent, INTERNAL, null, true),
  [StorageFailure.InvalidUpload]: policy(Permanent, null, ErrorCode.Unprocessable),
  [StorageFailure.UploadMissing]: policy(
    Permanent,
    'The multipart upload no longer exists (it was completed or aborted).',
    ErrorCode.NotFound,
  ),

  [DatabaseFailure.Unavailable]: policy(
    Transient,
    'The database is unavailable right now; retry later.',
    ErrorCode.DependencyUnavailable,
  ),
  [DatabaseFailure.Contention]: policy(Transient, 'The database was busy with conflicting work; retry later.'),
  [DatabaseFailure.Rejected]: policy(Permanent, INTERNAL, null, true),

  [DependencyFailure.Unavailable]: policy(
    Transient,
    'A storage, database or queue service stayed unavailable; retry later.',
    ErrorCode.DependencyUnavailable,
  ),
  [DependencyFailure.TimedOut]: policy(
    Transient,
    'A storage, database or queue service did not answer in time; retry later.',
    ErrorCode.DependencyUnavailable,
  ),

  [RemoteFailure.Unavailable]: policy(
    Transient,
    'The service holding the source was unavailable or did not answer in time; retry later.',
  ),
  [RemoteFailure.Refused]: policy(Permanent, 'The service holding the source refused access to it.', null, true),
  [RemoteFailure.NotFound]: policy(Permanent, 'The service holding the source does not have it.'),
  [RemoteFailure.Rejected]: policy(Permanent, 'The service holding the source rejected the request.', null, true),

  [GdalFailure.SourceRejected]: policy(Permanent, null),
  [GdalFailure.Crashed]: policy(Permanent, 'GDAL stopped unexpectedly while processing the file.', null, true),
  // Permanent: the same bytes take as long again.
  [GdalFailure.TimedOut]: policy(
    Permanent,
    'Processing the file took longer than the time limit; it may be malformed or too large for one job.',
  ),

  [HostFailure.DiskFull]: policy(
    Transient,
    'The server ran out of disk space; retry later.',
    ErrorCode.DependencyUnavailable,
  ),

  [ImportFailure.ImporterUnknown]: policy(Permanent, 'The importer of this run is not available.', null, true),
  [ImportFailure.TargetMissing]: policy(Permanent, "The importer's target table does not exist."),
  [ImportFailure.SourceRejected]: policy(Permanent, null),
  [ImportFailure.ThresholdExceeded]: policy(Permanent, null),
  // The file is what it is: another attempt reads the same bytes.
  [ReaderFailure.UnknownFormat]: policy(Permanent, null, ErrorCode.UnsupportedMediaType),
  [ReaderFailure.BadEncoding]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.SheetNotFound]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.PointerNotArray]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.LayerNotFound]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.Malformed]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.Empty]: policy(Permanent, null, ErrorCode.Unprocessable),
  [ReaderFailure.TooSlow]: policy(Permanent, null, ErrorCode.Unprocessable),

  [JobFailure.Cancelled]: policy(Cancelled, 'The job was cancelled.'),
  [JobFailure.Superseded]: policy(Cancelled, 'A newer attempt took the job over.'),
  [JobFailure.Rejected]: policy(Permanent, null),
  [JobFailure.Internal]: policy(Permanent, INTERNAL, null, true),
};

const CODES = new Set<string>(Object.keys(FAILURE_POLICY));

export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The failure code an error carries as its `code`, if it carries one. */
export function failureCodeOf(error: unknown): FailureCode | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return isFailureCode(code) ? code : undefined;
}

/**
 * The user-safe message for a failure: the table's text (with the reference for bugs), or `own` where
 * the table defers to the thrower's message.
 */
export function failureMessage(code: FailureCode, reference: string | undefined, own?: string): string {
  const entry = FAILURE_POLICY[code];
  const text = entry.message ?? own ?? INTERNAL;
  if (!entry.referenced || !reference) return text;
  return `${text.replace(/\.$/, '')} (reference ${reference}).`;
}
