import 'reflect-metadata';
import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
  type ArgumentsHost,
} from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  UnprocessableError,
} from './domain-error.js';
import { ProblemDetailsFilter, toProblem } from './problem.filter.js';
import { RequestValidationException } from './validation.js';

const TYPE = (code: string): string => `https://strata.dev/problems/${code}`;

/** A driver error as it really looks: the SQL, its parameters and a connection string hang off it. */
function leakyError(): Error {
  return Object.assign(
    new Error(
      'insert into "ingest_job" values ($1) failed at /srv/strata/libs/jobs/src/x.ts: connect to postgres://strata:hunter2@db.internal:5432/strata password=hunter2',
    ),
    { query: 'INSERT INTO "ingest_job" ("owner") VALUES ($1)', parameters: ['alice@example.com'] },
  );
}
const LEAKS = ['insert into', 'INSERT', 'ingest_job', '/srv/strata', 'hunter2', 'db.internal', 'alice@example.com'];

describe('toProblem', () => {
  describe('DomainError', () => {
    const CODES = [
      { code: ErrorCode.ValidationFailed, status: 400, title: 'Request validation failed' },
      { code: ErrorCode.BadRequest, status: 400, title: 'Bad request' },
      { code: ErrorCode.Unauthenticated, status: 401, title: 'Authentication required' },
      { code: ErrorCode.Forbidden, status: 403, title: 'Forbidden' },
      { code: ErrorCode.NotFound, status: 404, title: 'Not found' },
      { code: ErrorCode.Conflict, status: 409, title: 'Conflict' },
      { code: ErrorCode.InvalidTransition, status: 409, title: 'Invalid state transition' },
      { code: ErrorCode.PayloadTooLarge, status: 413, title: 'Payload too large' },
      { code: ErrorCode.UnsupportedMediaType, status: 415, title: 'Unsupported media type' },
      { code: ErrorCode.Unprocessable, status: 422, title: 'Unprocessable content' },
      { code: ErrorCode.SsrfRefused, status: 422, title: 'Outbound URL refused' },
      { code: ErrorCode.UpstreamFailed, status: 502, title: 'Upstream service failed' },
      { code: ErrorCode.DependencyUnavailable, status: 503, title: 'Service unavailable' },
      { code: ErrorCode.Timeout, status: 504, title: 'Timed out' },
      { code: ErrorCode.Internal, status: 500, title: 'Internal server error' },
    ];

    it.each(CODES)('$code → $status $title', ({ code, status, title }) => {
      const { problem, unexpected } = toProblem(new DomainError(code, 'What went wrong.'), undefined);
      expect(problem).toEqual({ type: TYPE(code), title, status, detail: 'What went wrong.' });
      expect(unexpected).toBe(code === ErrorCode.Internal);
    });

    it('the table above covers every error code', () => {
      expect(CODES.map((c) => c.code).sort()).toEqual(Object.values(ErrorCode).sort());
    });

    it.each([
      { error: new NotFoundError('Job', 'abc'), status: 404, code: 'not-found', detail: 'Job abc was not found.' },
      { error: new NotFoundError('Dataset'), status: 404, code: 'not-found', detail: 'Dataset was not found.' },
      { error: new ConflictError('Already committed.'), status: 409, code: 'conflict', detail: 'Already committed.' },
      { error: new UnprocessableError('Bad layer.'), status: 422, code: 'unprocessable', detail: 'Bad layer.' },
      { error: new ForbiddenError('No upload.'), status: 403, code: 'forbidden', detail: 'No upload.' },
      {
        error: new UnauthenticatedError(),
        status: 401,
        code: 'unauthenticated',
        detail: 'A valid bearer token is required.',
      },
    ])('$error.name → $status', ({ error, status, code, detail }) => {
      const { problem, unexpected } = toProblem(error, 'req-7');
      expect(problem).toMatchObject({ type: TYPE(code), status, detail, request_id: 'req-7' });
      expect(unexpected).toBe(false);
    });

    it('adds extensions as members but never lets them override the standard ones', () => {
      const error = new ConflictError('Job is running.', {
        current_status: 'processing',
        status: 200,
        type: 'about:blank',
        detail: 'overridden',
      });
      const { problem } = toProblem(error, 'req-1');
      expect(problem).toEqual({
        type: TYPE('conflict'),
        title: 'Conflict',
        status: 409,
        detail: 'Job is running.',
        request_id: 'req-1',
        current_status: 'processing',
      });
    });
  });

  it('RequestValidationException → 400 validation-failed with errors', () => {
    const issues = [
      { loc: ['body', 'title'], msg: 'title must be a string', type: 'isString' },
      { loc: ['query', 'page'], msg: 'page must not be less than 1', type: 'min' },
    ];
    const { problem, unexpected } = toProblem(new RequestValidationException(issues), 'req-2');
    expect(problem).toEqual({
      type: TYPE('validation-failed'),
      title: 'Request validation failed',
      status: 400,
      detail: 'The request is not valid; see errors.',
      request_id: 'req-2',
      errors: issues,
    });
    expect(unexpected).toBe(false);
  });

  describe('HttpException', () => {
    it.each([
      {
        exception: new NotFoundException('Cannot GET /api/nope'),
        status: 404,
        code: 'not-found',
        detail: 'Cannot GET /api/nope',
      },
      { exception: new ConflictException('Name taken.'), status: 409, code: 'conflict', detail: 'Name taken.' },
      {
        exception: new PayloadTooLargeException(),
        status: 413,
        code: 'payload-too-large',
        detail: 'Payload Too Large',
      },
      {
        exception: new UnsupportedMediaTypeException('Use multipart/form-data.'),
        status: 415,
        code: 'unsupported-media-type',
        detail: 'Use multipart/form-data.',
      },
      { exception: new MethodNotAllowedException(), status: 405, code: 'bad-request', detail: 'Method Not Allowed' },
      {
        exception: new BadRequestException(['first is wrong', 'second is wrong']),
        status: 400,
        code: 'bad-request',
        detail: 'first is wrong; second is wrong',
      },
      {
        exception: new HttpException('Gone for good.', 410),
        status: 410,
        code: 'bad-request',
        detail: 'Gone for good.',
      },
      {
        exception: new HttpException({ error: 'Teapot' }, 418),
        status: 418,
        code: 'bad-request',
        detail: 'Http Exception',
      },
      {
        exception: new HttpException('Retry later.', 503),
        status: 503,
        code: 'dependency-unavailable',
        detail: 'Retry later.',
      },
      {
        exception: new HttpException('Upstream said no.', 502),
        status: 502,
        code: 'upstream-failed',
        detail: 'An unexpected error occurred.',
      },
    ])('$status → $code: $detail', ({ exception, status, code, detail }) => {
      const { problem } = toProblem(exception, undefined);
      expect(problem).toMatchObject({ type: TYPE(code), status, detail });
      expect(problem).not.toHaveProperty('request_id');
    });

    it.each([
      { status: 500, unexpected: true },
      { status: 501, unexpected: true },
      { status: 502, unexpected: true },
      { status: 503, unexpected: false },
      { status: 504, unexpected: true },
      { status: 404, unexpected: false },
      { status: 400, unexpected: false },
    ])('status $status is unexpected: $unexpected', ({ status, unexpected }) => {
      expect(toProblem(new HttpException('x', status), undefined).unexpected).toBe(unexpected);
    });

    it('hides the message of a 5xx exception', () => {
      const { problem } = toProblem(new InternalServerErrorException(leakyError().message), 'req-3');
      expect(problem).toMatchObject({ type: TYPE('internal'), status: 500, detail: 'An unexpected error occurred.' });
      const json = JSON.stringify(problem);
      for (const leak of LEAKS) expect(json).not.toContain(leak);
    });

    it('replaces a JSON parser message with a generic one', () => {
      // What Nest's Express adapter makes of body-parser's SyntaxError.
      const parserError = Object.assign(
        new SyntaxError(`Unexpected token 'x', "{x: secret-thing}" is not valid JSON`),
        {
          status: 400,
          type: 'entity.parse.failed',
          body: '{x: secret-thing}',
        },
      );
      const { problem, unexpected } = toProblem(
        new BadRequestException(parserError.message, { cause: parserError }),
        'req-4',
      );
      expect(problem).toEqual({
        type: TYPE('bad-request'),
        title: 'Bad request',
        status: 400,
        detail: 'The request body is not valid JSON.',
        request_id: 'req-4',
      });
      expect(JSON.stringify(problem)).not.toContain('secret-thing');
      expect(unexpected).toBe(false);
    });

    it('treats any SyntaxError cause as invalid JSON', () => {
      const cause = new SyntaxError('Unexpected end of JSON input');
      const { problem } = toProblem(new BadRequestException(cause.message, { cause }), undefined);
      expect(problem.detail).toBe('The request body is not valid JSON.');
    });

    it('describes a malformed path (URIError cause) without the raw message', () => {
      const cause = new URIError("Failed to decode param '%E0%A4%A'");
      const { problem } = toProblem(new BadRequestException(cause.message, { cause }), undefined);
      expect(problem.detail).toBe('The request path is not valid.');
    });

    it.each([
      { type: 'entity.too.large', status: 413, detail: 'The request body is too large.' },
      { type: 'encoding.unsupported', status: 415, detail: 'The request body encoding is not supported.' },
      { type: 'charset.unsupported', status: 415, detail: 'The request body charset is not supported.' },
      { type: 'request.aborted', status: 400, detail: 'The request was aborted by the client.' },
    ])('wrapped http-errors of type $type → $detail', ({ type, status, detail }) => {
      const cause = Object.assign(new Error('raw parser text with internals'), { type, status, expose: true });
      const { problem } = toProblem(new HttpException(cause.message, status, { cause }), undefined);
      expect(problem).toMatchObject({ status, detail });
    });

    it('summarises a terminus health failure as statuses only', () => {
      const exception = new ServiceUnavailableException({
        status: 'error',
        info: { database: { status: 'up' } },
        error: { redis: { status: 'down', message: 'connect ECONNREFUSED 10.1.2.3:6379' } },
        details: {
          database: { status: 'up' },
          redis: { status: 'down', message: 'connect ECONNREFUSED 10.1.2.3:6379' },
          storage: { message: 'EACCES /var/lib/strata' },
        },
      });
      const { problem, unexpected } = toProblem(exception, 'req-5');
      expect(problem).toEqual({
        type: TYPE('dependency-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'A dependency is unavailable.',
        request_id: 'req-5',
        checks: { database: 'up', redis: 'down', storage: 'unknown' },
      });
      expect(JSON.stringify(problem)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|EACCES|\/var\/lib/);
      expect(unexpected).toBe(false);
    });

    it('adds no checks to a 503 without terminus details', () => {
      expect(toProblem(new ServiceUnavailableException(), undefined).problem).not.toHaveProperty('checks');
    });
  });

  describe('raw http-errors (not wrapped by Nest)', () => {
    it.each([
      {
        error: { status: 400, expose: true, type: 'entity.parse.failed' },
        status: 400,
        detail: 'The request body is not valid JSON.',
      },
      {
        error: { status: 413, expose: true, type: 'entity.too.large' },
        status: 413,
        detail: 'The request body is too large.',
      },
      { error: { status: 404, expose: true }, status: 404, detail: 'Not found' },
      { error: { status: 418, expose: true, type: 'something.else' }, status: 418, detail: 'Bad request' },
    ])('$error → $status $detail', ({ error, status, detail }) => {
      const { problem, unexpected } = toProblem(Object.assign(new Error('raw message'), error), undefined);
      expect(problem).toMatchObject({ status, detail });
      expect(unexpected).toBe(false);
    });

    it.each([
      { status: 400, expose: false },
      { status: 500, expose: true },
    ])('an http-error with status $status and expose $expose is treated as unknown', (props) => {
      const { problem, unexpected } = toProblem(Object.assign(new Error('raw message'), props), undefined);
      expect(problem.status).toBe(500);
      expect(unexpected).toBe(true);
    });
  });

  describe('errors carrying a failure code (FAILURE_POLICY)', () => {
    /** Storage errors carry their code like this; their own text may name the bucket or host. */
    const failed = (code: string, message = 'PUT http://10.0.0.7:9000/strata-bucket/x failed'): Error =>
      Object.assign(new Error(message), { code });

    it.each([
      {
        code: 'storage-unavailable',
        status: 502,
        type: 'upstream-failed',
        detail: 'The storage service is unavailable right now; retry later.',
      },
      {
        code: 'storage-refused',
        status: 502,
        type: 'upstream-failed',
        detail:
          'The storage service refused the configured account or bucket; an operator must fix the storage settings.',
      },
      { code: 'storage-object-missing', status: 404, type: 'not-found', detail: 'The stored file no longer exists.' },
    ])('$code → $status with the table’s message', ({ code, status, type, detail }) => {
      const { problem, unexpected } = toProblem(failed(code), 'req-7');
      expect(problem).toMatchObject({ type: TYPE(type), status, detail, request_id: 'req-7' });
      expect(unexpected).toBe(status >= 500);
      expect(JSON.stringify(problem)).not.toMatch(/10\.0\.0\.7|strata-bucket/);
    });

    it('keeps the message of a failure whose code defers to it (written for users)', () => {
      const { problem } = toProblem(failed('storage-invalid-upload', 'A part is missing.'), undefined);
      expect(problem).toMatchObject({ status: 422, detail: 'A part is missing.' });
    });

    it.each(['internal', 'database-rejected', 'storage-invalid-key'])(
      '%s, which no HTTP answer exposes, stays an unknown 500',
      (code) => {
        const { problem, unexpected } = toProblem(failed(code), undefined);
        expect(problem).toMatchObject({ status: 500, detail: expect.stringMatching(/^An unexpected error/) });
        expect(unexpected).toBe(true);
      },
    );
  });

  describe('a database or queue that is down', () => {
    const pgError = (message: string, props: Record<string, unknown>): Error =>
      Object.assign(new Error(message), props);

    it.each([
      ['a refused connection', pgError('connect ECONNREFUSED 10.0.0.7:5432', { code: 'ECONNREFUSED' })],
      [
        'a connection refused on every address (AggregateError)',
        new AggregateError([pgError('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''),
      ],
      [
        'a server shutting down (57P01)',
        pgError('terminating connection due to administrator command', { code: '57P01' }),
      ],
      ['the server starting up (57P03)', pgError('the database system is starting up', { code: '57P03' })],
      [
        'a session ended under a query (TypeORM wraps the driver error)',
        Object.assign(new Error('Query failed'), { driverError: new Error('Connection terminated unexpectedly') }),
      ],
      ['the pool giving up on a connection', new Error('timeout exceeded when trying to connect')],
      [
        'a transaction whose connection TypeORM released when the server ended it',
        Object.assign(new Error('Database connection provided by a query runner was already released'), {
          name: 'QueryRunnerProviderAlreadyReleasedError',
        }),
      ],
      ['Redis gone (ioredis)', new Error('Connection is closed.')],
      [
        'a wrapper whose cause is the outage',
        new Error('load failed', { cause: pgError('read ECONNRESET', { code: 'ECONNRESET' }) }),
      ],
    ])('%s → 503 dependency-unavailable, without the driver message', (_, error) => {
      const { problem } = toProblem(error, 'req-9');
      expect(problem).toMatchObject({ type: TYPE('dependency-unavailable'), status: 503, request_id: 'req-9' });
      expect(problem.detail).toMatch(/unavailable|did not answer/);
      expect(JSON.stringify(problem)).not.toMatch(/10\.0\.0\.7|5432|ECONN|terminat|Query/);
    });

    it('a rejected statement (not an outage) stays an unknown 500', () => {
      const { problem } = toProblem(
        pgError('duplicate key value violates unique constraint', { code: '23505' }),
        undefined,
      );
      expect(problem.status).toBe(500);
    });
  });

  describe('unknown errors', () => {
    it.each([
      { name: 'driver error with SQL, paths and passwords', thrown: leakyError() },
      { name: 'TypeError', thrown: new TypeError("Cannot read properties of undefined (reading 'hunter2')") },
      { name: 'a thrown string', thrown: 'postgres://strata:hunter2@db.internal/strata' },
      { name: 'null', thrown: null },
    ])('$name → 500 that says nothing about it', ({ thrown }) => {
      const { problem, unexpected } = toProblem(thrown, 'req-6');
      expect(problem).toEqual({
        type: TYPE('internal'),
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request_id when reporting it.',
        request_id: 'req-6',
      });
      expect(unexpected).toBe(true);
      const json = JSON.stringify(problem);
      for (const leak of LEAKS) expect(json).not.toContain(leak);
    });

    it('omits request_id when there is none', () => {
      expect(toProblem(new Error('x'), undefined).problem).not.toHaveProperty('request_id');
      expect(toProblem(new Error('x'), '').problem).not.toHaveProperty('request_id');
    });
  });
});

interface FakeResponse {
  headersSent: boolean;
  statusCode?: number;
  contentType?: string;
  body?: string;
  ended: boolean;
  status(code: number): FakeResponse;
  type(value: string): FakeResponse;
  send(body: string): FakeResponse;
  end(): void;
}

function fakeResponse(headersSent = false): FakeResponse {
  const res: FakeResponse = {
    headersSent,
    ended: false,
    status(code) {
      res.statusCode = code;
      return res;
    },
    type(value) {
      res.contentType = value;
      return res;
    },
    send(body) {
      res.body = body;
      return res;
    },
    end() {
      res.ended = true;
    },
  };
  return res;
}

function fakeHost(req: { id?: string | number }, res: FakeResponse, type = 'http'): ArgumentsHost {
  const http = { getRequest: () => req, getResponse: () => res, getNext: () => undefined };
  return {
    getType: () => type,
    switchToHttp: () => http,
    getArgs: () => [req, res],
    getArgByIndex: (i: number) => [req, res][i],
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ArgumentsHost;
}

describe('ProblemDetailsFilter.catch', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes the problem document with its status and content type', () => {
    const res = fakeResponse();
    new ProblemDetailsFilter().catch(new NotFoundError('Job', 'j-1'), fakeHost({ id: 'req-9' }, res));

    expect(res.statusCode).toBe(404);
    expect(res.contentType).toBe('application/problem+json');
    expect(JSON.parse(res.body ?? 'null')).toEqual({
      type: TYPE('not-found'),
      title: 'Not found',
      status: 404,
      detail: 'Job j-1 was not found.',
      request_id: 'req-9',
    });
  });

  it('stringifies a numeric request id', () => {
    const res = fakeResponse();
    new ProblemDetailsFilter().catch(new ConflictError('x'), fakeHost({ id: 42 }, res));
    expect(JSON.parse(res.body ?? 'null')).toMatchObject({ status: 409, request_id: '42' });
  });

  it('logs an unexpected error without its SQL or parameters, and answers 500 without details', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = fakeResponse();
    new ProblemDetailsFilter().catch(leakyError(), fakeHost({}, res));

    expect(res.statusCode).toBe(500);
    expect(res.contentType).toBe('application/problem+json');
    const body = res.body ?? '';
    for (const leak of LEAKS) expect(body).not.toContain(leak);
    expect(JSON.parse(body)).not.toHaveProperty('request_id');

    expect(logged).toHaveBeenCalledTimes(1);
    const [entry] = logged.mock.calls[0] ?? [];
    const json = JSON.stringify(entry);
    expect(json).not.toContain('INSERT INTO');
    expect(json).not.toContain('alice@example.com');
    expect(json).not.toContain('hunter2');
    expect(entry).toMatchObject({ err: { type: 'Error' } });
  });

  it('does not log expected errors', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    new ProblemDetailsFilter().catch(new ConflictError('x'), fakeHost({}, fakeResponse()));
    expect(logged).not.toHaveBeenCalled();
  });

  it('only ends the response when headers were already sent', () => {
    const res = fakeResponse(true);
    new ProblemDetailsFilter().catch(new ConflictError('x'), fakeHost({}, res));
    expect(res.ended).toBe(true);
    expect(res.statusCode).toBeUndefined();
    expect(res.body).toBeUndefined();
  });

  it('rethrows outside HTTP', () => {
    const error = new ConflictError('x');
    const res = fakeResponse();
    expect(() => new ProblemDetailsFilter().catch(error, fakeHost({}, res, 'rpc'))).toThrow(error);
    expect(res.body).toBeUndefined();
  });
});
