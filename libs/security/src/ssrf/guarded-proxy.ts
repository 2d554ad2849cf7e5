import { randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { pinnedLookup } from './guarded-http.js';
import type { SsrfGuard } from './ssrf-guard.js';
import { SsrfRefusedError } from './ssrf.errors.js';

/** Headers that belong to one hop, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface GuardedProxyOptions {
  /** Idle time after which a forwarded exchange is dropped. */
  idleTimeoutMs?: number;
  /**
   * Time allowed to connect to the target (504 after it). GDAL's own connect timeout only covers its
   * connection to this proxy, so the target's is enforced here.
   */
  connectTimeoutMs?: number;
}

/** The target did not accept the connection in time. */
class UpstreamConnectTimeout extends Error {}

/**
 * A forward HTTP proxy on 127.0.0.1 that sends every request through the SSRF guard: what GDAL (libcurl)
 * fetches for a remote service goes here (`GDAL_HTTP_PROXY`), so GDAL cannot reach anything the guard
 * refuses, including through redirects it follows itself (each hop is a new request to this proxy).
 * Plain http is forwarded (absolute-form requests), https is tunnelled (CONNECT) to the vetted address.
 * Connections are pinned to the addresses the guard vetted. One proxy per GDAL task, with a random
 * credential of its own, so no other task or local process can use it.
 */
export class GuardedProxy {
  /** Every refusal, in order (the task reports the first as its failure). */
  readonly refusals: SsrfRefusedError[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  readonly user = 'strata';
  readonly password = randomBytes(18).toString('base64url');
  private port = 0;

  private constructor(
    private readonly guard: SsrfGuard,
    private readonly options: GuardedProxyOptions,
  ) {
    this.server = http.createServer((req, res) => void this.forward(req, res));
    this.server.on(
      'connect',
      (req: IncomingMessage, socket: Socket, head: Buffer) => void this.tunnel(req, socket, head),
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(guard: SsrfGuard, options: GuardedProxyOptions = {}): Promise<GuardedProxy> {
    const proxy = new GuardedProxy(guard, options);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  /** `host:port` for `GDAL_HTTP_PROXY`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** GDAL configuration options that send all of a task's HTTP through this proxy. */
  gdalConfig(): Record<string, string> {
    return {
      GDAL_HTTP_PROXY: this.address,
      GDAL_HTTP_PROXYUSERPWD: `${this.user}:${this.password}`,
      GDAL_HTTP_PROXYAUTH: 'BASIC',
      // Also for https (CONNECT): never bypass the proxy for any host.
      GDAL_HTTPS_PROXY: this.address,
      GDAL_HTTPS_PROXYUSERPWD: `${this.user}:${this.password}`,
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers['proxy-authorization'];
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('basic ')) return false;
    const given = Buffer.from(header.slice(6).trim(), 'base64');
    const expected = Buffer.from(`${this.user}:${this.password}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private refuse(res: ServerResponse | Socket, error: unknown): void {
    const refusal = error instanceof SsrfRefusedError ? SsrfRefusedError.forFollowUp(error) : null;
    if (refusal) this.refusals.push(refusal);
    const timedOut = error instanceof UpstreamConnectTimeout;
    const status = refusal ? 403 : timedOut ? 504 : 502;
    const body = refusal
      ? refusal.message
      : timedOut
        ? 'The remote service did not accept the connection in time.'
        : 'The remote service could not be reached.';
    if ('writeHead' in res) {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      res.end(body);
    } else {
      res.end(
        `HTTP/1.1 ${status} ${refusal ? 'Forbidden' : timedOut ? 'Gateway Timeout' : 'Bad Gateway'}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="strata"', connection: 'close' }).end();
      return;
    }
    let target;
    try {
      target = await this.guard.vetParsed(new URL(req.url ?? ''));
    } catch (error) {
      this.refuse(res, error);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // The request line names the target; a Host header that disagrees with it is not passed on.
    headers.host = target.url.host;
    const transport = target.url.protocol === 'https:' ? https : http;
    const upstream = transport.request(
      target.url,
      { method: req.method, headers, agent: false, lookup: pinnedLookup(target.addresses) },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    upstream.setTimeout(this.options.idleTimeoutMs ?? 120_000, () => upstream.destroy(new Error('idle')));
    const connectTimeoutMs = this.options.connectTimeoutMs;
    if (connectTimeoutMs !== undefined) {
      upstream.once('socket', (socket) => {
        const timer = setTimeout(() => upstream.destroy(new UpstreamConnectTimeout()), connectTimeoutMs);
        socket.once(target.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
    }
    upstream.on('error', (error) => this.refuse(res, error));
    req.pipe(upstream);
  }

  private async tunnel(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    client.on('error', () => undefined);
    if (!this.authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="strata"\r\n\r\n');
      return;
    }
    let target;
    try {
      target = await this.guard.vetParsed(new URL(`https://${req.url ?? ''}/`));
    } catch (error) {
      this.refuse(client, error);
      return;
    }
    const first = target.addresses[0];
    if (!first) return this.refuse(client, new Error('no address'));
    const upstream = net.connect({ host: first.address, port: Number(target.url.port || 443), family: first.family });
    upstream.setTimeout(this.options.idleTimeoutMs ?? 120_000, () => upstream.destroy());
    const connectTimer =
      this.options.connectTimeoutMs === undefined
        ? undefined
        : setTimeout(() => upstream.destroy(new UpstreamConnectTimeout()), this.options.connectTimeoutMs);
    upstream.once('close', () => clearTimeout(connectTimer));
    upstream.once('connect', () => {
      clearTimeout(connectTimer);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) =>
      this.refuse(client, error instanceof UpstreamConnectTimeout ? error : new Error('unreachable')),
    );
    client.on('close', () => upstream.destroy());
  }
}
