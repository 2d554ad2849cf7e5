import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/common';
import type { RemoteServiceSource } from '@app/jobs';
import { ServiceTokenStore } from '@app/queues';
import {
  GuardedHttpClient,
  GuardedProxy,
  ServiceTimeoutError,
  ServiceUnreachableError,
  SsrfGuard,
  SsrfRefusedError,
} from '@app/security';

/** What a GDAL task needs to read a remote layer: the dataset string, the layer, and its own settings. */
export interface RemoteGdalSource {
  path: string;
  /** Null: the dataset's only layer (ESRIJSON). */
  layerName: string | null;
  gdalConfig: Record<string, string>;
  /** The guarded proxy all of the task's HTTP goes through; close it when the task ends. */
  proxy: GuardedProxy;
}

/** The remote service refused the token (HTTP 401/403, ArcGIS 498/499). */
export class RemoteAccessRefusedError extends DomainError {
  constructor() {
    super(ErrorCode.Forbidden, 'The remote service refused access; check the token.');
  }
}

/** Features per request: GDAL's defaults are small (OAPIF 10, WFS 100) and every request is a round trip. */
export const REMOTE_PAGE_SIZE = 1000;

interface ArcGisLayerInfo {
  objectIdField: string;
  maxRecordCount: number | null;
}

/** `ESRIJSON:` query URL that pages by `resultOffset`, ordered by the object id so pages neither overlap nor skip. */
export function arcgisQueryUrl(source: RemoteServiceSource, info: ArcGisLayerInfo): string {
  const url = new URL(`${source.url.replace(/\/+$/, '')}/${source.layer_id ?? '0'}/query`);
  url.searchParams.set('where', '1=1');
  url.searchParams.set('outFields', '*');
  url.searchParams.set('orderByFields', `${info.objectIdField} ASC`);
  // GDAL pages with the size of the first page; asking for the service's cap keeps every page full.
  url.searchParams.set('resultRecordCount', String(Math.min(info.maxRecordCount ?? REMOTE_PAGE_SIZE, 2000)));
  url.searchParams.set('f', 'json');
  return url.href;
}

/** The GDAL dataset string and layer for a remote source (no proxy, no token: those are task settings). */
export function gdalDatasetOf(
  source: RemoteServiceSource,
  arcgis: ArcGisLayerInfo | null,
): { path: string; layerName: string | null } {
  switch (source.service_type) {
    case 'wfs': {
      const url = new URL(source.url);
      if (source.version) url.searchParams.set('VERSION', source.version);
      return { path: `WFS:${url.href}`, layerName: source.layer };
    }
    case 'oapif':
      return { path: `OAPIF:${source.url}`, layerName: source.layer };
    case 'arcgis':
      return {
        path: `ESRIJSON:${arcgisQueryUrl(source, arcgis ?? { objectIdField: 'OBJECTID', maxRecordCount: null })}`,
        layerName: null,
      };
    default: {
      const unknown: never = source.service_type;
      throw new Error(`Unknown service type '${String(unknown)}'`);
    }
  }
}

/**
 * Opens remote layers for GDAL tasks: re-checks the URL with the SSRF guard (the job may be old, DNS may
 * have changed), reads the service token from the one-time hand-off (never from the job or the queue),
 * and starts a guarded forward proxy for the task, through which GDAL must send all of its HTTP.
 */
@Injectable()
export class RemoteSourceService {
  constructor(
    private readonly guard: SsrfGuard,
    private readonly http: GuardedHttpClient,
    private readonly tokens: ServiceTokenStore,
    private readonly config: AppConfig,
  ) {}

