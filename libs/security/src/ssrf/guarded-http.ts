import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress, SsrfGuard, VettedTarget } from './ssrf-guard.js';
import {
  ServiceResponseTooLargeError,
  ServiceTimeoutError,
  ServiceUnreachableError,
  SsrfRefusedError,
  UrlRule,
} from './ssrf.errors.js';

export const MAX_REDIRECTS = 5;

export interface GuardedRequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Time allowed to open the TCP (and TLS) connection of each hop. */
  connectTimeoutMs?: number;
  /** Time allowed for the whole exchange, redirects and body included. */
  timeoutMs?: number;
  /** Largest body accepted; bigger answers fail with `ServiceResponseTooLargeError`. */
  maxBytes?: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

export const GUARDED_DEFAULTS = { connectTimeoutMs: 5_000, timeoutMs: 15_000, maxBytes: 32 * 1024 ** 2 };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A `lookup` for `net.connect` that answers only with addresses the guard vetted: the connection is pinned. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const first = addresses[0];
    if (!first) return callback(new Error('no vetted address'), '', 4);
    if (options.all)
      return callback(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    return callback(null, first.address, first.family);
  }) as LookupFunction;
}

/**
 * HTTP(S) client for remote services. Each hop is vetted by the guard, the socket connects only to the
 * vetted addresses (no second DNS lookup, so no rebinding window), redirects are followed here (at most 5,
 * each re-vetted; credentials dropped when the origin changes), no proxy from the environment is used,
 * and connect time, total time and body size are capped.
 */
export class GuardedHttpClient {
  constructor(private readonly guard: SsrfGuard) {}

  async request(input: string | URL, options: GuardedRequestOptions = {}): Promise<GuardedResponse> {
    const opts = { ...GUARDED_DEFAULTS, ...options };
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
    try {
      let target = await this.guard.vet(input);
      let method = opts.method ?? 'GET';
      let headers = { ...opts.headers };
      for (let hop = 0; ; hop++) {
        const response = await this.once(target, method, headers, opts, deadline.signal);
        const location = response.headers.location;
        if (!REDIRECTS.has(response.status) || !location) return response;
        if (hop >= MAX_REDIRECTS) throw new SsrfRefusedError(UrlRule.TooManyRedirects);
        let next: URL;
        try {
          next = new URL(location, target.url);
        } catch {
          throw new ServiceUnreachableError('The remote service answered with a malformed redirect.');
        }
        if (next.origin !== target.url.origin) headers = withoutCredentials(headers);
        if (response.status === 303) method = 'GET';
        target = await this.guard.vetParsed(next).catch((error: unknown) => {
          throw error instanceof SsrfRefusedError ? SsrfRefusedError.forFollowUp(error) : error;
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private once(
    target: VettedTarget,
    method: string,
    headers: Record<string, string>,
    opts: typeof GUARDED_DEFAULTS,
    signal: AbortSignal,
  ): Promise<GuardedResponse> {
    if (signal.aborted) return Promise.reject(new ServiceTimeoutError());
    const transport = target.url.protocol === 'https:' ? https : http;
    return new Promise<GuardedResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(err);
      };
      const req = transport.request(
        target.url,
        {
          method,
          headers: { 'user-agent': 'Strata', ...headers },
          agent: false,
          lookup: pinnedLookup(target.addresses),
        },
        (res) => {
          clearTimeout(connectTimer);
          const chunks: Buffer[] = [];
          let size = 0;
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > opts.maxBytes) {
            return fail(new ServiceResponseTooLargeError(opts.maxBytes));
          }
          const status = res.statusCode ?? 0;
          // A redirect's body is never read.
          if (REDIRECTS.has(status) && res.headers.location) {
            res.resume();
            settled = true;
            req.destroy();
            return resolve({ status, headers: res.headers, body: Buffer.alloc(0), url: target.url });
          }
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > opts.maxBytes) return fail(new ServiceResponseTooLargeError(opts.maxBytes));
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status, headers: res.headers, body: Buffer.concat(chunks), url: target.url });
          });
          res.on('error', (err) => fail(toNetworkError(err)));
        },
      );
      const connectTimer = setTimeout(() => fail(new ServiceTimeoutError()), opts.connectTimeoutMs);
      req.on('socket', (socket) => {
        socket.once(target.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      const onAbort = (): void => fail(new ServiceTimeoutError());
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => {
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
      });
      req.on('error', (err) => fail(toNetworkError(err)));
      req.end();
    });
  }
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([k]) => !['authorization', 'cookie', 'x-esri-authorization'].includes(k.toLowerCase()),
    ),
  );
}

function toNetworkError(err: Error): Error {
  if (err instanceof ServiceTimeoutError || err instanceof ServiceResponseTooLargeError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ETIMEDOUT') return new ServiceTimeoutError();
  return new ServiceUnreachableError();
}
