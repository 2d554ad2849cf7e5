import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode } from '@app/common';
import type { RemoteServiceSource } from '@app/jobs';
import { ServiceTokenStore } from '@app/queues';
import {
  GuardedHttpClient,
  GuardedProxy,
  type GuardedResponse,
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
  /**
   * The layer's count as the service reports it for the plain layer, when GDAL's own count request may
   * differ (it carries the read's SORTBY, under which MapServer 8, for one, miscounts); null: GDAL's.
   */
  featureCount: number | null;
  /** Columns holding epoch milliseconds that are dates (ArcGIS `esriFieldTypeDate`; GDAL reads them as text). */
  epochMsColumns: string[];
  /** The guarded proxy all of the task's HTTP goes through; close it when the task ends. */
  proxy: GuardedProxy;
}

/** The remote service refused the token (HTTP 401/403, ArcGIS 498/499). */
export class RemoteAccessRefusedError extends DomainError {
  constructor() {
    super(ErrorCode.Forbidden, 'The remote service refused access; check the token.');
  }
}

/** The service has no layer (collection) of that name. */
export class RemoteLayerMissingError extends DomainError {
  constructor(layer: string) {
    super(ErrorCode.Unprocessable, `The service has no layer named '${layer}'.`);
  }
}

/** Features per request: GDAL's defaults are small (OAPIF 10, WFS 100) and every request is a round trip. */
export const REMOTE_PAGE_SIZE = 1000;

interface ArcGisLayerInfo {
  objectIdField: string;
  maxRecordCount: number | null;
  dateFields: string[];
}

