import {
  DATABASE_DOWN,
  DISK_FULL_ERRNO,
  DatabaseFailure,
  DependencyFailure,
  DomainError,
  FAILURE_POLICY,
  GdalFailure,
  HostFailure,
  JobFailure,
  QUEUE_DOWN,
  RemoteFailure,
  TIMEOUT_ERRNO,
  TimeoutError,
  UNREACHABLE_ERRNO,
  failureCodeOf,
  failureMessage,
  isReleasedRunnerError,
  isFailureCode,
  type FailureClass,
  type FailureCode,
} from '@app/common';
import { GdalTaskCrashedError, GdalTaskError, GdalTaskTimeoutError } from '../ingest/gdal-task.runner.js';
import { JobCancelledError, PermanentJobError, StaleAttemptError, TransientJobError } from './job-errors.js';

/** What a failed attempt amounts to. */
export interface ClassifiedFailure {
  readonly class: FailureClass;
  readonly code: FailureCode;
  /** What the job record shows: user-safe. */
  readonly error: { code: string; message: string };
  /** The GDAL child's masked description of an internal failure, for the log only. */
  readonly detail?: string;
}

/**
 * The one place that decides whether a job's failure is retried (transient), fails the job (permanent)
 * or stops it (cancelled), and what the user is told; FAILURE_POLICY (libs/common) holds the class and
 * message of each code. Errors thrown on purpose say what they are; anything else is read from its
 * errno, SQLSTATE, HTTP status or GDAL/libpq/curl message, on the error and on its causes. What no rule
 * recognises is a bug: permanent, `internal`, with the job id as the reference to find it in the log.
 */
export function classifyFailure(error: unknown, jobId: string): ClassifiedFailure {
  const own = (code: FailureCode, shown: { code: string; message: string }): ClassifiedFailure => ({
    class: FAILURE_POLICY[code].class,
    code,
    error: shown,
  });
  const byCode = (code: FailureCode, ownMessage?: string, detail?: string): ClassifiedFailure => ({
    class: FAILURE_POLICY[code].class,
    code,
    error: { code, message: failureMessage(code, jobId, ownMessage) },
    ...(detail ? { detail } : {}),
  });

  if (error instanceof JobCancelledError) return byCode(JobFailure.Cancelled);
  if (error instanceof StaleAttemptError) return byCode(JobFailure.Superseded);
  if (error instanceof DomainError) {
    // A DomainError that names its failure code (a record reader's) is recorded under it, as the table says.
    const failure = (error as { failure?: unknown }).failure;
    if (isFailureCode(failure)) return byCode(failure, error.message);
  }
  if (error instanceof PermanentJobError || error instanceof DomainError) {
    return own(JobFailure.Rejected, { code: error.code, message: error.message });
  }
  if (error instanceof TransientJobError) return byCode(DependencyFailure.Unavailable);
  if (error instanceof GdalTaskError) {
    const { failure } = error;
    if (failure.kind === 'user') {
      return own(GdalFailure.SourceRejected, { code: failure.code, message: failure.message });
    }
    // `unavailable`: the child itself recognised an outage of the database or of storage.
    const code =
      failure.code === 'unavailable'
        ? DependencyFailure.Unavailable
        : (fromCode(failure.code) ?? fromMessage(failure.message) ?? JobFailure.Internal);
    return byCode(code, undefined, failure.message);
  }
  if (error instanceof GdalTaskTimeoutError) return byCode(GdalFailure.TimedOut);
  if (error instanceof GdalTaskCrashedError) return byCode(GdalFailure.Crashed);
  const found = readChain(error);
  if (!found) return byCode(JobFailure.Internal);
  // Where the table defers to the error's own message (storage's InvalidUploadError), it is the
  // message of the error that carries the code, never of a wrapper around it.
  return byCode(found.code, found.at instanceof Error ? found.at.message : undefined);
}

/** Codes only the checks above assign; an unrelated error whose `code` happens to spell one is not one. */
const ASSIGNED_ABOVE = new Set<string>([...Object.values(JobFailure), ...Object.values(GdalFailure)]);

/** The first level of the error and its causes (at most a few) that a rule recognises. */
function readChain(error: unknown): { code: FailureCode; at: unknown } | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const tagged = failureCodeOf(current);
    if (tagged && !ASSIGNED_ABOVE.has(tagged)) return { code: tagged, at: current };
    if (current instanceof TimeoutError) return { code: DependencyFailure.TimedOut, at: current };
    if (isReleasedRunnerError(current)) return { code: DatabaseFailure.Unavailable, at: current };
    // TypeORM keeps the driver's error (and its SQLSTATE) on `driverError`.
    const driverError = (current as { driverError?: unknown }).driverError;
    const code =
      fromCode(codeOf(driverError) ?? codeOf(current)) ??
      (current instanceof Error ? fromMessage(current.message) : undefined);
    if (code) return { code, at: current };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Classes 00-58, F0, HV, P0, XX; never an errno (`EPIPE` has five letters too). */
