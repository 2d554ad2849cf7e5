import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DatabaseFailure,
  DependencyFailure,
  FailureClass,
  GdalFailure,
  HostFailure,
  ImportFailure,
  JobFailure,
  NotFoundError,
  ReaderFailure,
  RemoteFailure,
  StorageFailure,
  TimeoutError,
} from '@app/common';
import { InvalidUploadError, ObjectNotFoundError, StorageUnavailableError } from '@app/storage';
import { ReaderError } from '../import/readers/index.js';
import { GdalTaskCrashedError, GdalTaskError, GdalTaskTimeoutError } from '../ingest/gdal-task.runner.js';
import { ImportRunError } from '../import/import.errors.js';
import { classifyFailure } from './failure-classifier.js';
import { JobCancelledError, PermanentJobError, StaleAttemptError, TransientJobError } from './job-errors.js';

const JOB = 'j-1';
const { Transient, Permanent, Cancelled } = FailureClass;

/** An error as Node's fs/net raise it. */
const errnoError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code, errno: -1, syscall: 'write' });

/** node-postgres: the SQLSTATE on `code`, plus what must never reach a user. */
const pgError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code, severity: 'FATAL', detail: 'Key (email)=(alice@example.com)' });

/** TypeORM's QueryFailedError keeps the driver's error, and the SQL, on itself. */
const typeormError = (code: string): Error =>
  Object.assign(new Error('duplicate key value violates unique constraint "datasets_pkey"'), {
    name: 'QueryFailedError',
    query: 'INSERT INTO "datasets" ("id") VALUES ($1)',
    parameters: ['d-1'],
    driverError: pgError(code, 'query failed'),
  });

/** What the GDAL child reports for a failure it did not recognise: errno/SQLSTATE, masked text. */
const gdalInternal = (code: string, message: string): GdalTaskError =>
  new GdalTaskError({ kind: 'internal', code, message });

