import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, TimeoutError } from '@app/common';
import {
  JobCancelledError,
  PermanentJobError,
  StaleAttemptError,
  TransientJobError,
  isTransient,
  toUserSafeError,
} from './job-errors.js';

const withCode = (code: unknown, message = 'failed'): Error => Object.assign(new Error(message), { code });

/** TypeORM wraps driver errors; the SQLSTATE sits on `driverError`. */
const typeormError = (code: string): Error =>
  Object.assign(new Error('query failed'), { query: 'SELECT 1', driverError: { code } });

describe('isTransient', () => {
  describe('PostgreSQL SQLSTATEs', () => {
    it.each([
      { code: '08000', transient: true }, // connection_exception
      { code: '08001', transient: true }, // sqlclient_unable_to_establish_sqlconnection
      { code: '08003', transient: true }, // connection_does_not_exist
      { code: '08006', transient: true }, // connection_failure
      { code: '08P01', transient: true }, // protocol_violation (class 08)
      { code: '53000', transient: true }, // insufficient_resources
      { code: '53100', transient: true }, // disk_full
      { code: '53200', transient: true }, // out_of_memory
      { code: '53300', transient: true }, // too_many_connections
      { code: '57P01', transient: true }, // admin_shutdown
      { code: '57P02', transient: true }, // crash_shutdown
      { code: '57P03', transient: true }, // cannot_connect_now
      { code: '40001', transient: true }, // serialization_failure
      { code: '40P01', transient: true }, // deadlock_detected
      { code: '57014', transient: false }, // query_canceled
      { code: '57P04', transient: false }, // database_dropped
      { code: '40002', transient: false }, // integrity_constraint_violation (class 40)
      { code: '23505', transient: false }, // unique_violation
      { code: '23503', transient: false }, // foreign_key_violation
      { code: '42P01', transient: false }, // undefined_table
      { code: '22P02', transient: false }, // invalid_text_representation
      { code: 'XX000', transient: false }, // internal_error
    ])('$code → $transient', ({ code, transient }) => {
      expect(isTransient(withCode(code))).toBe(transient);
      expect(isTransient(typeormError(code))).toBe(transient);
    });

    it('prefers the driver error code over the wrapper code', () => {
      const error = Object.assign(new Error('query failed'), { code: '23505', driverError: { code: '08006' } });
      expect(isTransient(error)).toBe(true);
    });
  });

  describe('errno codes', () => {
    it.each([
      { code: 'ECONNREFUSED', transient: true },
      { code: 'ECONNRESET', transient: true },
      { code: 'ETIMEDOUT', transient: true },
      { code: 'EPIPE', transient: true },
      { code: 'EAI_AGAIN', transient: true },
      { code: 'EHOSTUNREACH', transient: true },
      { code: 'ENETUNREACH', transient: true },
      { code: 'ENOENT', transient: false },
      { code: 'EACCES', transient: false },
      { code: 'ENOSPC', transient: false },
      { code: 'ERR_INVALID_ARG_TYPE', transient: false },
    ])('$code → $transient', ({ code, transient }) => {
      expect(isTransient(withCode(code))).toBe(transient);
    });

    it('ignores a non-string code', () => {
      expect(isTransient(withCode(8006))).toBe(false);
      expect(isTransient(withCode(null))).toBe(false);
    });
  });

  it.each([
    { message: 'Connection terminated unexpectedly', transient: true },
    { message: 'Connection is closed.', transient: true },
    { message: 'connect ECONNREFUSED 127.0.0.1:5432', transient: true },
    {
      message:
        'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      transient: true,
    },
    { message: 'boom', transient: false },
    { message: 'Cannot read properties of undefined', transient: false },
  ])('a plain Error saying $message → $transient', ({ message, transient }) => {
    expect(isTransient(new Error(message))).toBe(transient);
  });

  it.each([
    { name: 'TransientJobError', error: new TransientJobError('storage hiccup'), transient: true },
    { name: 'TimeoutError', error: new TimeoutError('storage', 5000), transient: true },
    {
      name: 'PermanentJobError',
      error: new PermanentJobError('bad-file', 'The file is not a GeoPackage.'),
      transient: false,
    },
    // The permanent classification wins even over a code that would otherwise mean "retry".
    {
      name: 'PermanentJobError with an errno code',
      error: new PermanentJobError('ECONNREFUSED', 'x'),
      transient: false,
    },
    { name: 'DomainError', error: new NotFoundError('Dataset', 'd-1'), transient: false },
    {
      name: 'DomainError with a transient-looking code',
      error: Object.assign(new ConflictError('Connection is closed'), { driverError: { code: '08006' } }),
      transient: false,
    },
    { name: 'JobCancelledError', error: new JobCancelledError(), transient: false },
    { name: 'StaleAttemptError', error: new StaleAttemptError(), transient: false },
    { name: 'plain Error', error: new Error('something broke'), transient: false },
    { name: 'string', error: 'ECONNREFUSED', transient: false },
    { name: 'null', error: null, transient: false },
    { name: 'undefined', error: undefined, transient: false },
    { name: 'object with a transient code', error: { code: 'ECONNRESET' }, transient: true },
  ])('$name → $transient', ({ error, transient }) => {
    expect(isTransient(error)).toBe(transient);
  });
});

describe('toUserSafeError', () => {
  it('passes through the code and message of a PermanentJobError', () => {
    expect(toUserSafeError(new PermanentJobError('bad-file', 'The file is not a GeoPackage.'), 'j-1')).toEqual({
      code: 'bad-file',
      message: 'The file is not a GeoPackage.',
    });
  });

  it('passes through the code and message of a DomainError', () => {
    expect(toUserSafeError(new NotFoundError('Dataset', 'd-1'), 'j-1')).toEqual({
      code: 'not-found',
      message: 'Dataset d-1 was not found.',
    });
  });

  it.each([
    { name: 'TransientJobError', error: new TransientJobError('s3 at 10.0.0.7 down') },
    { name: 'TimeoutError', error: new TimeoutError('postgres://strata:hunter2@db', 5000) },
    { name: 'pg connection failure', error: withCode('08006', 'connection to db.internal:5432 failed') },
  ])('turns a transient $name into a generic dependency message', ({ error }) => {
    const safe = toUserSafeError(error, 'j-2');
    expect(safe).toEqual({
      code: 'dependency-unavailable',
      message: 'A storage or database service stayed unavailable; retry the job later.',
    });
  });

  it.each([
    {
      name: 'Error with SQL and a path',
      error: new Error('syntax error at "DROP" in /srv/strata/x.sql password=hunter2'),
    },
    { name: 'unique violation', error: withCode('23505', 'duplicate key (email)=(alice@example.com)') },
    { name: 'thrown string', error: 'postgres://strata:hunter2@db.internal/strata' },
    { name: 'undefined', error: undefined },
  ])('never leaks the message of an unknown error ($name)', ({ error }) => {
    const safe = toUserSafeError(error, 'j-3');
    expect(safe).toEqual({ code: 'internal', message: 'The job failed because of an internal error (reference j-3).' });
  });
});