/** How a WFS read pages: the field of a server-side sort, or null when the server cannot sort. */
export interface WfsPaging {
  sortBy: string | null;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An OGR VRT over one OAPIF collection that carries the driver's PAGE_SIZE open option: gdal-async's
 * open drops open options, and GDAL's OAPIF default (10 features a request) makes a large collection
 * cost thousands of round trips. The layer keeps its name, fields, CRS and feature count.
 */
export function oapifVrt(url: string, layer: string, pageSize = REMOTE_PAGE_SIZE): string {
  return [
    '<OGRVRTDataSource>',
    `<OGRVRTLayer name="${xmlEscape(layer)}">`,
    `<SrcDataSource relativeToVRT="0">${xmlEscape(`OAPIF:${url}`)}</SrcDataSource>`,
    `<OpenOptions><OOI key="PAGE_SIZE">${pageSize}</OOI></OpenOptions>`,
    `<SrcLayer>${xmlEscape(layer)}</SrcLayer>`,
    '</OGRVRTLayer>',
    '</OGRVRTDataSource>',
  ].join('');
}

/** Field names a WFS DescribeFeatureType declares for the layer (its `element name="…"` entries). */
export function describedFields(xml: string): string[] {
  const names: string[] = [];
  for (const m of xml.matchAll(/<(?:[\w-]+:)?element\b[^>]*\bname\s*=\s*"([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    // The feature type's own element (the one with a substitutionGroup) is not a field.
    if (/substitutionGroup\s*=/.test(tag)) continue;
    if (m[1] && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

const ID_NAMES = ['id', 'fid', 'gid', 'objectid', 'ogc_fid', 'feature_id', 'uid'];

/**
 * The field to sort WFS pages by: the one the user named (`object_id_field`) if the layer has it, else an
 * id-like field. Null when the layer has none (pages then follow the server's natural order).
 */
export function wfsSortCandidate(fields: string[], declared: string | null): string | null {
  if (declared && fields.includes(declared)) return declared;
  for (const id of ID_NAMES) {
    const found = fields.find((f) => f.toLowerCase() === id);
    if (found) return found;
  }
  return null;
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
  wfs: WfsPaging = { sortBy: null },
): { path: string; layerName: string | null } {
  switch (source.service_type) {
    case 'wfs': {
      const url = new URL(source.url);
      if (source.version) url.searchParams.set('VERSION', source.version);
      // GDAL keeps the URL's parameters on every request; STARTINDEX pages are disjoint only in a
      // fixed order, which a WFS 2.0 server gives when asked to sort.
      if (wfs.sortBy) url.searchParams.set('SORTBY', `${wfs.sortBy} ASC`);
      return { path: `WFS:${url.href}`, layerName: source.layer };
    }
    case 'oapif':
      return { path: oapifVrt(source.url, source.layer), layerName: source.layer };
    case 'arcgis':
      return {
        path: `ESRIJSON:${arcgisQueryUrl(source, arcgis ?? { objectIdField: 'OBJECTID', maxRecordCount: null, dateFields: [] })}`,
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
    // The OAPIF read goes through a VRT, which would show a collection it cannot open as an empty
    // layer: the collection is checked first (through the guard, redirects included).
    if (source.service_type === 'oapif') await this.oapifCollection(source, token);
    const wfs =
      source.service_type === 'wfs' && source.version === '2.0.0'
        ? { sortBy: await this.wfsSortField(source, token) }
        : { sortBy: null };
    const featureCount = wfs.sortBy ? await this.wfsHits(source, token) : null;
    const { path, layerName } = gdalDatasetOf(source, arcgis, wfs);
    const proxy = await GuardedProxy.start(this.guard, { connectTimeoutMs: this.config.remote.connectTimeoutMs });
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
    return { path, layerName, gdalConfig, featureCount, epochMsColumns: arcgis?.dateFields ?? [], proxy };
  }

  /** The job is done with its token: the hand-off entry goes (it would expire anyway). */
  async forget(jobId: string): Promise<void> {
    await this.tokens.drop(jobId).catch(() => undefined);
  }

  /** One request through the guarded client with the configured timeouts and size cap. */
  private get(url: URL, headers: Record<string, string>, accept?: string): Promise<GuardedResponse> {
    return this.http.request(url, {
      headers: accept ? { accept, ...headers } : headers,
      connectTimeoutMs: this.config.remote.connectTimeoutMs,
      timeoutMs: this.config.remote.timeoutMs,
      maxBytes: this.config.remote.maxResponseBytes,
    });
  }

  /** The OAPIF collection answers (or the failure says why: refused, missing, an outage). */
  private async oapifCollection(source: RemoteServiceSource, token: string | null): Promise<void> {
    const url = new URL(`${source.url.replace(/\/+$/, '')}/collections/${encodeURIComponent(source.layer)}`);
    url.searchParams.set('f', 'json');
    const res = await this.get(url, token ? { authorization: `Bearer ${token}` } : {}, 'application/json');
    if (res.status === 401 || res.status === 403) throw new RemoteAccessRefusedError();
    if (res.status === 404) throw new RemoteLayerMissingError(source.layer);
    if (res.status >= 400) throw new ServiceUnreachableError(`The service answered HTTP ${res.status}.`);
  }

  /**
   * The field WFS 2.0 pages are sorted by, when the server sorts this layer: an id field from its
   * DescribeFeatureType, checked with a one-feature sorted GetFeature (servers advertise sorting for the
   * whole service, while MapServer, for one, sorts only some layer types and answers the others with an
   * exception). Null when there is no such field or the server cannot sort by it.
   */
  private async wfsSortField(source: RemoteServiceSource, token: string | null): Promise<string | null> {
    const ask = async (params: Record<string, string>): Promise<string | null> => {
      const url = new URL(source.url);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const res = await this.get(url, token ? { authorization: `Bearer ${token}` } : {});
      const text = res.body.toString('utf8');
      return res.status === 200 && !/ExceptionReport|ServiceExceptionReport/.test(text) ? text : null;
    };
    const common = { SERVICE: 'WFS', VERSION: '2.0.0' };
    const schema = await ask({ ...common, REQUEST: 'DescribeFeatureType', TYPENAMES: source.layer });
    const field = schema === null ? null : wfsSortCandidate(describedFields(schema), source.object_id_field);
    if (field === null) return null;
    const sorted = await ask({
      ...common,
      REQUEST: 'GetFeature',
      TYPENAMES: source.layer,
      COUNT: '1',
      SORTBY: `${field} ASC`,
    });
    return sorted === null ? null : field;
  }

  /** `numberMatched` of a plain `RESULTTYPE=hits` request (no sort), or null when the server gives none. */
  private async wfsHits(source: RemoteServiceSource, token: string | null): Promise<number | null> {
    const url = new URL(source.url);
    for (const [k, v] of Object.entries({
      SERVICE: 'WFS',
      VERSION: '2.0.0',
      REQUEST: 'GetFeature',
      TYPENAMES: source.layer,
      RESULTTYPE: 'hits',
    }))
      url.searchParams.set(k, v);
    const res = await this.get(url, token ? { authorization: `Bearer ${token}` } : {});
    const matched = res.status === 200 ? /\bnumberMatched\s*=\s*"(\d+)"/.exec(res.body.toString('utf8')) : null;
    return matched ? Number(matched[1]) : null;
  }

  /** The layer's object-id field (the paging order) and record cap, read through the guarded client. */
  private async arcgisLayer(source: RemoteServiceSource, token: string | null): Promise<ArcGisLayerInfo> {
    const url = new URL(`${source.url.replace(/\/+$/, '')}/${source.layer_id ?? '0'}`);
    url.searchParams.set('f', 'json');
    const res = await this.get(url, token ? { 'x-esri-authorization': `Bearer ${token}` } : {});
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
    const fields = Array.isArray(body.fields) ? (body.fields as { name?: unknown; type?: unknown }[]) : [];
    return {
      objectIdField: declared,
      maxRecordCount: typeof body.maxRecordCount === 'number' && body.maxRecordCount > 0 ? body.maxRecordCount : null,
      dateFields: fields
        .filter((f) => f.type === 'esriFieldTypeDate' && typeof f.name === 'string')
        .map((f) => f.name as string),
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
  if (error instanceof RemoteLayerMissingError) return { code: 'unknown-layer', message: error.message };
  if (error instanceof ServiceTimeoutError) return { code: 'remote-timeout', message: error.message };
  if (error instanceof ServiceUnreachableError) return { code: 'remote-failed', message: error.message };
  // A GDAL task's internal failure carries GDAL's (masked) wording in `failure.message`.
  const failure = (error as { failure?: { message?: unknown } } | null)?.failure;
  const text = typeof failure?.message === 'string' ? failure.message : error instanceof Error ? error.message : '';
  const status = /HTTP (?:error|response) code\s*:?\s*(\d{3})/i.exec(text)?.[1];
  if (status === '401' || status === '403') {
    return { code: 'remote-forbidden', message: 'The remote service refused access; check the token.' };
  }
  // 504: the guarded proxy's answer when the service did not accept GDAL's connection in time.
  if (status === '504' || /timed? ?out/i.test(text))
    return { code: 'remote-timeout', message: 'The remote service did not answer in time.' };
  return null;
}
