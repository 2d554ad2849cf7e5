import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SsrfAllowlist } from './allowlist.js';
import { GuardedHttpClient } from './guarded-http.js';
import { SsrfGuard, type ResolvedAddress } from './ssrf-guard.js';
import {
  ServiceResponseTooLargeError,
  ServiceTimeoutError,
  ServiceUnreachableError,
  SsrfRefusedError,
} from './ssrf.errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server that records every request it receives. */
async function server(handler: Handler): Promise<{ port: number; seen: IncomingMessage[]; srv: Server }> {
  const seen: IncomingMessage[] = [];
  const srv = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, seen, srv };
}

// Every test name below resolves (in this fake DNS) to loopback; only `svc.test` and `svc2.test` are
// allowlisted, by name, so the literal 127.0.0.1 and any other name stay refused.
const asked: string[] = [];
const dns = (host: string): Promise<ResolvedAddress[]> => {
  asked.push(host);
  const table: Record<string, string> = {
    'svc.test': '127.0.0.1',
    'svc2.test': '127.0.0.1',
    'evil.test': '10.0.0.1',
  };
  const address = table[host];
  return address ? Promise.resolve([{ address, family: 4 }]) : Promise.reject(new Error('ENOTFOUND'));
};
const guard = new SsrfGuard(SsrfAllowlist.parse('svc.test,svc2.test'), dns);
const client = new GuardedHttpClient(guard);

const servers: Server[] = [];
async function track(handler: Handler): Promise<{ port: number; seen: IncomingMessage[] }> {
  const s = await server(handler);
  servers.push(s.srv);
  return s;
}

afterEach(() => {
  asked.length = 0;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('GuardedHttpClient', () => {
  let refused: { port: number; seen: IncomingMessage[] };
  beforeAll(async () => {
    refused = await track((_req, res) => res.end('should never be reached'));
  });

  it('connects to the vetted address of a name no real DNS knows (the connection is pinned)', async () => {
    const ok = await track((req, res) => res.end(`host=${req.headers.host}`));
    const res = await client.request(`http://svc.test:${ok.port}/wfs?service=WFS`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`host=svc.test:${ok.port}`);
    // One lookup per hop, by the guard: the socket does not resolve again, so DNS cannot change its answer.
    expect(asked).toEqual(['svc.test']);
  });

  it('refuses a redirect to a refused loopback port, which sees no request', async () => {
    const hop = await track((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${refused.port}/admin` }).end();
    });
    const err = await client.request(`http://svc.test:${hop.port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SsrfRefusedError);
    expect((err as SsrfRefusedError).rule).toBe('loopback');
    // The user did not send that URL: the refusal names no host or address from it.
    expect((err as Error).message).not.toContain('127.0.0.1');
    expect(hop.seen).toHaveLength(1);
    expect(refused.seen).toHaveLength(0);
  });

  it('re-resolves and refuses a redirect to a name that resolves to a private address', async () => {
    const hop = await track((_req, res) => res.writeHead(307, { location: `http://evil.test:${refused.port}/` }).end());
    const err = await client.request(`http://svc.test:${hop.port}/`).catch((e: unknown) => e);
    expect((err as SsrfRefusedError).rule).toBe('private');
    expect(asked).toEqual(['svc.test', 'evil.test']);
  });

  it('refuses redirects to other schemes', async () => {
    const hop = await track((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
    const err = await client.request(`http://svc.test:${hop.port}/`).catch((e: unknown) => e);
    expect((err as SsrfRefusedError).rule).toBe('scheme');
  });

  it('follows relative and cross-host redirects, vetting each hop, and drops credentials across origins', async () => {
    const final = await track((req, res) => res.end(`auth=${req.headers.authorization ?? 'none'}`));
    const first = await track((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: '/moved' }).end();
      else res.writeHead(308, { location: `http://svc2.test:${final.port}/end` }).end();
    });
    const res = await client.request(`http://svc.test:${first.port}/start`, {
      headers: { authorization: 'Bearer secret' },
    });
    expect(res.body.toString()).toBe('auth=none');
    expect(res.url.href).toBe(`http://svc2.test:${final.port}/end`);
    expect(first.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/start', 'Bearer secret'],
      ['/moved', 'Bearer secret'],
    ]);
    expect(asked).toEqual(['svc.test', 'svc.test', 'svc2.test']);
  });

  it('stops after 5 redirects', async () => {
    const loop = await track((req, res) => res.writeHead(302, { location: `/r${req.url?.length ?? 0}` }).end());
    const err = await client.request(`http://svc.test:${loop.port}/`).catch((e: unknown) => e);
    expect((err as SsrfRefusedError).rule).toBe('too-many-redirects');
    expect(loop.seen).toHaveLength(6);
  });

  it('caps the response size, declared or streamed', async () => {
    const declared = await track((_req, res) => res.end(Buffer.alloc(5000)));
    await expect(client.request(`http://svc.test:${declared.port}/`, { maxBytes: 1000 })).rejects.toBeInstanceOf(
      ServiceResponseTooLargeError,
    );
    const streamed = await track((_req, res) => {
      res.write(Buffer.alloc(800));
      res.end(Buffer.alloc(800));
    });
    await expect(client.request(`http://svc.test:${streamed.port}/`, { maxBytes: 1000 })).rejects.toBeInstanceOf(
      ServiceResponseTooLargeError,
    );
    await expect(client.request(`http://svc.test:${streamed.port}/`, { maxBytes: 2000 })).resolves.toMatchObject({
      status: 200,
    });
  });

  it('gives up on a service that never answers (total timeout)', async () => {
    const silent = await track(() => undefined);
    await expect(client.request(`http://svc.test:${silent.port}/`, { timeoutMs: 200 })).rejects.toBeInstanceOf(
      ServiceTimeoutError,
    );
  });

  it('reports a closed port as unreachable', async () => {
    const gone = await server((_req, res) => res.end());
    await new Promise((resolve) => gone.srv.close(resolve));
    await expect(client.request(`http://svc.test:${gone.port}/`)).rejects.toBeInstanceOf(ServiceUnreachableError);
  });

  it('ignores proxies configured in the environment', async () => {
    const proxy = await track((_req, res) => res.end('proxied'));
    const ok = await track((_req, res) => res.end('direct'));
    const saved = { http: process.env.HTTP_PROXY, lower: process.env.http_proxy };
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxy.port}`;
    process.env.http_proxy = `http://127.0.0.1:${proxy.port}`;
    try {
      const res = await client.request(`http://svc.test:${ok.port}/`);
      expect(res.body.toString()).toBe('direct');
      expect(proxy.seen).toHaveLength(0);
    } finally {
      if (saved.http === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved.http;
      if (saved.lower === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved.lower;
    }
  });

  it('vets the first URL like the guard does (credentials, private targets) before any connection', async () => {
    await expect(client.request(`http://svc.test:${refused.port}/?token=x`)).rejects.toMatchObject({
      rule: 'credentials-in-url',
    });
    await expect(client.request(`http://127.0.0.1:${refused.port}/`)).rejects.toMatchObject({ rule: 'loopback' });
    expect(refused.seen).toHaveLength(0);
  });
});
