import { describe, expect, it } from 'vitest';
import { ErrorCode } from './domain-error.js';
import {
  DatabaseFailure,
  DependencyFailure,
  FAILURE_POLICY,
  FailureClass,
  GdalFailure,
  HostFailure,
  ImportFailure,
  JobFailure,
  ReaderFailure,
  RemoteFailure,
  StorageFailure,
  failureCodeOf,
  failureMessage,
  isFailureCode,
} from './failure-policy.js';

const ENUMS = [
  StorageFailure,
  DatabaseFailure,
  DependencyFailure,
  RemoteFailure,
  GdalFailure,
  HostFailure,
  ImportFailure,
  ReaderFailure,
  JobFailure,
];
const ALL = ENUMS.flatMap((e) => Object.values(e) as string[]);

describe('FAILURE_POLICY', () => {
  it('has one entry per code, and no code is shared between modules', () => {
    expect(new Set(ALL).size).toBe(ALL.length);
    expect(Object.keys(FAILURE_POLICY).sort()).toEqual([...ALL].sort());
  });

  it.each(ALL)('%s is a kebab-case value', (code) => {
    expect(code).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
  });

  it('tells users to retry exactly where the job is retried', () => {
    for (const [code, entry] of Object.entries(FAILURE_POLICY)) {
      const says = /retry later\.$/.test(entry.message ?? '');
      expect({ code, says }).toEqual({ code, says: entry.class === FailureClass.Transient });
    }
  });

  it('only the runtime stops a job as cancelled', () => {
    const cancelled = Object.entries(FAILURE_POLICY).filter(([, e]) => e.class === FailureClass.Cancelled);
    expect(cancelled.map(([code]) => code).sort()).toEqual([JobFailure.Cancelled, JobFailure.Superseded].sort());
  });

  it('treats running out of disk as transient, and says so', () => {
    expect(FAILURE_POLICY[HostFailure.DiskFull]).toMatchObject({
      class: FailureClass.Transient,
      message: 'The server ran out of disk space; retry later.',
    });
  });

  it('fails an importer run at once, showing its own reason for a rejected source or an exceeded threshold', () => {
    for (const code of Object.values(ImportFailure)) expect(FAILURE_POLICY[code].class).toBe(FailureClass.Permanent);
    expect(failureMessage(ImportFailure.ThresholdExceeded, 'job-1', 'The run stopped: 3 rows failed.')).toBe(
      'The run stopped: 3 rows failed.',
    );
    expect(failureMessage(ImportFailure.ImporterUnknown, 'job-1')).toBe(
      'The importer of this run is not available (reference job-1).',
    );
  });

  it('maps the storage failures the gateway can meet to HTTP statuses', () => {
    expect(Object.fromEntries(Object.values(StorageFailure).map((c) => [c, FAILURE_POLICY[c].http]))).toEqual({
      [StorageFailure.Unavailable]: ErrorCode.UpstreamFailed,
      [StorageFailure.Refused]: ErrorCode.UpstreamFailed,
      [StorageFailure.ObjectMissing]: ErrorCode.NotFound,
      [StorageFailure.InvalidKey]: null,
      [StorageFailure.InvalidUpload]: ErrorCode.Unprocessable,
      [StorageFailure.UploadMissing]: ErrorCode.NotFound,
    });
  });

  it('fails a run at once on every reader failure, with the reader’s own message and a 4xx status', () => {
    for (const code of Object.values(ReaderFailure)) {
      expect({ code, ...FAILURE_POLICY[code] }).toEqual({
        code,
        class: FailureClass.Permanent,
        message: null,
        referenced: false,
        http: code === ReaderFailure.UnknownFormat ? ErrorCode.UnsupportedMediaType : ErrorCode.Unprocessable,
      });
    }
  });
});

describe('failureMessage', () => {
  it('adds the reference to failures an operator must look up', () => {
    expect(failureMessage(JobFailure.Internal, 'j-1')).toBe(
      'The job failed because of an internal error (reference j-1).',
    );
    expect(failureMessage(JobFailure.Internal, undefined)).toBe('The job failed because of an internal error.');
  });

  it('uses the error’s own message only where the table defers to it', () => {
    expect(failureMessage(StorageFailure.InvalidUpload, 'j-1', 'A part is missing.')).toBe('A part is missing.');
    expect(failureMessage(StorageFailure.Unavailable, 'j-1', 'connect ECONNREFUSED 10.0.0.7:9000')).toBe(
      'The storage service is unavailable right now; retry later.',
    );
  });
});

describe('failureCodeOf', () => {
  it.each([
    { error: Object.assign(new Error('x'), { code: 'storage-unavailable' }), code: StorageFailure.Unavailable },
    { error: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), code: undefined },
    { error: Object.assign(new Error('x'), { code: 503 }), code: undefined },
    { error: null, code: undefined },
    { error: 'storage-unavailable', code: undefined },
  ])('$error.code → $code', ({ error, code }) => {
    expect(failureCodeOf(error)).toBe(code);
  });

  it('isFailureCode knows every code and nothing else', () => {
    expect(ALL.every(isFailureCode)).toBe(true);
    expect(isFailureCode('not-found')).toBe(false);
  });
});
