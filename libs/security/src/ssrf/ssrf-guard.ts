import { lookup } from 'node:dns/promises';
import { classifyAddress, parseAddress } from './address-rules.js';
import { canonicalHost, SsrfAllowlist } from './allowlist.js';
import { ServiceUnreachableError, SsrfRefusedError, UrlRule } from './ssrf.errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Host name → every address it resolves to. Injected so tests decide what DNS answers. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** A URL that passed the guard, with the only addresses a connection to it may use. */
export interface VettedTarget {
  url: URL;
  /** The host as the guard compared it (lower-case ASCII, no brackets, no trailing dot). */
  host: string;
  addresses: ResolvedAddress[];
}

/** Query parameters that carry credentials; a URL with one is refused (tokens go in the `token` field). */
const CREDENTIAL_PARAMS = new Set([
  'token',
  'access_token',
  'accesstoken',
  'auth',
  'auth_token',
  'authorization',
  'password',
  'passwd',
  'pwd',
  'pass',
  'key',
  'apikey',
  'api_key',
  'api-key',
  'secret',
  'client_secret',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

/**
 * The one gate for every outbound URL Strata fetches. Checks the URL (http(s), no credentials), resolves
 * its host and checks every address against the refused classes unless the operator's allowlist names
 * the host or the address. Callers connect only to the returned addresses (see `GuardedHttpClient`).
 */
export class SsrfGuard {
  constructor(
    readonly allowlist: SsrfAllowlist,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  /** Syntax-level checks only (no DNS): the URL, parsed. */
  parse(input: string | URL): URL {
    let url: URL;
    try {
      url = input instanceof URL ? new URL(input.href) : new URL(input);
    } catch {
      throw new SsrfRefusedError(UrlRule.Malformed);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SsrfRefusedError(UrlRule.Scheme);
    if (!url.hostname) throw new SsrfRefusedError(UrlRule.Malformed);
    if (url.username || url.password) throw new SsrfRefusedError(UrlRule.Credentials);
    for (const name of url.searchParams.keys()) {
      if (CREDENTIAL_PARAMS.has(name.toLowerCase())) throw new SsrfRefusedError(UrlRule.Credentials);
    }
    return url;
  }

  /** Full check: syntax, then every resolved address. Throws `SsrfRefusedError` naming the rule. */
  async vet(input: string | URL): Promise<VettedTarget> {
    const url = this.parse(input);
    return this.vetParsed(url);
  }

  /** Like `vet` without the credential check: for redirect hops and proxied requests built by others. */
  async vetParsed(url: URL): Promise<VettedTarget> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SsrfRefusedError(UrlRule.Scheme);
    const shown = url.hostname;
    const host = canonicalHost(url.hostname);
    const hostAllowed = this.allowlist.allowsHost(host);
    let addresses: ResolvedAddress[];
    const literal = parseAddress(host);
    if (literal) {
      addresses = [{ address: host, family: literal.family }];
    } else if (!hostAllowed && (host === 'localhost' || host.endsWith('.localhost'))) {
      throw new SsrfRefusedError('loopback', shown);
    } else {
      try {
        addresses = await this.resolver(host);
      } catch {
        throw new ServiceUnreachableError("The remote service's host name could not be resolved.");
      }
      if (addresses.length === 0) throw new SsrfRefusedError(UrlRule.NoAddress);
    }
    if (!hostAllowed) {
      for (const { address } of addresses) {
        if (this.allowlist.allowsAddress(address)) continue;
        const rule = classifyAddress(address);
        if (rule) throw new SsrfRefusedError(rule, shown);
      }
    }
    return { url, host, addresses };
  }
}
