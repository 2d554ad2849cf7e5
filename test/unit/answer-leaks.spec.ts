import { describe, expect, it } from 'vitest';
import { leakIn } from '../abuse/support/matrix-results.js';

// The abuse matrices' per-answer check: the log sweep's rules on the body and headers, plus what only an
// answer may leak (database error wording, connection strings, server paths) and the request's own secrets.
describe('leakIn', () => {
  const problem = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 });

  it('passes a plain problem answer, and the scheme syntax of WWW-Authenticate', () => {
    const headers = new Headers({
      'content-type': 'application/problem+json',
      'www-authenticate': 'Bearer realm="strata"',
    });
    expect(leakIn(problem, headers)).toBeNull();
    // The 401's documented placeholder is not a credential.
    expect(leakIn(JSON.stringify({ detail: 'Send Authorization: Bearer <token>.' }), new Headers())).toBeNull();
  });

  it.each([
    ['a stack frame (the sweep)', JSON.stringify({ detail: 'x at Foo.bar (/srv/app/main.js:10:5)' }), /stack trace/],
    ['SQL text (the sweep)', JSON.stringify({ detail: 'SELECT id FROM ingest_jobs WHERE 1' }), /SQL/],
    ['a full token (the sweep)', JSON.stringify({ detail: 'stk_abcdefghijklmnop' }), /bearer token/],
    ['a driver error', JSON.stringify({ detail: 'relation "ingest_jobs" does not exist' }), /database error/],
    ['a connection string', JSON.stringify({ detail: 'redis://cache:6379' }), /connection string/],
    ['a server path', JSON.stringify({ detail: 'open /var/lib/strata/x failed' }), /server path/],
  ])('finds %s in the body', (_, body, found) => {
    expect(leakIn(body, new Headers())).toMatch(found);
  });

  it('finds a leak in a header, and the request’s own credential anywhere, WWW-Authenticate included', () => {
    expect(leakIn(problem, new Headers({ 'x-debug': 'at Object.<anonymous> (/srv/x.js:1:2)' }))).toMatch(/stack trace/);
    const token = 'stk_live_0123456789abcdef';
    expect(
      leakIn(problem, new Headers({ 'www-authenticate': `Bearer realm="strata", hint="${token}"` }), [token]),
    ).toMatch(/credential|bearer token/);
  });
});
