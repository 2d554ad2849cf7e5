import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlImporter, writeImporters, type ImporterFiles } from '../e2e/support/importers.js';
import { Stack, uniqueOwner } from '../e2e/support/stack.js';
import { answerOf, type Answer } from './support/answers.js';
import { PROBLEM_JSON, leakIn, writeResults } from './support/matrix-results.js';

/**
 * Every route that takes a URL (or acts on one a job stored) × every hostile form of a loopback target.
 * Each must end in a refusal by the SSRF guard — 422 `…/ssrf-refused` naming the rule, or, where the URL
 * is only fetched later by a worker, a run or job that fails with that refusal — while recording
 * listeners on 127.0.0.2, 127.0.0.1 and [::1] (one port, so every loopback spelling of it lands on one of
 * them) see no connection at all. Only 127.0.0.1 is allowlisted (SSRF_ALLOWLIST), as in the remote e2e
 * specs: it hosts the redirector, an "allowed" service whose every answer is a redirect to a refused
 * address, and the allowlisted form of the trap port, which the credential forms aim at.
 */

type Json = Record<string, unknown>;

/** A JSON value as text when it is a string, else ''. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

interface Ctx {
  /** The trap port (on 127.0.0.2, 127.0.0.1 and ::1). */
  trap: number;
  /** The redirector on 127.0.0.1 (allowlisted). */
  redirector: number;
}

interface Form {
  id: string;
  group: 'address spelling' | 'host name' | 'credentials' | 'scheme' | 'redirect' | 'resolver';
  label: string;
  url: (c: Ctx) => string;
  /** The guard's rule for it. */
  rule: string;
  /** Refused only when a service redirects there: routes that vet the URL itself still accept it. */
  redirect?: boolean;
  /** Only through the gateway without an allowlist (the name resolves to an allowlisted address). */
  resolverOnly?: boolean;
}

const TRAP_V4 = '127.0.0.2';

