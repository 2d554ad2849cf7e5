import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode, ForbiddenError } from '@app/common';
import type { RemoteServiceSource } from '@app/jobs';
import { GuardedHttpClient, SsrfRefusedError, UrlRule } from '@app/security';

/**
 * Checks a token a commit brings with the service itself before the job is claimed, so a stale or wrong
 * token is a 403 now (ArcGIS error 498/499, HTTP 401/403) rather than a job that fails later. One small
 * request through the guarded client; the token goes in a header, never in the URL.
 */
@Injectable()
export class ServiceTokenCheck {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly config: AppConfig,
  ) {}

  async assertAccepted(source: RemoteServiceSource, token: string): Promise<void> {
    const { url, header } = checkRequest(source);
    const res = await this.http.request(url, {
      headers: { accept: 'application/json, application/xml;q=0.9', [header]: `Bearer ${token}` },
      connectTimeoutMs: this.config.remote.connectTimeoutMs,
      timeoutMs: this.config.remote.timeoutMs,
      maxBytes: this.config.remote.maxResponseBytes,
    });
    if (res.status === 401 || res.status === 403) throw refused();
    if (res.status >= 500) {
      throw new DomainError(ErrorCode.UpstreamFailed, `The remote service answered HTTP ${res.status}.`);
    }
    if (source.service_type !== 'arcgis') return;
    // ArcGIS answers its errors as HTTP 200 with `{error: {code}}`.
    let code: unknown;
    try {
      code = (JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
    } catch {
      return;
    }
    if ([401, 403, 498, 499].includes(Number(code))) throw refused();
  }
}

/** The one small request that shows whether the service takes a token, and the header that carries it. */
function checkRequest(source: RemoteServiceSource): { url: URL; header: string } {
  const base = source.url.replace(/\/+$/, '');
  try {
    if (source.service_type === 'arcgis') {
      const url = new URL(`${base}/${source.layer_id ?? '0'}`);
      url.searchParams.set('f', 'json');
      return { url, header: 'x-esri-authorization' };
    }
    if (source.service_type === 'oapif') {
      const url = new URL(`${base}/collections/${encodeURIComponent(source.layer)}`);
      url.searchParams.set('f', 'json');
      return { url, header: 'authorization' };
    }
    const url = new URL(source.url);
    url.searchParams.set('SERVICE', 'WFS');
    url.searchParams.set('REQUEST', 'GetCapabilities');
    if (source.version) url.searchParams.set('VERSION', source.version);
    return { url, header: 'authorization' };
  } catch {
    // A stored URL that no longer parses: what the guard says of one (jobs store the URL it vetted).
    throw new SsrfRefusedError(UrlRule.Malformed);
  }
}

function refused(): ForbiddenError {
  return new ForbiddenError('The remote service refused the token (invalid, expired or missing).');
}
