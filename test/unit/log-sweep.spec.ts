import { describe, expect, it } from 'vitest';
import {
  answerFindings,
  describeFindings,
  isSweptAnswer,
  lineViolations,
  sweepContextFor,
  sweepLines,
  type SweepContext,
} from '../e2e/support/log-sweep.js';

const TOKEN = 'stk_' + 'Ab3_x-9Qz'.repeat(4) + 'Ab3_x-9';

const context: SweepContext = sweepContextFor(
  {
    DATABASE_URL: 'postgres://strata:db-pass-1@127.0.0.1:5432/strata_test',
    STORAGE_LOCAL_ROOT: '/srv/strata-storage',
    S3_TEST_SECRET_ACCESS_KEY: 'testing',
    S3_SECRET_ACCESS_KEY: 'Wk9s/secret+KEY',
  },
  '/work/main',
  '/tmp',
);

const json = (fields: Record<string, unknown>): string =>
  JSON.stringify({ level: 50, time: 1, app: 'worker', ...fields });

describe('sweepContextFor', () => {
  it('takes the directories, the URL passwords and the S3 secrets from the environment', () => {
    expect(context).toEqual({
      directories: ['/work/main', '/tmp', '/srv/strata-storage'],
      secrets: ['testing', 'Wk9s/secret+KEY'],
      urlPasswords: ['db-pass-1'],
    });
  });

  it('resolves a relative storage root against the working directory', () => {
    expect(sweepContextFor({ STORAGE_LOCAL_ROOT: '.tmp/storage' }, '/repo', '/tmp').directories).toContain(
      '/repo/.tmp/storage',
    );
  });
});

describe('lineViolations', () => {
  it.each([
    ['the repository root', json({ msg: 'failed to read /work/main/importers/stations.yaml' })],
    ['the storage root', json({ err: { message: "ENOENT: open '/srv/strata-storage/datasets/1/a.tif'" } })],
    ['a temporary file', json({ msg: 'ogr2ogr failed on /tmp/strata-ingest-Xy12/layer.gpkg' })],
    ['a home directory', 'Error: cannot open /home/ci/.aws/config'],
    ['a node_modules path', json({ msg: 'loaded node_modules/gdal-async/lib/binding.node' })],
  ])('flags %s as an absolute path', (_what, line) => {
    expect(lineViolations(line, context).join()).toMatch(/path/);
  });

  it.each([
    ['a frame with a location', 'at JobRunner.run (file:///work2/dist/main.js:12:34)'],
    ['a frame without a name', '    at file:///opt/app/dist/main.js:1:2'],
    ['an indented frame', '    at async Promise.all (index 0)'],
    ['a stack escaped in a JSON line', json({ msg: 'boom', err: 'Error: x\n    at f (x.js:1:2)' })],
    ['a stack field', json({ err: { type: 'Error', message: 'x', stack: 'Error: x' } })],
    ['a node-internal frame', 'at node:internal/process/task_queues:95:5'],
  ])('flags %s as a stack trace', (_what, line) => {
    expect(lineViolations(line, context)).toContain('stack trace');
  });

  it.each([
    ['the database password in its URL', json({ msg: 'connect postgres://strata:db-pass-1@127.0.0.1:5432/x' })],
    ['any unmasked URL password', 'redis://default:hunter22@cache:6379 is down'],
  ])('flags %s', (_what, line) => {
    expect(lineViolations(line, context)).toContain('password in a URL');
  });

  it('flags an S3 secret key', () => {
    expect(lineViolations(json({ msg: 'signing with Wk9s/secret+KEY' }), context)).toContain('secret key');
    expect(lineViolations(json({ secretAccessKey: 'testing' }), context)).toContain('secret key');
  });

  it('flags a whole bearer token and a credential after an auth scheme', () => {
    expect(lineViolations(json({ msg: `token ${TOKEN} rejected` }), context)).toContain('bearer token');
    expect(lineViolations('header was Bearer abcdefgh12345', context)).toContain('bearer token');
  });

  it('flags an Authorization header value', () => {
    expect(lineViolations(json({ req: { headers: { authorization: 'Basic dXNlcjpwYXNz' } } }), context)).toContain(
      'authorization header',
    );
    expect(lineViolations('Authorization: Token abc', context)).toContain('authorization header');
    expect(lineViolations('Authorization: Bearer <token>x', context)).toContain('authorization header');
  });

  it.each([
    ['a SELECT', json({ err: { message: 'query failed: SELECT id, owner FROM api_tokens WHERE token_hash = $1' } })],
    ['an INSERT', 'INSERT INTO "jobs"("id", "status") VALUES ($1, $2)'],
    ['an UPDATE', json({ msg: 'UPDATE jobs SET status = $2 WHERE id = $1' })],
    ['a DELETE', 'DELETE FROM "vrt_members" WHERE "vrt_id" = $1'],
    ['DDL', 'CREATE TABLE staging_1 (LIKE public.stations)'],
    ['a COPY', 'COPY staging.counts (a, b) FROM STDIN WITH (FORMAT csv)'],
  ])('flags %s as SQL text', (_what, line) => {
    expect(lineViolations(line, context)).toContain('SQL text');
  });

  it.each([
    ['a relative path', json({ msg: 'importers/stations.yaml: fields.a.rules[0]: unknown rule' })],
    ['a storage object key', json({ msg: 'stored', key: 'datasets/8d0e/raster/a.tif', bucket: 'strata-test' })],
    ['a path masked by withoutPaths', json({ err: { message: "ENOENT: open '…/a.tif'" } })],
    ['a test server URL', json({ msg: 'fetching http://127.0.0.1:40123/tmp/wfs?service=WFS&request=GetFeature' })],
    ['an S3 endpoint', json({ endpoint: 'http://127.0.0.1:8083', bucket: 'b' })],
    ['a job id and a request id', json({ msg: 'job completed', job_id: '3f1c', request_id: 'req-1', attempt: 1 })],
    ['a request path', json({ req: { id: 'r', method: 'GET', url: '/api/jobs/3f1c' }, res: { status: 404 } })],
    ['frame names of describeError', json({ err: { type: 'Error', message: 'x', frames: ['async JobRunner.run'] } })],
    ['a token prefix', json({ msg: 'token stk_Ab3_x-9Q revoked', token_id: 'b0a1' })],
    ['a redacted authorization header', json({ req: { headers: { authorization: '[redacted]' } } })],
    ['a masked URL password', json({ msg: 'redis://***@127.0.0.1:6379 unreachable' })],
    ['a URL with a user and no password', json({ msg: 'postgres://strata@127.0.0.1:5432/strata_test' })],
    ['prose about authorization', json({ msg: 'authorization failed: missing capability upload' })],
    ['a placeholder of how to authenticate', '"detail":"A bearer token is required (Authorization: Bearer <token>)."'],
    ['a placeholder with an ellipsis', 'Sent as `Authorization: Bearer …`; never stored.'],
    ['prose about bearer tokens', json({ msg: 'expected a Bearer header with a Bearer token.' })],
    ['prose with sql words', json({ msg: 'select a layer from the file; update the importer' })],
    ['the word of a secret inside another word', json({ msg: 'attesting the upload' })],
    ['a storage directory name without its root', json({ msg: 'wrote datasets/strata-storage/x' })],
  ])('does not flag %s', (_what, line) => {
    expect(lineViolations(line, context)).toEqual([]);
  });
});

