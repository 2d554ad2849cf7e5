import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

type Body = Record<string, unknown>;

const CONNECT_TIMEOUT_MS = 1000;
const TIMEOUT_MS = 12_000;

/**
 * A remote service that fails: answers 5xx (502), answers too slowly (504), or never accepts the
 * connection (504), each within the configured timeouts. Everything is on loopback: the "unreachable"
 * service is a socket that listens but never accepts, with its accept queue filled, so the kernel drops
 * further connection attempts (no packet leaves the machine).
 */
describe('remote services that fail', () => {
  let stack: Stack;
  let token: string;
  const held: ServerResponse[] = [];
  let broken: Server;
  let slow: Server;
  let brokenPort = 0;
  let slowPort = 0;
  let listener: ChildProcess;
  let blackholePort = 0;
  const fillers: Socket[] = [];

  beforeAll(async () => {
    broken = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
    });
    slow = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((ok) => broken.listen(0, '127.0.0.1', ok));
    await new Promise<void>((ok) => slow.listen(0, '127.0.0.1', ok));
    brokenPort = (broken.address() as AddressInfo).port;
    slowPort = (slow.address() as AddressInfo).port;
    // listen(0) and never accept(): once the accept queue is full, new connections are never established.
    listener = spawn(
      'python3',
      [
        '-c',
        'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    blackholePort = await new Promise<number>((ok, fail) => {
      listener.stdout?.once('data', (chunk: Buffer) => ok(Number(chunk.toString().trim())));
      listener.once('error', fail);
    });
    for (let i = 0; i < 4; i += 1) {
      const socket = connect(blackholePort, '127.0.0.1');
      socket.on('error', () => undefined);
      fillers.push(socket);
    }
    stack = await Stack.start({
      env: {
        SSRF_ALLOWLIST: '127.0.0.1',
        REMOTE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        REMOTE_TIMEOUT_MS: String(TIMEOUT_MS),
        PREVIEW_TIMEOUT_MS: '60000',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('failing-services'), ['upload', 'create_layers']);
    // A fresh worker may take a while to consume its first job (the gateway then answers 504 "no worker
    // answered"): the timed cases below start once a worker has answered a preview.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await stack.api<Body>('POST', '/api/services/preview/', {
        token,
        body: { url: `http://127.0.0.1:${brokenPort}/ogc`, service_type: 'OGC API Features', layer_name: 'x' },
      });
      if (res.status !== 504 || Date.now() > deadline) break;
    }
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    for (const socket of fillers) socket.destroy();
    listener?.kill();
    for (const res of held) res.destroy();
    await new Promise((ok) => broken.close(ok));
    await new Promise((ok) => slow.close(ok));
  });

  const preview = async (body: Body): Promise<{ status: number; body: Body; text: string; ms: number }> => {
    const started = Date.now();
    const res = await stack.api<Body>('POST', '/api/services/preview/', { token, body });
    return { status: res.status, body: res.body, text: res.text, ms: Date.now() - started };
  };

  it.each([
    { name: 'WFS 2.0 (GDAL, after the sort check)', type: 'WFS 2.0.0', path: '/wfs', layer: 'ms:x' },
    { name: 'WFS 1.1 (GDAL only)', type: 'WFS 1.1.0', path: '/wfs', layer: 'x' },
    { name: 'OGC API Features', type: 'OGC API Features', path: '/ogc', layer: 'x' },
    { name: 'ArcGIS', type: 'ArcGIS FeatureServer', path: '/arcgis/rest/services/S/FeatureServer', layer: 'x' },
  ])('a service answering 503 → 502 problem ($name)', async (c) => {
    const res = await preview({
      url: `http://127.0.0.1:${brokenPort}${c.path}`,
      service_type: c.type,
      layer_name: c.layer,
      ...(c.type.startsWith('ArcGIS') ? { layer_id: '0' } : {}),
    });
    expect(res.status, res.text).toBe(502);
    expect(res.text).not.toContain(String(brokenPort));
  });

  it.each([
    { name: 'WFS 2.0', type: 'WFS 2.0.0', layer: 'ms:x' },
    { name: 'WFS 1.1 (GDAL only)', type: 'WFS 1.1.0', layer: 'x' },
  ])('a service that does not answer in time → 504 problem within the timeout ($name)', async (c) => {
    const res = await preview({ url: `http://127.0.0.1:${slowPort}/wfs`, service_type: c.type, layer_name: c.layer });
    expect(res.status, res.text).toBe(504);
    expect(res.body.type).toMatch(/\/timeout$/);
    // The remote timeout, plus forking the GDAL child and the job round trip on a busy machine.
    expect(res.ms).toBeLessThan(TIMEOUT_MS + 12_000);
  });

  it.each([
    { name: 'WFS 2.0 (guarded client)', type: 'WFS 2.0.0', layer: 'ms:x' },
    { name: 'WFS 1.1 (GDAL through the guarded proxy)', type: 'WFS 1.1.0', layer: 'x' },
  ])('a service that never accepts the connection → 504 within the connect timeout ($name)', async (c) => {
    const res = await preview({
      url: `http://127.0.0.1:${blackholePort}/wfs`,
      service_type: c.type,
      layer_name: c.layer,
    });
    expect(res.status, res.text).toBe(504);
    // Well below the total timeout: the connect timeout decided it.
    expect(res.ms).toBeLessThan(TIMEOUT_MS - 3_000);
    expect(res.text).not.toContain(String(blackholePort));
  });
});
