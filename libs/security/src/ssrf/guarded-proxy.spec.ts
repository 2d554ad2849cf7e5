import 'reflect-metadata';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsrfAllowlist } from './allowlist.js';
import { GuardedProxy } from './guarded-proxy.js';
import { SsrfGuard, type ResolvedAddress } from './ssrf-guard.js';

const dns = (host: string): Promise<ResolvedAddress[]> =>
  host === 'svc.test' ? Promise.resolve([{ address: '127.0.0.1', family: 4 }]) : Promise.reject(new Error('ENOTFOUND'));
// Only the name svc.test is allowed: the literal loopback address stays refused.
const guard = new SsrfGuard(SsrfAllowlist.parse('svc.test'), dns);

interface Answer {
  status: number;
  body: string;
}

/** One request through the proxy, as libcurl sends it: absolute-form (http) or CONNECT (https). */
function viaProxy(proxy: GuardedProxy, method: string, path: string, auth: boolean): Promise<Answer> {
  const [host, port] = proxy.address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port: Number(port),
      method,
      path,
      headers: auth
        ? { 'proxy-authorization': `Basic ${Buffer.from(`${proxy.user}:${proxy.password}`).toString('base64')}` }
        : {},
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GuardedProxy', () => {
  let proxy: GuardedProxy;
  let target: Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    target = createServer((req, res) => {
      seen.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
      res.end('data');
    });
    await new Promise<void>((ok) => target.listen(0, '127.0.0.1', ok));
    port = (target.address() as AddressInfo).port;
    proxy = await GuardedProxy.start(guard);
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((ok) => target.close(ok));
  });

  it('answers 407 to a client without its per-task credential', async () => {
    expect((await viaProxy(proxy, 'GET', `http://svc.test:${port}/a`, false)).status).toBe(407);
    expect((await viaProxy(proxy, 'CONNECT', `svc.test:${port}`, false)).status).toBe(407);
    expect(seen).toEqual([]);
  });

  it('forwards an allowed request to the vetted address, keeping the host name', async () => {
    const answer = await viaProxy(proxy, 'GET', `http://svc.test:${port}/items?limit=5`, true);
    expect(answer).toEqual({ status: 200, body: 'data' });
    expect(seen).toEqual([`svc.test:${port}/items?limit=5`]);
  });

  it('refuses what the guard refuses, over http and CONNECT, and records the rule', async () => {
    seen.length = 0;
    const plain = await viaProxy(proxy, 'GET', `http://127.0.0.1:${port}/admin`, true);
    expect(plain.status).toBe(403);
    expect(plain.body).toContain('rule: loopback');
    expect(plain.body).not.toContain('127.0.0.1');
    expect((await viaProxy(proxy, 'CONNECT', `127.0.0.1:${port}`, true)).status).toBe(403);
    expect((await viaProxy(proxy, 'GET', 'ftp://svc.test/x', true)).status).toBe(403);
    expect(seen).toEqual([]);
    expect(proxy.refusals.map((r) => r.rule)).toEqual(['loopback', 'loopback', 'scheme']);
  });

  it('opens a tunnel to an allowed host', async () => {
    expect((await viaProxy(proxy, 'CONNECT', `svc.test:${port}`, true)).status).toBe(200);
  });

  it('hands GDAL settings that route http and https through it with its credential', () => {
    expect(proxy.gdalConfig()).toMatchObject({
      GDAL_HTTP_PROXY: proxy.address,
      GDAL_HTTPS_PROXY: proxy.address,
      GDAL_HTTP_PROXYUSERPWD: `strata:${proxy.password}`,
    });
  });
});