const SQLSTATE = /^(?:[0-5][0-9A-Z]|F0|HV|P0|XX)[0-9A-Z]{3}$/;

/** An errno or a PostgreSQL SQLSTATE. */
function fromCode(code: string | undefined): FailureCode | undefined {
  if (!code) return undefined;
  if (DISK_FULL_ERRNO.has(code)) return HostFailure.DiskFull;
  if (UNREACHABLE_ERRNO.has(code)) return DependencyFailure.Unavailable;
  if (TIMEOUT_ERRNO.has(code)) return DependencyFailure.TimedOut;
  if (!SQLSTATE.test(code)) return undefined;
  // Connection loss, insufficient resources (incl. disk_full 53100), shutdown and restart.
  if (/^(?:08|53|57P0[1-3])/.test(code)) return DatabaseFailure.Unavailable;
  if (code === '40001' || code === '40P01') return DatabaseFailure.Contention;
  return DatabaseFailure.Rejected;
}

/**
 * GDAL: "HTTP error code : 401" (cpl_http), "HTTP response code: 503", "HTTP response code on <url>: 503"
 * (/vsicurl/, /vsis3/; the child masks the URL's path, and the colon with it), "response_code=503".
 */
const HTTP_STATUS = [
  /\bHTTP (?:error|response) code\b(?:\s+on\s+\S+?)?\s*:?\s*(?<![\d.])([1-5]\d\d)(?![\d.])/i,
  /\bresponse_code=([1-5]\d\d)\b/,
];
/** S3 error codes, and the messages of S3 error responses GDAL passes on. */
const S3_UNAVAILABLE = /\b(?:SlowDown|ServiceUnavailable|RequestTimeout|Throttl\w*)\b|reduce your request rate/i;
const S3_REFUSED =
  /\b(?:AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken)\b|Access Denied|signature we calculated does not match|Access Key Id you provided does not exist/i;
const S3_NOT_FOUND = /\b(?:NoSuchKey|NoSuchBucket)\b|The specified (?:bucket|key) does not exist/i;
const DISK_FULL =
  /no space left on device|free disk space available is|out of disk space|disk quota exceeded|\bENOSPC\b/i;
const ERRNO_TIMEOUT = /\bETIMEDOUT\b/;
const ERRNO_UNREACHABLE = /\b(?:ECONNREFUSED|ECONNRESET|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH)\b/;
/** libcurl's messages (GDAL passes them on, with or without a "CURL error: " prefix). */
const CURL_TRANSIENT =
  /Could not resolve host|Failed to connect to|Couldn't connect to server|Connection reset by peer|Recv failure|Send failure|Empty reply from server|transfer closed with|Operation timed out|Connection timed out|Resolving timed out|SSL connect error/i;
const CURL_OTHER = /\bCURL error\b/i;

function fromHttpStatus(status: number): FailureCode | undefined {
  if (status === 408 || status === 429 || status >= 500) return RemoteFailure.Unavailable;
  if (status === 401 || status === 403) return RemoteFailure.Refused;
  if (status === 404 || status === 410) return RemoteFailure.NotFound;
  if (status >= 400) return RemoteFailure.Rejected;
  return undefined;
}

function fromMessage(message: string): FailureCode | undefined {
  for (const pattern of HTTP_STATUS) {
    const status = pattern.exec(message)?.[1];
    const code = status === undefined ? undefined : fromHttpStatus(Number(status));
    if (code) return code;
  }
  if (S3_UNAVAILABLE.test(message)) return RemoteFailure.Unavailable;
  if (S3_REFUSED.test(message)) return RemoteFailure.Refused;
  if (S3_NOT_FOUND.test(message)) return RemoteFailure.NotFound;
  if (DISK_FULL.test(message)) return HostFailure.DiskFull;
  if (DATABASE_DOWN.test(message)) return DatabaseFailure.Unavailable;
  if (QUEUE_DOWN.test(message)) return DependencyFailure.Unavailable;
  if (ERRNO_TIMEOUT.test(message)) return DependencyFailure.TimedOut;
  if (ERRNO_UNREACHABLE.test(message)) return DependencyFailure.Unavailable;
  if (CURL_TRANSIENT.test(message)) return RemoteFailure.Unavailable;
  if (CURL_OTHER.test(message)) return RemoteFailure.Rejected;
  return undefined;
}