  async open(jobId: string, source: RemoteServiceSource): Promise<RemoteGdalSource> {
    await this.guard.vet(source.url);
    const token = await this.tokens.get(jobId);
    const arcgis = source.service_type === 'arcgis' ? await this.arcgisLayer(source, token) : null;
    const { path, layerName } = gdalDatasetOf(source, arcgis);
    const proxy = await GuardedProxy.start(this.guard);
    const gdalConfig: Record<string, string> = {
      ...proxy.gdalConfig(),
      GDAL_HTTP_TIMEOUT: String(Math.ceil(this.config.remote.timeoutMs / 1000)),
      GDAL_HTTP_CONNECTTIMEOUT: String(Math.ceil(this.config.remote.connectTimeoutMs / 1000)),
      OGR_WFS_PAGE_SIZE: String(REMOTE_PAGE_SIZE),
      OGR_WFS_PAGING_ALLOWED: 'ON',
      OGR_WFS_LOAD_MULTIPLE_LAYER_DEFN: 'NO',
      // GDAL's own caches must not carry one job's answers (or credentials) into another's requests.
      CPL_VSIL_CURL_USE_CACHE: 'NO',
    };
    if (source.service_type === 'wfs' && source.version === '1.1.0') {
      // WFS 1.1 puts EPSG:4326 in latitude/longitude order even when it labels it `EPSG:4326` (MapServer
      // does); read it as the URN form so GDAL swaps it back and PostGIS gets longitude/latitude.
      gdalConfig.GML_CONSIDER_EPSG_AS_URN = 'YES';
    }
    if (token) {
      const header = source.service_type === 'arcgis' ? 'X-Esri-Authorization' : 'Authorization';
      gdalConfig.GDAL_HTTP_HEADERS = `${header}: Bearer ${token}`;
    }
    return { path, layerName, gdalConfig, proxy };
  }

  /** The job is done with its token: the hand-off entry goes (it would expire anyway). */
  async forget(jobId: string): Promise<void> {
    await this.tokens.drop(jobId).catch(() => undefined);
  }

  /** The layer's object-id field (the paging order) and record cap, read through the guarded client. */
  private async arcgisLayer(source: RemoteServiceSource, token: string | null): Promise<ArcGisLayerInfo> {
    const url = new URL(`${source.url.replace(/\/+$/, '')}/${source.layer_id ?? '0'}`);
    url.searchParams.set('f', 'json');
    const res = await this.http.request(url, {
      headers: token ? { 'x-esri-authorization': `Bearer ${token}` } : {},
      connectTimeoutMs: this.config.remote.connectTimeoutMs,
      timeoutMs: this.config.remote.timeoutMs,
      maxBytes: this.config.remote.maxResponseBytes,
    });
    if (res.status === 401 || res.status === 403) throw new RemoteAccessRefusedError();
    if (res.status >= 400) throw new ServiceUnreachableError(`The ArcGIS service answered HTTP ${res.status}.`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new ServiceUnreachableError('The ArcGIS service did not answer with JSON.');
    }
    const error = body.error as { code?: unknown } | undefined;
    if (error) {
      if ([401, 403, 498, 499].includes(Number(error.code))) throw new RemoteAccessRefusedError();
      throw new ServiceUnreachableError(`The ArcGIS service answered with error ${String(error.code)}.`);
    }
    const declared =
      source.object_id_field ??
      (typeof body.objectIdField === 'string' ? body.objectIdField : null) ??
      (Array.isArray(body.fields)
        ? ((body.fields as { name?: unknown; type?: unknown }[]).find((f) => f.type === 'esriFieldTypeOID')?.name as
            string | undefined)
        : undefined) ??
      'OBJECTID';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(declared))
      throw new ServiceUnreachableError('The ArcGIS layer names no usable object-id field.');
    return {
      objectIdField: declared,
      maxRecordCount: typeof body.maxRecordCount === 'number' && body.maxRecordCount > 0 ? body.maxRecordCount : null,
    };
  }
}

/** A user-facing refusal for a remote preview/ingest failure, by what the guard or the service said. */
export function remoteRefusal(
  error: unknown,
  proxy: GuardedProxy | null,
): { code: string; message: string; extensions?: Record<string, unknown> } | null {
  const refused = error instanceof SsrfRefusedError ? error : (proxy?.refusals[0] ?? null);
  if (refused) return { code: 'ssrf-refused', message: refused.message, extensions: { rule: refused.rule } };
  if (error instanceof RemoteAccessRefusedError) return { code: 'remote-forbidden', message: error.message };
  if (error instanceof ServiceTimeoutError) return { code: 'remote-timeout', message: error.message };
  if (error instanceof ServiceUnreachableError) return { code: 'remote-failed', message: error.message };
  const text = error instanceof Error ? error.message : '';
  const status = /HTTP (?:error|response) code\s*:?\s*(\d{3})/i.exec(text)?.[1];
  if (status === '401' || status === '403') {
    return { code: 'remote-forbidden', message: 'The remote service refused access; check the token.' };
  }
  if (/timed? ?out/i.test(text))
    return { code: 'remote-timeout', message: 'The remote service did not answer in time.' };
  return null;
}