const FORMS: Form[] = [
  {
    id: 'dotted',
    group: 'address spelling',
    label: '127.0.0.2',
    url: (c) => `http://127.0.0.2:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'hex',
    group: 'address spelling',
    label: '0x7f.0.0.2 (hex octet)',
    url: (c) => `http://0x7f.0.0.2:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'int',
    group: 'address spelling',
    label: '2130706434 (one 32-bit number)',
    url: (c) => `http://2130706434:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'octal',
    group: 'address spelling',
    label: '0177.0.0.2 (octal octet)',
    url: (c) => `http://0177.0.0.2:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'short',
    group: 'address spelling',
    label: '127.2 (two-part form)',
    url: (c) => `http://127.2:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'v6-loopback',
    group: 'address spelling',
    label: '[::1]',
    url: (c) => `http://[::1]:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'v6-mapped',
    group: 'address spelling',
    label: '[::ffff:127.0.0.2] (IPv4-mapped)',
    url: (c) => `http://[::ffff:127.0.0.2]:${c.trap}/ogc`,
    rule: 'ipv4-mapped',
  },
  {
    id: 'v6-mapped-hex',
    group: 'address spelling',
    label: '[::ffff:7f00:2] (IPv4-mapped, hex)',
    url: (c) => `http://[::ffff:7f00:2]:${c.trap}/ogc`,
    rule: 'ipv4-mapped',
  },
  {
    id: 'v6-mapped-long',
    group: 'address spelling',
    label: '[0:0:0:0:0:ffff:127.0.0.2] (IPv4-mapped, long)',
    url: (c) => `http://[0:0:0:0:0:ffff:127.0.0.2]:${c.trap}/ogc`,
    rule: 'ipv4-mapped',
  },
  {
    id: 'v6-mapped-allowed',
    group: 'address spelling',
    label: '[::ffff:127.0.0.1] (the allowlisted address, IPv4-mapped)',
    url: (c) => `http://[::ffff:127.0.0.1]:${c.trap}/ogc`,
    rule: 'ipv4-mapped',
  },
  {
    id: 'v6-compatible',
    group: 'address spelling',
    label: '[::127.0.0.2] (IPv4-compatible)',
    url: (c) => `http://[::127.0.0.2]:${c.trap}/ogc`,
    rule: 'ipv4-compatible',
  },
  {
    id: 'nat64',
    group: 'address spelling',
    label: '[64:ff9b::7f00:2] (NAT64 of 127.0.0.2)',
    url: (c) => `http://[64:ff9b::7f00:2]:${c.trap}/ogc`,
    rule: 'nat64',
  },
  {
    id: 'localhost',
    group: 'host name',
    label: 'localhost',
    url: (c) => `http://localhost:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'localhost-dot',
    group: 'host name',
    label: 'localhost. (trailing dot)',
    url: (c) => `http://localhost.:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'localhost-upper',
    group: 'host name',
    label: 'LocalHost (mixed case)',
    url: (c) => `http://LocalHost:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'sub-localhost',
    group: 'host name',
    label: 'abuse.localhost (a *.localhost name)',
    url: (c) => `http://abuse.localhost:${c.trap}/ogc`,
    rule: 'loopback',
  },
  {
    id: 'userinfo',
    group: 'credentials',
    label: 'user:secret@127.0.0.1 (allowlisted host, credentials in the URL)',
    url: (c) => `http://user:secret@127.0.0.1:${c.trap}/ogc`,
    rule: 'credentials-in-url',
  },
  {
    id: 'userinfo-confusion',
    group: 'credentials',
    label: '127.0.0.1:port@127.0.0.2 (userinfo that looks like the host)',
    url: (c) => `http://127.0.0.1:${c.trap}@127.0.0.2:${c.trap}/ogc`,
    rule: 'credentials-in-url',
  },
  {
    id: 'query-credential',
    group: 'credentials',
    label: '127.0.0.1/?access_token=… (a credential in the query)',
    url: (c) => `http://127.0.0.1:${c.trap}/ogc?access_token=abc`,
    rule: 'credentials-in-url',
  },
  { id: 'file', group: 'scheme', label: 'file:///etc/passwd', url: () => 'file:///etc/passwd', rule: 'scheme' },
  {
    id: 'gopher',
    group: 'scheme',
    label: 'gopher://127.0.0.2 (raw TCP payload)',
    url: (c) => `gopher://127.0.0.2:${c.trap}/_GET%20/%20HTTP/1.0%0D%0A%0D%0A`,
    rule: 'scheme',
  },
  { id: 'ftp', group: 'scheme', label: 'ftp://127.0.0.2', url: (c) => `ftp://127.0.0.2:${c.trap}/ogc`, rule: 'scheme' },
  {
    id: 'no-scheme',
    group: 'scheme',
    label: '127.0.0.2:port/ogc (no scheme)',
    url: (c) => `127.0.0.2:${c.trap}/ogc`,
    rule: 'malformed-url',
  },
  ...(
    [
      ['v4', '127.0.0.2', 'loopback'],
      ['hex', '0x7f.0.0.2', 'loopback'],
      ['v6', '[::1]', 'loopback'],
      ['mapped', '[::ffff:127.0.0.2]', 'ipv4-mapped'],
      ['localhost', 'localhost', 'loopback'],
    ] as const
  ).map(([id, host, rule]): Form => ({
    id: `redirect-${id}`,
    group: 'redirect',
    label: `allowlisted 127.0.0.1 answers 302 → http://${host}:port/`,
    url: (c) => `http://127.0.0.1:${c.redirector}/to/${id}/ogc`,
    rule,
    redirect: true,
  })),
  {
    id: 'redirect-file',
    group: 'redirect',
    label: 'allowlisted 127.0.0.1 answers 302 → file:///etc/passwd',
    url: (c) => `http://127.0.0.1:${c.redirector}/to/file/ogc`,
    rule: 'scheme',
    redirect: true,
  },
];

/** Where the redirector sends `/to/<id>/…` (the rest of the path and the query are kept). */
const REDIRECT_TARGETS: Record<string, (trap: number) => string> = {
  v4: (trap) => `http://127.0.0.2:${trap}`,
  hex: (trap) => `http://0x7f.0.0.2:${trap}`,
  v6: (trap) => `http://[::1]:${trap}`,
  mapped: (trap) => `http://[::ffff:127.0.0.2]:${trap}`,
  localhost: (trap) => `http://localhost:${trap}`,
  file: () => 'file:///etc/passwd',
};

type RouteId = 'probe' | 'preview' | 'trigger' | 'stored_preview' | 'commit_token' | 'commit_worker';

interface RouteSpec {
  id: RouteId;
  label: string;
  /** Where the URL comes from and who fetches it. */
  how: string;
}