describe('sweepLines and describeFindings', () => {
  it('names the process, the rule and the line, skipping allowed lines', () => {
    const findings = sweepLines(
      [
        { source: 'gateway', lines: [json({ msg: 'ok' }), 'SELECT 1 FROM x'] },
        { source: 'worker-1', lines: ['at f (/work/main/a.js:1:2)', 'allowed at g (b.js:3:4)'] },
      ],
      context,
      (line) => line.startsWith('allowed'),
    );
    expect(findings).toEqual([
      { source: 'gateway', rules: ['SQL text'], line: 'SELECT 1 FROM x' },
      {
        source: 'worker-1',
        rules: ['absolute path (repository, storage or temporary directory)', 'stack trace'],
        line: 'at f (/work/main/a.js:1:2)',
      },
    ]);
  });

  it('cuts long lines and lists at most `max` findings', () => {
    const findings = Array.from({ length: 5 }, (_, i) => ({
      source: 'w',
      rules: ['r'],
      line: `${i}${'x'.repeat(50)}`,
    }));
    const message = describeFindings(findings, 2, 10);
    expect(message).toContain('5 log line(s)');
    expect(message).toContain('[w] r: 0xxxxxxxxx… (51 chars)');
    expect(message).not.toContain('2xxxx');
    expect(message).toContain('… and 3 more');
  });
});

describe('the answer sweep', () => {
  it.each([
    ['application/json; charset=utf-8', true],
    ['application/problem+json; charset=utf-8', true],
    ['text/csv; charset=utf-8', true],
    ['text/plain', true],
    ['text/html; charset=utf-8', false],
    ['image/tiff', false],
    ['application/octet-stream', false],
  ])('reads a %s body: %s', (type, read) => {
    expect(isSweptAnswer(type, '{}')).toBe(read);
  });

  it('does not read an empty body', () => {
    expect(isSweptAnswer('application/json', '')).toBe(false);
  });

  it('names the request whose body breaks a rule, and passes a clean one', () => {
    const problem = JSON.stringify({
      type: 'https://strata.dev/problems/internal',
      status: 500,
      detail: 'relation "jobs" does not exist: SELECT id FROM jobs',
      stack: 'Error: x\n    at q (/work/main/dist/a.js:1:2)',
    });
    const clean = JSON.stringify({ type: 'about:blank', status: 404, detail: 'No job with this id is yours.' });
    const findings = answerFindings(
      new Map([
        [problem, 'GET /api/jobs/1 → 500'],
        [clean, 'GET /api/jobs/2 → 404'],
      ]),
      context,
    );
    expect(findings.map((f) => [f.source, f.rules])).toEqual([
      [
        'GET /api/jobs/1 → 500',
        ['absolute path (repository, storage or temporary directory)', 'stack trace', 'SQL text'],
      ],
    ]);
  });
});
