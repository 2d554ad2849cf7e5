import { describe, expect, it } from 'vitest';
import { MAX_FRAMES, describeError, scrubSecrets } from './safe-error.js';

/** Shaped like TypeORM's QueryFailedError: the SQL text, bound values and driver error are enumerable props. */
class QueryFailedError extends Error {
  readonly code: string;
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
    readonly driverError: { code: string; detail: string },
  ) {
    super('duplicate key value violates unique constraint "uq_api_token_hash"');
    this.name = 'QueryFailedError';
    this.code = driverError.code;
  }
}

describe('describeError', () => {
  it('keeps an error described already (the logger serializes `err` fields logged as describeError(e))', () => {
    const once = describeError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    const twice = describeError(once);
    expect(twice).toEqual(once);
    expect(twice).toMatchObject({
      type: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
      code: 'ECONNREFUSED',
    });
    expect(describeError({ type: 'Error', message: 'postgres://u:secret@h/d' }).message).not.toContain('secret');
    expect(describeError({ some: 'object' })).toEqual({ type: 'object', message: 'Non-error value thrown' });
  });

  it('keeps only type, message, code and frames of a query error', () => {
    const error = new QueryFailedError(
      'INSERT INTO "api_token"("hash", "owner") VALUES ($1, $2)',
      ['c2VjcmV0LWhhc2g=', 'alice@example.com'],
      { code: '23505', detail: 'Key (hash)=(c2VjcmV0LWhhc2g=) already exists.' },
    );
    const safe = describeError(error);

    expect(Object.keys(safe).sort()).toEqual(['code', 'frames', 'message', 'type']);
    expect(safe).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "uq_api_token_hash"',
      code: '23505',
    });
    const json = JSON.stringify(safe);
    for (const leak of ['INSERT INTO', 'c2VjcmV0LWhhc2g=', 'alice@example.com', 'already exists']) {
      expect(json).not.toContain(leak);
    }
  });

  it('drops a non-string code and any other extra property', () => {
    const error = Object.assign(new Error('read failed'), { code: 8006, parameters: ['p'], query: 'SELECT 1' });
    const safe = describeError(error);
    expect(safe).not.toHaveProperty('code');
    expect(safe).not.toHaveProperty('query');
    expect(safe).not.toHaveProperty('parameters');
    expect(safe.type).toBe('Error');
  });

  it('omits the frames when there is no stack', () => {
    const error = new Error('no stack');
    error.stack = undefined;
    expect(describeError(error)).toEqual({ type: 'Error', message: 'no stack' });
  });

  it('names the functions on the stack, never its text: no path, line number or secret', () => {
    const error = new Error('cannot connect to postgres://strata:hunter2@db:5432/strata');
    error.stack = [
      'Error: cannot connect to postgres://strata:hunter2@db:5432/strata',
      '    at Client.connect (/srv/strata/node_modules/pg/lib/client.js:132:17)',
      '    at async GdalTaskRunner.run (file:///srv/strata/dist/apps/worker/src/ingest/gdal-task.runner.js:88:9)',
      '    at new Promise (<anonymous>)',
      '    at /srv/strata/dist/apps/worker/src/main.js:12:3',
      '    at async Promise.all (index 0)',
      '    at eval (eval at load (/srv/strata/x.js:1:1), <anonymous>:1:1)',
    ].join('\n');
    const safe = describeError(error);
    expect(safe.message).toBe('cannot connect to postgres://***@db:5432/strata');
    expect(safe.frames).toEqual([
      'Client.connect',
      'async GdalTaskRunner.run',
      'new Promise',
      '<anonymous>',
      'async Promise.all',
      'eval (eval at load',
    ]);
    const json = JSON.stringify(safe);
    for (const leak of ['/srv/', 'hunter2', ':132', 'client.js']) expect(json).not.toContain(leak);
    expect(safe).not.toHaveProperty('stack');
  });

  it('masks the directories of a file path in the message', () => {
    const error = Object.assign(
      new Error("ENOENT: no such file or directory, open '/srv/strata/var/storage/1/a.tif'"),
      {
        code: 'ENOENT',
      },
    );
    expect(describeError(error)).toMatchObject({
      message: "ENOENT: no such file or directory, open '…/a.tif'",
      code: 'ENOENT',
    });
  });

  it(`keeps at most ${MAX_FRAMES} frames of a deep stack`, () => {
    const error = new Error('deep');
    error.stack = ['Error: deep', ...Array.from({ length: 40 }, (_, i) => `    at f${i} (/x/y.js:${i}:1)`)].join('\n');
    expect(describeError(error).frames).toEqual(Array.from({ length: MAX_FRAMES }, (_, i) => `f${i}`));
  });

  it('drops a stack and any frame with a path from an error that was already described', () => {
    const described = {
      type: 'Error',
      message: 'x',
      stack: 'Error: x\n    at f (/srv/a.js:1:1)',
      frames: ['f', '/srv/a.js:1'],
    };
    expect(describeError(described)).toEqual({ type: 'Error', message: 'x', frames: ['f'] });
  });

  it.each([
    { thrown: 'postgres://strata:hunter2@db/strata', type: 'string' },
    { thrown: { password: 'hunter2' }, type: 'object' },
    { thrown: 42, type: 'number' },
    { thrown: undefined, type: 'undefined' },
  ])('describes a thrown $type without its content', ({ thrown, type }) => {
    const safe = describeError(thrown);
    expect(safe).toEqual({ type, message: 'Non-error value thrown' });
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['postgres://strata:hunter2@db:5432/strata', 'postgres://***@db:5432/strata'],
    [
      'see https://user:p%40ss@example.com/path and s3://AKIA:wJalr@bucket/key',
      'see https://***@example.com/path and s3://***@bucket/key',
    ],
    // Password-only credentials, the usual form of a Redis URL.
    ['redis://:s3cret@cache:6379/0', 'redis://***@cache:6379/0'],
    // A token as the whole user part.
    ['https://ghp_abc123@github.com/org/repo.git', 'https://***@github.com/org/repo.git'],
    ['password=hunter2', 'password=***'],
    ['login failed; Password = hunter2 for user x', 'login failed; Password = *** for user x'],
    ['token: abc.def.ghi', 'token: ***'],
    ['api_token=abc123&x=1', 'api_token=***'],
    ['client secret: xyz', 'client secret: ***'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Authorization: ***'],
    ['authorization: Basic dXNlcjpwYXNz', 'authorization: ***'],
    ['{"user":"bob","password":"hunter2"}', '{"user":"bob","password":"***'],
  ])('%s → %s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it.each([
    'Job 3f2a was not found.',
    'connect ECONNREFUSED 127.0.0.1:5432',
    'https://example.com/path?q=1',
    'user@example.com',
  ])('leaves %j alone', (text) => {
    expect(scrubSecrets(text)).toBe(text);
  });

  it('scrubs every occurrence', () => {
    const text = 'a password=one b password=two c postgres://u:three@h/d d redis://:four@h';
    const scrubbed = scrubSecrets(text);
    for (const secret of ['one', 'two', 'three', 'four']) expect(scrubbed).not.toContain(secret);
  });
});