const ROUTES: RouteSpec[] = [
  { id: 'probe', label: 'POST /api/services/probe', how: '`url` in the body; the gateway fetches it' },
  {
    id: 'preview',
    label: 'POST /api/services/preview',
    how: '`url` in the body; the gateway vets it, a worker reads the layer (GDAL through the guarded proxy)',
  },
  {
    id: 'trigger',
    label: 'POST /api/v1/ingest/trigger/{slug}',
    how: '`source.url` override of a `url` importer; the gateway vets it, a worker fetches it',
  },
  {
    id: 'stored_preview',
    label: 'POST /api/ingest/preview/{job_id}',
    how: 'a service job whose stored URL is hostile (as an allowlist narrowed after its preview leaves it); a worker re-vets',
  },
  {
    id: 'commit_token',
    label: 'POST /api/ingest/commit/{job_id} with `token`',
    how: 'the same kind of job; the gateway checks the fresh token with the service first',
  },
  {
    id: 'commit_worker',
    label: 'POST /api/ingest/commit/{job_id} (worker ingest)',
    how: 'the same kind of job, committed without a token: 202, then the worker re-vets and fails the job',
  },
];

interface Cell {
  expected: string;
  observed: string;
  ok: boolean;
  connections: number;
}

const DEFAULT_IMPORTERS = (trap: number): ImporterFiles => ({
  'feed.yaml': urlImporter('public.abuse_stations', 'https://data.example.org/stations.csv'),
  // The operator's own configuration pointing inside: not vetted when the run is created (it is the
  // operator's choice), but the worker's fetch still goes through the guard.
  'internal-feed.yaml': urlImporter('public.abuse_stations', `http://127.0.0.2:${trap}/stations.csv`, {
    title: 'Internal feed',
    overridable: false,
  }),
  'internal-service.yaml': `
title: Internal service
source:
  type: service
  service: {url: "http://127.0.0.2:${trap}/ogc", service_type: oapif, layer_name: things}
target: {table: public.abuse_stations, key: [code]}
fields:
  code: {type: text}
`,
});

