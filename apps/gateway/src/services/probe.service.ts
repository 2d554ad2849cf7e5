import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode, ForbiddenError, UnprocessableError } from '@app/common';
import { GuardedHttpClient, SsrfRefusedError, UrlRule, type GuardedResponse } from '@app/security';
import { ESRI_GEOMETRY, ServiceType, arcgisRoot, oapifBase, wfsBase } from './remote-service.js';
import { child, children, parseXml } from './xml.js';

export interface ProbedLayer {
  name: string;
  title: string;
  id?: string;
  geometry_type?: string | null;
  feature_count?: number | null;
}

export interface ProbeResult {
  service_type: ServiceType;
  url: string;
  layers: ProbedLayer[];
}

class NotThisService extends Error {}

const NOT_A_SERVICE =
  'No feature service was found at this URL. Supported: WFS 1.0/1.1/2.0, OGC API Features, ArcGIS FeatureServer and MapServer.';

/** How many ArcGIS layer counts are asked for at once. */
const COUNT_CONCURRENCY = 5;

/**
 * Finds out what a URL serves and lists its layers, through the SSRF-guarded client only (the gateway
 * never runs GDAL). Detection by URL first (ArcGIS REST paths, WFS parameters), then OGC API Features
 * (landing page), then WFS (GetCapabilities, highest version offered).
 */