describe('classifyFailure', () => {
  describe('transient: retried with backoff', () => {
    it.each([
      // Out of disk: the machine's state, not the file's (see FAILURE_POLICY); the message says so.
      {
        // TypeORM released the runner when the server ended its connection; the run's next call throws this.
        name: 'a query runner released under a chunk (PostgreSQL restarted)',
        error: Object.assign(new Error('Query runner already released. Cannot run queries anymore.'), {
          name: 'QueryRunnerAlreadyReleasedError',
        }),
        code: DatabaseFailure.Unavailable,
      },
      {
        // The same, met through the runner's EntityManager (`manager.query` in a chunk's bookkeeping).
        name: "a released runner's manager used under a chunk (PostgreSQL restarted)",
        error: Object.assign(
          new Error(
            'Database connection provided by a query runner was already released, cannot continue to use its querying methods anymore.',
          ),
          { name: 'QueryRunnerProviderAlreadyReleasedError' },
        ),
        code: DatabaseFailure.Unavailable,
      },
      {
        name: 'ENOSPC from a write',
        error: errnoError('ENOSPC', 'ENOSPC: no space left on device, write'),
        code: HostFailure.DiskFull,
      },
      { name: 'EDQUOT', error: errnoError('EDQUOT', 'EDQUOT: disk quota exceeded, write'), code: HostFailure.DiskFull },
      {
        name: 'GDAL child ENOSPC',
        error: gdalInternal('ENOSPC', 'Error: ENOSPC: no space left on device, write'),
        code: HostFailure.DiskFull,
      },
      {
        name: 'a COG write GDAL refused for lack of disk (in-process, as the cause)',
        error: new Error('Writing the COG failed', {
          cause: new Error(
            'Free disk space available is 1048576 bytes, whereas 73400320 are at least necessary. You can disable this check by defining the CHECK_DISK_FREE_SPACE configuration option to FALSE.',
          ),
        }),
        code: HostFailure.DiskFull,
      },
      {
        name: 'a /vsis3/ read answered 503 (GDAL child, URL masked)',
        error: gdalInternal('internal', 'Error: HTTP response code on https:<path> 503'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'a /vsis3/ read answered 503 (in-process, URL with a port)',
        error: new Error('HTTP response code on http://minio:9000/strata/staging/a.tif: 503'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'a /vsis3/ read answered 503 (the child keeps the host, masks the path)',
        error: gdalInternal('internal', 'Error: HTTP response code on http://minio:9000/<path> 503'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'a COG write out of disk (the child chains the cause)',
        error: gdalInternal(
          'internal',
          'Error: Writing the COG failed <- Error: Free disk space available is 1048576 bytes, whereas 73400320 are at least necessary.',
        ),
        code: HostFailure.DiskFull,
      },
      {
        name: 'S3 throttling as GDAL passes it on',
        error: gdalInternal('internal', 'Error: Please reduce your request rate.'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'HTTP response code: 503',
        error: gdalInternal('internal', 'Error: HTTP response code: 503 - Service Unavailable'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'S3 SlowDown',
        error: gdalInternal('internal', 'Error: SlowDown: Please reduce your request rate.'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'HTTP 429',
        error: gdalInternal('internal', 'Error: HTTP error code : 429'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'a curl timeout',
        error: gdalInternal(
          'internal',
          'Error: CURL error: Operation timed out after 30001 milliseconds with 0 bytes received',
        ),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'a curl connection refusal',
        error: gdalInternal('internal', 'Error: Failed to connect to minio port 9000 after 1 ms: Connection refused'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'GDAL GetFileSize with a 502',
        error: gdalInternal('internal', 'Error: GetFileSize(<path>): response_code=502, server error msg=Bad Gateway'),
        code: RemoteFailure.Unavailable,
      },
      {
        name: 'pg 08006 connection_failure',
        error: pgError('08006', 'connection to db.internal:5432 failed'),
        code: DatabaseFailure.Unavailable,
      },
      {
        name: 'pg 57P01 admin_shutdown',
        error: pgError('57P01', 'terminating connection due to administrator command'),
        code: DatabaseFailure.Unavailable,
      },
      { name: 'pg 57P03 cannot_connect_now', error: typeormError('57P03'), code: DatabaseFailure.Unavailable },
      {
        name: 'pg 53300 too_many_connections',
        error: pgError('53300', 'sorry, too many clients already'),
        code: DatabaseFailure.Unavailable,
      },
      { name: 'pg 53100 disk_full', error: typeormError('53100'), code: DatabaseFailure.Unavailable },
      { name: 'pg 40001 serialization_failure', error: typeormError('40001'), code: DatabaseFailure.Contention },
      {
        name: 'pg 40P01 deadlock_detected',
        error: pgError('40P01', 'deadlock detected'),
        code: DatabaseFailure.Contention,
      },
      {
        name: 'GDAL child 08006 (its own pg connection)',
        error: gdalInternal('08006', 'error: server closed the connection unexpectedly'),
        code: DatabaseFailure.Unavailable,
      },
      {
        name: 'GDAL PostgreSQL driver losing libpq',
        error: gdalInternal(
          'internal',
          'Error: PQconnectdb failed.\nconnection to server at <path> failed: Connection refused',
        ),
        code: DatabaseFailure.Unavailable,
      },
      {
        name: 'pg without a code',
        error: new Error('Connection terminated unexpectedly'),
        code: DatabaseFailure.Unavailable,
      },
      {
        name: 'the GDAL child saw an outage itself',
        error: new GdalTaskError({
          kind: 'internal',
          code: 'unavailable',
          message: 'The database or storage could not be reached.',
        }),
        code: DependencyFailure.Unavailable,
      },
      {
        name: 'ECONNREFUSED',
        error: errnoError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379'),
        code: DependencyFailure.Unavailable,
      },
      { name: 'ECONNRESET', error: errnoError('ECONNRESET', 'read ECONNRESET'), code: DependencyFailure.Unavailable },
      {
        name: 'DNS EAI_AGAIN',
        error: errnoError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN minio'),
        code: DependencyFailure.Unavailable,
      },
      {
        name: 'ETIMEDOUT',
        error: errnoError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.7:5432'),
        code: DependencyFailure.TimedOut,
      },
      {
        name: 'an errno only in the text',
        error: new Error('connect ECONNREFUSED 127.0.0.1:5432'),
        code: DependencyFailure.Unavailable,
      },
      { name: 'ioredis closed', error: new Error('Connection is closed.'), code: DependencyFailure.Unavailable },
      {
        name: 'ioredis gave up',
        error: Object.assign(
          new Error(
            'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
          ),
          { name: 'MaxRetriesPerRequestError' },
        ),
        code: DependencyFailure.Unavailable,
      },
      { name: 'TimeoutError', error: new TimeoutError('storage', 5000), code: DependencyFailure.TimedOut },
      { name: 'StorageUnavailableError', error: new StorageUnavailableError(), code: StorageFailure.Unavailable },
      {
        name: 'StorageUnavailableError as the cause of another error',
        error: new Error('copy failed', { cause: new StorageUnavailableError() }),
        code: StorageFailure.Unavailable,
      },
      {
        name: 'TransientJobError',
        error: new TransientJobError('s3 at 10.0.0.7 down'),
        code: DependencyFailure.Unavailable,
      },
    ])('$name → $code', ({ error, code }) => {
      const failure = classifyFailure(error, JOB);
      expect(failure).toMatchObject({ class: Transient, code, error: { code } });
      expect(failure.error.message).toMatch(/retry later\.$/);
    });
  });

  describe('permanent: fails the job at once', () => {
    it('an importer run that cannot go on keeps its code and, where the policy defers, its own reason', () => {
      const threshold = classifyFailure(
        new ImportRunError(ImportFailure.ThresholdExceeded, 'The run stopped: 3 rows failed.'),
        JOB,
      );
      expect(threshold).toMatchObject({
        class: Permanent,
        code: ImportFailure.ThresholdExceeded,
        error: { code: 'import-threshold-exceeded', message: 'The run stopped: 3 rows failed.' },
      });
      expect(
        classifyFailure(new ImportRunError(ImportFailure.ImporterUnknown, "Importer 'x' is not loaded."), JOB),
      ).toMatchObject({
        class: Permanent,
        error: {
          code: 'import-importer-unknown',
          message: `The importer of this run is not available (reference ${JOB}).`,
        },
      });
    });

    it.each([
      {
        name: 'a remote service answered 401',
        error: gdalInternal('internal', 'Error: HTTP error code : 401'),
        code: RemoteFailure.Refused,
      },
      {
        name: 'a remote 401 seen in-process',
        error: new Error('HTTP error code : 401'),
        code: RemoteFailure.Refused,
      },
      {
        name: 'HTTP 403',
        error: gdalInternal('internal', 'Error: HTTP response code on https:<path> 403'),
        code: RemoteFailure.Refused,
      },
      {
        name: 'S3 AccessDenied',
        error: gdalInternal('internal', 'Error: AccessDenied: Access Denied'),
        code: RemoteFailure.Refused,
      },
      {
        name: 'S3 refusing the signature, as GDAL passes it on',
        error: gdalInternal(
          'internal',
          'Error: The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        ),
        code: RemoteFailure.Refused,
      },
      {
        name: 'a missing bucket, as GDAL passes it on',
        error: gdalInternal('internal', 'Error: The specified bucket does not exist'),
        code: RemoteFailure.NotFound,
      },
      {
        name: 'HTTP 404',
        error: gdalInternal('internal', 'Error: HTTP error code : 404'),
        code: RemoteFailure.NotFound,
      },
      {
        name: 'HTTP 400',
        error: gdalInternal('internal', 'Error: HTTP error code : 400'),
        code: RemoteFailure.Rejected,
      },
      {
        name: 'a curl TLS failure',
        error: gdalInternal(
          'internal',
          'Error: CURL error: SSL certificate problem: unable to get local issuer certificate',
        ),
        code: RemoteFailure.Rejected,
      },
      {
        name: 'pg 23505 unique_violation',
        error: pgError('23505', 'duplicate key value violates unique constraint'),
        code: DatabaseFailure.Rejected,
      },
      { name: 'pg 23505 through TypeORM', error: typeormError('23505'), code: DatabaseFailure.Rejected },
      {
        name: 'pg 42P01 undefined_table',
        error: pgError('42P01', 'relation "strata_data.x" does not exist'),
        code: DatabaseFailure.Rejected,
      },
      {
        name: 'pg 57014 query_canceled',
        error: pgError('57014', 'canceling statement due to statement timeout'),
        code: DatabaseFailure.Rejected,
      },
      {
        name: 'pg 57P04 database_dropped',
        error: pgError('57P04', 'database dropped'),
        code: DatabaseFailure.Rejected,
      },
      { name: 'pg XX000 internal_error', error: pgError('XX000', 'internal error'), code: DatabaseFailure.Rejected },
      {
        name: 'the storage refused the credentials',
        error: new StorageUnavailableError('Storage refused the service credentials or bucket', {
          code: StorageFailure.Refused,
        }),
        code: StorageFailure.Refused,
      },
      { name: 'a stored object is gone', error: new ObjectNotFoundError(), code: StorageFailure.ObjectMissing },
      { name: 'the GDAL child crashed', error: new GdalTaskCrashedError(null, 'SIGSEGV'), code: GdalFailure.Crashed },
      { name: 'the watchdog killed a GDAL child', error: new GdalTaskTimeoutError(60_000), code: GdalFailure.TimedOut },
      {
        name: 'ENOENT',
        error: errnoError('ENOENT', "ENOENT: no such file or directory, open '/srv/strata/x.tif'"),
        code: JobFailure.Internal,
      },
      {
        name: 'EACCES',
        error: errnoError('EACCES', "EACCES: permission denied, open '/srv/strata/x.tif'"),
        code: JobFailure.Internal,
      },
      {
        name: 'GDAL child internal, unrecognised',
        error: gdalInternal('internal', "Error: GDAL's COG output is not compliant: no overviews"),
        code: JobFailure.Internal,
      },
      { name: 'a plain Error', error: new Error('something broke'), code: JobFailure.Internal },
      { name: 'a TypeError', error: new TypeError('Cannot read properties of undefined'), code: JobFailure.Internal },
      {
        name: 'a non-string code',
        error: Object.assign(new Error('failed'), { code: 8006 }),
        code: JobFailure.Internal,
      },
      { name: 'a thrown string', error: 'ECONNREFUSED', code: JobFailure.Internal },
      { name: 'null', error: null, code: JobFailure.Internal },
      { name: 'undefined', error: undefined, code: JobFailure.Internal },
      // Only the runtime's own errors mean "cancelled"; an unrelated code that spells it does not.
      { name: "an object whose code is 'cancelled'", error: { code: 'cancelled' }, code: JobFailure.Internal },
    ])('$name → $code', ({ error, code }) => {
      const failure = classifyFailure(error, JOB);
      expect(failure).toMatchObject({ class: Permanent, code, error: { code } });
    });

    it('an unknown error becomes `internal` with the job id as reference, and none of its text', () => {
      const error = new Error('syntax error at "DROP" in /srv/strata/x.sql password=hunter2');
      expect(classifyFailure(error, 'j-3')).toEqual({
        class: Permanent,
        code: JobFailure.Internal,
        error: { code: 'internal', message: 'The job failed because of an internal error (reference j-3).' },
      });
    });

    it('a remote 401 is reported as refused, with a reference and without the service’s text', () => {
      const failure = classifyFailure(gdalInternal('internal', 'Error: HTTP error code : 401'), 'j-4');
      expect(failure).toEqual({
        class: Permanent,
        code: RemoteFailure.Refused,
        error: {
          code: 'remote-refused',
          message: 'The service holding the source refused access to it (reference j-4).',
        },
        detail: 'Error: HTTP error code : 401',
      });
    });

    it('keeps the SQL, keys and hosts of a database error out of the job error', () => {
      for (const error of [typeormError('23505'), pgError('08006', 'connection to db.internal:5432 failed')]) {
        const shown = JSON.stringify(classifyFailure(error, JOB).error);
        for (const leak of ['INSERT', 'datasets_pkey', 'alice@example.com', 'db.internal'])
          expect(shown).not.toContain(leak);
      }
    });

    it.each([
      {
        name: 'a user error from the GDAL child',
        error: new GdalTaskError({
          kind: 'user',
          code: 'not-cog',
          message: 'The raster cannot be stored as a Cloud-Optimized GeoTIFF as is.',
        }),
        code: GdalFailure.SourceRejected,
        shown: { code: 'not-cog', message: 'The raster cannot be stored as a Cloud-Optimized GeoTIFF as is.' },
      },
      {
        name: 'PermanentJobError',
        error: new PermanentJobError('no-source', 'The job has no uploaded file to ingest.'),
        code: JobFailure.Rejected,
        shown: { code: 'no-source', message: 'The job has no uploaded file to ingest.' },
      },
      {
        // Deliberate, so the thrower's verdict wins over a code that would otherwise mean "retry".
        name: 'PermanentJobError with an errno code',
        error: new PermanentJobError('ECONNREFUSED', 'Refused.'),
        code: JobFailure.Rejected,
        shown: { code: 'ECONNREFUSED', message: 'Refused.' },
      },
      {
        name: 'DomainError',
        error: new NotFoundError('Dataset', 'd-1'),
        code: JobFailure.Rejected,
        shown: { code: 'not-found', message: 'Dataset d-1 was not found.' },
      },
      {
        name: 'DomainError with a transient-looking driver error',
        error: Object.assign(new ConflictError('Already published.'), { driverError: { code: '08006' } }),
        code: JobFailure.Rejected,
        shown: { code: 'conflict', message: 'Already published.' },
      },
      {
        name: 'ReaderError (recorded under its failure code)',
        error: new ReaderError(ReaderFailure.SheetNotFound, "The workbook has no sheet named 'Stations'."),
        code: ReaderFailure.SheetNotFound,
        shown: { code: 'reader-sheet-not-found', message: "The workbook has no sheet named 'Stations'." },
      },
      {
        name: 'InvalidUploadError (its message is written for users)',
        error: new InvalidUploadError('Every part except the last must be at least 5 MiB.'),
        code: StorageFailure.InvalidUpload,
        shown: { code: 'storage-invalid-upload', message: 'Every part except the last must be at least 5 MiB.' },
      },
    ])('$name keeps its own user-safe code and message', ({ error, code, shown }) => {
      expect(classifyFailure(error, JOB)).toEqual({ class: Permanent, code, error: shown });
    });
  });

  describe('cancelled: stops without failing', () => {
    it.each([
      { name: 'JobCancelledError', error: new JobCancelledError(), code: JobFailure.Cancelled },
      { name: 'StaleAttemptError', error: new StaleAttemptError(), code: JobFailure.Superseded },
    ])('$name → $code', ({ error, code }) => {
      expect(classifyFailure(error, JOB)).toMatchObject({ class: Cancelled, code });
    });
  });

  it('logs the GDAL child’s masked description, never shows it', () => {
    const failure = classifyFailure(
      gdalInternal('ENOSPC', 'Error: ENOSPC: no space left on device, write <path>'),
      JOB,
    );
    expect(failure.detail).toBe('Error: ENOSPC: no space left on device, write <path>');
    expect(failure.error).toEqual({ code: 'disk-full', message: 'The server ran out of disk space; retry later.' });
  });
});