describe('SSRF through every route that takes a URL', () => {
  let stack: Stack;
  /** A second gateway with no allowlist at all, for names that resolve to 127.0.0.1. */
  let strictGateway = '';
  let token = '';
  let owner = '';
  let importersDir = '';
  const ctx: Ctx = { trap: 0, redirector: 0 };
  const traps: Server[] = [];
  const connections: string[] = [];
  let redirector: Server;
  const redirectorSeen: string[] = [];
  const cells = new Map<string, Partial<Record<RouteId, Cell>>>();
  const operatorRows: { scenario: string; expected: string; observed: string; ok: boolean; connections: number }[] = [];
  /** The machine's own host name, when it resolves to loopback addresses only (checked in beforeAll). */
  let hostForm: Form | null = null;
  let hostNote = '';

  const listen = (server: Server, port: number, host: string): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  /** A listener that records every TCP connection it is offered. */
  const trapServer = (): Server => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"collections":[]}');
    });
    server.on('connection', (socket) => connections.push(`${socket.localAddress ?? '?'}:${socket.localPort ?? '?'}`));
    return server;
  };

  /** One port free on 127.0.0.2, 127.0.0.1, ::1 (and any other loopback address given). */
  async function startTraps(extra: string[]): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const first = trapServer();
      await listen(first, 0, TRAP_V4);
      const port = (first.address() as AddressInfo).port;
      const started = [first];
      try {
        for (const host of ['127.0.0.1', '::1', ...extra]) {
          const server = trapServer();
          await listen(server, port, host);
          started.push(server);
        }
        traps.push(...started);
        return port;
      } catch {
        await Promise.all(started.map((s) => new Promise((r) => s.close(r))));
      }
    }
    throw new Error('no port free on every loopback address');
  }

  beforeAll(async () => {
    // The machine's host name, through the resolver: a row only where it resolves to loopback alone.
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    const loopback = (a: string): boolean => a === '::1' || a.startsWith('127.');
    const viaResolver = addresses.length > 0 && addresses.every((a) => loopback(a.address));
    if (viaResolver) {
      hostForm = {
        id: 'hostname',
        group: 'resolver',
        label: `this machine's host name (${addresses.map((a) => a.address).join(', ')} through the resolver; no allowlist)`,
        url: (c) => `http://${name}:${c.trap}/ogc`,
        rule: 'loopback',
        resolverOnly: true,
      };
    } else {
      // Never aim at a non-loopback address: where the host name leads elsewhere, the same gateway
      // (no allowlist) is checked with `localhost`, refused by name before any lookup.
      hostNote = `The machine's host name resolves to ${addresses.map((a) => a.address).join(', ') || 'nothing'}, not loopback only: the no-allowlist row uses localhost.`;
      hostForm = {
        id: 'hostname',
        group: 'resolver',
        label: 'localhost (no allowlist at all)',
        url: (c) => `http://localhost:${c.trap}/ogc`,
        rule: 'loopback',
        resolverOnly: true,
      };
    }
    const extraTraps = viaResolver
      ? addresses.map((a) => a.address).filter((a) => !['127.0.0.1', '127.0.0.2', '::1'].includes(a))
      : [];
    ctx.trap = await startTraps(extraTraps);

    redirector = createServer((req, res) => {
      redirectorSeen.push(req.url ?? '');
      const match = /^\/to\/([\w-]+)(\/.*)?$/.exec(req.url ?? '');
      const target = match?.[1] ? REDIRECT_TARGETS[match[1]] : undefined;
      if (target) res.writeHead(302, { location: `${target(ctx.trap)}${match?.[2] ?? '/'}` }).end();
      else res.writeHead(404).end();
    });
    await listen(redirector, 0, '127.0.0.1');
    ctx.redirector = (redirector.address() as AddressInfo).port;

    importersDir = await writeImporters(DEFAULT_IMPORTERS(ctx.trap), { prefix: 'strata-abuse-ssrf' });
    stack = await Stack.start({
      env: {
        SSRF_ALLOWLIST: '127.0.0.1',
        IMPORTERS_DIR: importersDir,
        PREVIEW_TIMEOUT_MS: '60000',
        REMOTE_CONNECT_TIMEOUT_MS: '2000',
        SWEEPER_INTERVAL_MS: '0',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    strictGateway = (await stack.startExtraGateway({ SSRF_ALLOWLIST: '' })).baseUrl;
    owner = uniqueOwner('ssrf');
    token = await stack.mintToken(owner, ['upload', 'create_layers']);
  });

  afterAll(async () => {
    if (cells.size > 0) {
      const forms = hostForm ? [...FORMS, hostForm] : FORMS;
      await writeResults('ssrf-routes', {
        generated_at: new Date().toISOString(),
        allowlist: '127.0.0.1',
        routes: ROUTES,
        forms: forms.map((form) => ({
          id: form.id,
          group: form.group,
          label: form.label,
          rule: form.rule,
          cells: cells.get(form.id) ?? {},
        })),
        operator: operatorRows,
        notes: hostNote ? [hostNote] : [],
        connections_seen: connections.length,
      });
    }
    await stack?.stop();
    await Promise.all([...traps, redirector].filter(Boolean).map((s) => new Promise((r) => s.close(r))));
    if (importersDir) await rm(importersDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown, base = stack.baseUrl): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answerOf(res);
  };

  /** A service job as a preview leaves it, with `url` stored (previewed: ready to commit). */
  async function storedJob(url: string, previewed: boolean): Promise<string> {
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO ingest_jobs (owner, kind, status, source, params, source_filename, layer_name, all_layers, content_kind)
       VALUES ($1, 'service-dataset', 'pending', $2::jsonb, '{"kind":"service-dataset","commit":null}', 'things', 'things', $3::jsonb, $4)
       RETURNING id`,
      [
        owner,
        JSON.stringify({
          type: 'remote-service',
          url,
          service_type: 'oapif',
          layer: 'things',
          layer_id: null,
          object_id_field: null,
          version: null,
        }),
        previewed ? '["things"]' : null,
        previewed ? 'vector' : null,
      ],
    );
    return row?.id ?? '';
  }

  async function waitForEnd(id: string, timeoutMs = 60_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    let last: Json = {};
    while (Date.now() < deadline) {
      const res = await api('GET', `/api/jobs/${id}`);
      last = res.body;
      if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(String(last.status))) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`job ${id} did not end: ${JSON.stringify(last)}`);
  }

  /** The rule named in a refusal's message, `(rule: x)`. */
  const ruleIn = (text: string): string => /\(rule: ([\w-]+)\)/.exec(text)?.[1] ?? '?';

  /** Checks a 422 refusal; the summary for the table. */
  function refusal(res: Awaited<ReturnType<typeof api>>, form: Form, where: string): { observed: string; ok: boolean } {
    const problems: string[] = [];
    if (res.status !== 422) problems.push(`status ${res.status}`);
    if (!PROBLEM_JSON.test(res.headers.get('content-type') ?? '')) problems.push('not problem+json');
    if (!asText(res.body.type).endsWith('/ssrf-refused')) problems.push(`type ${asText(res.body.type)}`);
    const rule = asText(res.body.rule) || ruleIn(asText(res.body.detail));
    if (rule !== form.rule) problems.push(`rule ${rule}`);
    const leak = leakIn(res.text, res.headers, [token]);
    if (leak) problems.push(`leaks ${leak}`);
    // A redirect target is not what the user sent: a refusal of it names neither its host nor its port.
    if (
      form.redirect &&
      (res.text.includes('127.0.0.2') || res.text.includes('::1') || res.text.includes(`${ctx.trap}`))
    ) {
      problems.push('names the redirect target');
    }
    if (res.text.includes('root:x:0:0')) problems.push('shows /etc/passwd');
    expect(problems, `${where}: ${res.text.slice(0, 400)}`).toEqual([]);
    return {
      observed: problems.length ? `${res.status} (${problems.join('; ')})` : `422 ${rule}`,
      ok: !problems.length,
    };
  }

  /** Checks a job or run that a worker failed because the guard refused its URL. */
  function failedJob(job: Json, form: Form, where: string): { observed: string; ok: boolean } {
    const error = (job.error ?? {}) as Json;
    const message = asText(error.message);
    const rule = ruleIn(message);
    const problems: string[] = [];
    if (job.status !== 'failed') problems.push(`job ${String(job.status)}`);
    if (rule !== form.rule) problems.push(`rule ${rule} (${String(error.code)}: ${message})`);
    if (form.redirect && (message.includes('127.0.0.2') || message.includes(`${ctx.trap}`))) {
      problems.push('names the redirect target');
    }
    expect(problems, `${where}: ${JSON.stringify(job).slice(0, 400)}`).toEqual([]);
    return {
      observed: problems.length ? problems.join('; ') : `202 → job failed: ${String(error.code)} (${rule})`,
      ok: !problems.length,
    };
  }

  async function run(form: Form, route: RouteId): Promise<Cell> {
    const url = form.url(ctx);
    const where = `${ROUTES.find((r) => r.id === route)?.label ?? route} × ${form.label}`;
    const base = form.resolverOnly ? strictGateway : stack.baseUrl;
    const seenBefore = connections.length;
    const redirectsBefore = redirectorSeen.length;
    let expected = `422 ssrf-refused (${form.rule})`;
    let outcome: { observed: string; ok: boolean };
    switch (route) {
      case 'probe':
        outcome = refusal(await api('POST', '/api/services/probe', { url }, base), form, where);
        break;
      case 'preview':
        outcome = refusal(
          await api(
            'POST',
            '/api/services/preview',
            { url, service_type: 'OGC API Features', layer_name: 'things' },
            base,
          ),
          form,
          where,
        );
        break;
      case 'trigger': {
        const res = await api('POST', '/api/v1/ingest/trigger/feed', { dry_run: true, source: { url } }, base);
        if (!form.redirect) {
          outcome = refusal(res, form, where);
          break;
        }
        // The allowlisted first hop passes the gateway's check; the worker's fetch meets the redirect.
        expected = `202, then the run fails (${form.rule})`;
        if (res.status !== 202) throw new Error(`${where}: ${res.status} ${res.text}`);
        const id = String((res.body.data as Json).id);
        outcome = failedJob(await waitForEnd(id), form, where);
        break;
      }
      case 'stored_preview':
        outcome = refusal(await api('POST', `/api/ingest/preview/${await storedJob(url, false)}`), form, where);
        break;
      case 'commit_token':
        outcome = refusal(
          await api('POST', `/api/ingest/commit/${await storedJob(url, true)}`, {
            title: 'Inside',
            token: 'svc-token',
          }),
          form,
          where,
        );
        break;
      case 'commit_worker': {
        expected = `202, then the job fails (${form.rule})`;
        const id = await storedJob(url, true);
        const res = await api('POST', `/api/ingest/commit/${id}`, { title: 'Inside' });
        if (res.status !== 202) throw new Error(`${where}: ${res.status} ${res.text}`);
        outcome = failedJob(await waitForEnd(id), form, where);
        break;
      }
    }
    // A redirect row really took the redirect: the allowlisted server was asked, and answered 302.
    const redirected = redirectorSeen.length > redirectsBefore;
    expect(redirected, `${where}: redirector asked`).toBe(Boolean(form.redirect) || redirected);
    if (form.redirect && !redirected) throw new Error(`${where}: the redirector was never asked`);
    const seen = connections.length - seenBefore;
    expect(connections.slice(seenBefore), `${where}: connections to the trap`).toEqual([]);
    return { expected, observed: outcome.observed, ok: outcome.ok && seen === 0, connections: seen };
  }

  it('control: the traps record connections, and the allowlisted form of the trap port is reached', async () => {
    // Each trap, from here: a connection is recorded.
    for (const host of ['127.0.0.2', '127.0.0.1', '[::1]']) {
      await fetch(`http://${host}:${ctx.trap}/`).then((r) => r.text());
    }
    expect(connections.length, 'every trap recorded the direct connection').toBeGreaterThanOrEqual(3);
    connections.length = 0;
    // The same port on the allowlisted address, through the stack: the gateway does connect (whatever it
    // then makes of the answer). So a zero below means refused, not unreachable.
    const res = await api('POST', '/api/services/probe', { url: `http://127.0.0.1:${ctx.trap}/ogc` });
    expect(res.status, res.text).not.toBe(500);
    expect(connections.length, 'the allowlisted trap saw the probe').toBeGreaterThan(0);
    connections.length = 0;
  });

  const cases = FORMS.flatMap((form) =>
    ROUTES.map((route) => ({ form, route: route.id, name: `${route.label} × ${form.label}` })),
  );

  it.each(cases)('$name', async ({ form, route }) => {
    const cell = await run(form, route);
    cells.set(form.id, { ...cells.get(form.id), [route]: cell });
    expect(cell.ok).toBe(true);
  });

  it("refuses names that resolve to loopback through the resolver (the machine's host name, no allowlist)", async () => {
    if (!hostForm) throw new Error('no resolver form');
    // The routes whose gateway vets the URL; the worker shares the stack's 127.0.0.1 allowlist, which
    // admits every name that resolves to 127.0.0.1, by design.
    for (const route of ['probe', 'preview', 'trigger'] as const) {
      const cell = await run(hostForm, route);
      cells.set(hostForm.id, { ...cells.get(hostForm.id), [route]: cell });
      expect(cell.ok, route).toBe(true);
    }
  });

  it.each([
    {
      slug: 'internal-feed',
      scenario: 'A `url` importer whose own URL (operator configuration) is 127.0.0.2',
      expected: '202, then the run fails (loopback)',
      code: 'import-source-rejected',
      rule: 'loopback',
    },
    {
      // The worker vets the service URL (RemoteSourceService) before any request: refused, nothing fetched.
      slug: 'internal-service',
      scenario: 'A `service` importer whose own service URL is 127.0.0.2',
      expected: '202, then the run fails without fetching (loopback)',
      code: 'import-source-rejected',
      rule: 'loopback',
    },
  ])('$scenario: the run is created, nothing is fetched', async ({ slug, scenario, expected, code, rule }) => {
    const seenBefore = connections.length;
    const res = await api('POST', `/api/v1/ingest/trigger/${slug}`, { dry_run: true });
    expect(res.status, res.text).toBe(202);
    const job = await waitForEnd(String((res.body.data as Json).id));
    const error = (job.error ?? {}) as Json;
    const seenRule = /\(rule: ([\w-]+)\)/.exec(asText(error.message))?.[1] ?? null;
    expect(job.status, JSON.stringify(job)).toBe('failed');
    expect(error.code, JSON.stringify(job)).toBe(code);
    expect(seenRule, JSON.stringify(job)).toBe(rule);
    const seen = connections.length - seenBefore;
    expect(seen).toBe(0);
    operatorRows.push({
      scenario,
      expected,
      observed: `202 → run failed: ${String(error.code)}${seenRule ? ` (${seenRule})` : ` (“${String(error.message)}”)`}`,
      ok: true,
      connections: seen,
    });
  });

  it('let no connection through to any trap during the whole file', () => {
    expect(connections).toEqual([]);
  });
});