@Injectable()
export class ServiceProbeService {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly config: AppConfig,
  ) {}

  async probe(input: string, token: string | undefined): Promise<ProbeResult> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      // What the guard says of a URL that does not parse (it would say it on the first request anyway).
      throw new SsrfRefusedError(UrlRule.Malformed);
    }
    const arcgis = arcgisRoot(url);
    if (arcgis) return this.arcgis(arcgis.root, arcgis.kind, token);
    const query = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    const looksWfs = /\/wfs\b/i.test(url.pathname) || query.includes('service') || query.includes('request');
    if (!looksWfs) {
      try {
        return await this.oapif(url, token);
      } catch (error) {
        if (!(error instanceof NotThisService)) throw error;
      }
    }
    try {
      return await this.wfs(url, token);
    } catch (error) {
      if (!(error instanceof NotThisService)) throw error;
    }
    throw new UnprocessableError(NOT_A_SERVICE);
  }

  private async get(url: URL, token: string | undefined, accept: string, esri = false): Promise<GuardedResponse> {
    const headers: Record<string, string> = { accept };
    if (token) headers[esri ? 'x-esri-authorization' : 'authorization'] = `Bearer ${token}`;
    const res = await this.http.request(url, {
      headers,
      connectTimeoutMs: this.config.remote.connectTimeoutMs,
      timeoutMs: this.config.remote.timeoutMs,
      maxBytes: this.config.remote.maxResponseBytes,
    });
    if (res.status === 401 || res.status === 403) {
      throw new ForbiddenError('The remote service refused access; check the token.');
    }
    return res;
  }

  private async oapif(input: URL, token: string | undefined): Promise<ProbeResult> {
    const base = oapifBase(input);
    const landingUrl = new URL(base.href);
    landingUrl.searchParams.set('f', 'json');
    const landing = json(await this.get(landingUrl, token, 'application/json'));
    const links = Array.isArray(landing?.links) ? (landing.links as { rel?: unknown; href?: unknown }[]) : [];
    const conforms =
      Array.isArray(landing?.conformsTo) && landing.conformsTo.some((c) => String(c).includes('ogcapi-features'));
    if (!conforms && !links.some((l) => l.rel === 'data' || l.rel === 'conformance')) throw new NotThisService();
    const collectionsUrl = new URL(`${base.pathname.replace(/\/$/, '')}/collections`, base);
    collectionsUrl.search = base.search;
    collectionsUrl.searchParams.set('f', 'json');
    const body = json(await this.get(collectionsUrl, token, 'application/json'));
    const collections = Array.isArray(body?.collections) ? (body.collections as Record<string, unknown>[]) : null;
    if (!collections) throw new UnprocessableError('The OGC API service lists no feature collections.');
    return {
      service_type: ServiceType.OgcApiFeatures,
      url: base.href,
      layers: collections
        .filter((c) => typeof c.id === 'string' && (c.itemType === undefined || c.itemType === 'feature'))
        .map((c) => ({
          name: String(c.id),
          title: typeof c.title === 'string' && c.title ? c.title : String(c.id),
          geometry_type: null,
          feature_count: null,
        })),
    };
  }

  private async wfs(input: URL, token: string | undefined): Promise<ProbeResult> {
    const base = wfsBase(input);
    const capsUrl = new URL(base.href);
    capsUrl.searchParams.set('SERVICE', 'WFS');
    capsUrl.searchParams.set('REQUEST', 'GetCapabilities');
    // OWS version negotiation: a 2.0/1.1 server answers with the highest it shares; 1.0 servers ignore it.
    capsUrl.searchParams.set('ACCEPTVERSIONS', '2.0.0,1.1.0,1.0.0');
    const res = await this.get(capsUrl, token, 'application/xml, text/xml');
    if (res.status >= 400) throw upstream(res.status);
    const contentType = res.headers['content-type'] ?? '';
    if (/html/i.test(contentType)) throw new NotThisService();
    const root = parseXml(res.body.toString('utf8'));
    if (!root || root.name !== 'WFS_Capabilities') throw new NotThisService();
    const version = root.attrs.version;
    const type =
      version === '2.0.0' || version === '2.0.2'
        ? ServiceType.Wfs200
        : version === '1.1.0'
          ? ServiceType.Wfs110
          : version === '1.0.0'
            ? ServiceType.Wfs100
            : null;
    if (!type) throw new UnprocessableError(`WFS version ${version ?? 'unknown'} is not supported.`);
    const types = children(child(root, 'FeatureTypeList'), 'FeatureType');
    return {
      service_type: type,
      url: base.href,
      layers: types
        .map((t) => ({ name: child(t, 'Name')?.text.trim() ?? '', title: child(t, 'Title')?.text.trim() ?? '' }))
        .filter((l) => l.name)
        .map((l) => ({ name: l.name, title: l.title || l.name, geometry_type: null, feature_count: null })),
    };
  }

  private async arcgis(root: URL, kind: ServiceType, token: string | undefined): Promise<ProbeResult> {
    const infoUrl = new URL(root.href);
    infoUrl.searchParams.set('f', 'json');
    const info = arcgisJson(await this.get(infoUrl, token, 'application/json', true));
    const entries: Record<string, unknown>[] = [
      ...(Array.isArray(info.layers) ? (info.layers as Record<string, unknown>[]) : []),
      ...(Array.isArray(info.tables)
        ? (info.tables as Record<string, unknown>[]).map((t) => ({ ...t, table: true }))
        : []),
    ];
    // Group layers (with sub-layers) hold no features of their own.
    const readable = entries.filter((e) => e.id !== undefined && !Array.isArray(e.subLayerIds));
    if (!Array.isArray(info.layers) && !Array.isArray(info.tables)) throw new UnprocessableError(NOT_A_SERVICE);
    const layers: ProbedLayer[] = readable.map((e) => ({
      name: String(e.name ?? e.id),
      title: String(e.name ?? e.id),
      id: String(e.id),
      geometry_type: e.table ? null : (ESRI_GEOMETRY[String(e.geometryType)] ?? null),
      feature_count: null,
    }));
    // Counts, a few at a time: a service with hundreds of layers must not get hundreds of requests at once.
    for (let i = 0; i < layers.length; i += COUNT_CONCURRENCY) {
      await Promise.all(
        layers.slice(i, i + COUNT_CONCURRENCY).map(async (layer) => {
          const countUrl = new URL(`${root.pathname}/${layer.id}/query`, root);
          countUrl.search = new URLSearchParams({ where: '1=1', returnCountOnly: 'true', f: 'json' }).toString();
          try {
            const body = arcgisJson(await this.get(countUrl, token, 'application/json', true));
            layer.feature_count = typeof body.count === 'number' ? body.count : null;
          } catch (error) {
            if (error instanceof ForbiddenError) throw error;
            layer.feature_count = null;
          }
        }),
      );
    }
    return { service_type: kind, url: root.href, layers };
  }
}

function upstream(status: number): DomainError {
  return new DomainError(ErrorCode.UpstreamFailed, `The remote service answered HTTP ${status}.`);
}

function json(res: GuardedResponse): Record<string, unknown> | null {
  if (res.status >= 500) throw upstream(res.status);
  if (res.status >= 400) throw new NotThisService();
  try {
    const value = JSON.parse(res.body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** ArcGIS answers errors as HTTP 200 `{error: {code}}`: 498/499 are token problems (403). */
function arcgisJson(res: GuardedResponse): Record<string, unknown> {
  if (res.status >= 400) throw upstream(res.status);
  const body = json(res);
  if (!body) throw new UnprocessableError(NOT_A_SERVICE);
  const error = body.error as { code?: unknown } | undefined;
  if (error) {
    if (error.code === 498 || error.code === 499 || error.code === 401 || error.code === 403) {
      throw new ForbiddenError('The ArcGIS service refused the token (invalid, expired or missing).');
    }
    throw new DomainError(ErrorCode.UpstreamFailed, `The ArcGIS service answered with error ${String(error.code)}.`);
  }
  return body;
}
