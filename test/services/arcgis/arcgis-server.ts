import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local ArcGIS REST server (the parts a feature-service client uses), answering as ArcGIS Server 10.x
 * does: `/arcgis/rest/services/<Name>/FeatureServer` and `/MapServer` service and layer descriptions,
 * `/query` with `where=1=1`, `outFields`, `orderByFields`, `resultOffset`/`resultRecordCount` capped at
 * `maxRecordCount` with `exceededTransferLimit`, `returnCountOnly`, `returnIdsOnly`, `returnExtentOnly`,
 * `f=json|pjson|geojson`. Errors are HTTP 200 with `{error: {code, message}}`, like ArcGIS: 499 without
 * a token on a secured service, 498 for a wrong one (the token as `token=` or `X-Esri-Authorization`).
 *
 * Layer 0 `sites`: `count` points stored in Web Mercator (wkid 102100 / latestWkid 3857) with an OID, an
 * integer, a string, a double and a date (epoch ms); table 1 `inspections`: rows without geometry.
 */
export interface ArcGisOptions {
  count: number;
  tableRows?: number;
  maxRecordCount?: number;
  /** When set, the service is secured and this is the only valid token. */
  token?: string;
}

const R = 6378137;
export const mercator = (lon: number, lat: number): [number, number] => [
  (R * lon * Math.PI) / 180,
  R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)),
];

/** Source coordinates of site `i` (1-based). */
export function arcgisSiteLonLat(i: number, count: number): [number, number] {
  return [-3 + (0.2 * i) / count, 40 + (0.1 * i) / count];
}

interface Row {
  attributes: Record<string, string | number | null>;
  geometry: { x: number; y: number } | null;
}

const SITE_FIELDS = [
  { name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID' },
  { name: 'code', type: 'esriFieldTypeInteger', alias: 'Code' },
  { name: 'label', type: 'esriFieldTypeString', alias: 'Label', length: 50 },
  { name: 'height', type: 'esriFieldTypeDouble', alias: 'Height' },
  { name: 'surveyed', type: 'esriFieldTypeDate', alias: 'Surveyed', length: 8 },
];
const TABLE_FIELDS = [
  { name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID' },
  { name: 'site_code', type: 'esriFieldTypeInteger', alias: 'Site' },
  { name: 'note', type: 'esriFieldTypeString', alias: 'Note', length: 100 },
];
const SR = { wkid: 102100, latestWkid: 3857 };

export class ArcGisServer {
  readonly requests: string[] = [];
  private server: Server | undefined;
  port = 0;
  private readonly sites: Row[];
  private readonly table: Row[];
  private readonly max: number;

  constructor(private readonly options: ArcGisOptions) {
    this.max = options.maxRecordCount ?? 500;
    // Stored out of OBJECTID order, so a client that does not order its pages would see duplicates or gaps.
    this.sites = Array.from({ length: options.count }, (_, k) => {
      const i = k % 2 === 0 ? k / 2 + 1 : options.count - (k - 1) / 2;
      const [x, y] = mercator(...arcgisSiteLonLat(i, options.count));
      return {
        attributes: {
          OBJECTID: i,
          code: i * 10,
          label: `site ${i}`,
          height: i / 4,
          surveyed: Date.UTC(2024, 0, 1) + i * 86_400_000,
        },
        geometry: { x, y },
      };
    });
    this.table = Array.from({ length: options.tableRows ?? 7 }, (_, k) => ({
      attributes: { OBJECTID: k + 1, site_code: (k + 1) * 10, note: `inspection ${k + 1}` },
      geometry: null,
    }));
  }

  serviceUrl(kind: 'FeatureServer' | 'MapServer' = 'FeatureServer'): string {
    return `http://127.0.0.1:${this.port}/arcgis/rest/services/Test/${kind}`;
  }

  /** Rotates the secured service's only valid token (an expired token then answers 498). */
  setToken(token: string): void {
    this.options.token = token;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((ok) => (this.server ? this.server.close(ok) : ok(undefined)));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const send = (body: unknown): void => {
      const pretty = q.get('f') === 'pjson';
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body, null, pretty ? 2 : undefined));
    };
    const match = /^\/arcgis\/rest\/services\/Test\/(FeatureServer|MapServer)(?:\/(\d+))?(\/query)?\/?$/i.exec(
      url.pathname,
    );
    if (url.pathname === '/arcgis/rest/services' || url.pathname === '/arcgis/rest/services/') {
      return send({ currentVersion: 10.91, folders: [], services: [{ name: 'Test', type: 'FeatureServer' }] });
    }
    if (!match) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not found</body></html>');
      return;
    }
    if (this.options.token !== undefined) {
      const header = req.headers['x-esri-authorization'];
      const given = q.get('token') ?? (typeof header === 'string' ? header.replace(/^Bearer\s+/i, '') : null);
      if (!given) return send({ error: { code: 499, message: 'Token Required', details: [] } });
      if (given !== this.options.token) return send({ error: { code: 498, message: 'Invalid Token', details: [] } });
    }
    const kind = match[1] as string;
    const layerId = match[2];
    if (layerId === undefined) return send(this.describeService(kind));
    const layer = Number(layerId);
    if (layer !== 0 && layer !== 1)
      return send({ error: { code: 400, message: 'Invalid or missing input parameters.', details: [] } });
    if (!match[3]) return send(this.describeLayer(layer));
    return send(this.query(layer, q));
  }

  private describeService(kind: string): unknown {
    return {
      currentVersion: 10.91,
      serviceDescription: 'Strata test service',
      hasVersionedData: false,
      supportsDisconnectedEditing: false,
      maxRecordCount: this.max,
      supportedQueryFormats: 'JSON, geoJSON, PBF',
      capabilities: kind === 'MapServer' ? 'Map,Query,Data' : 'Query',
      spatialReference: SR,
      layers: [
        {
          id: 0,
          name: 'sites',
          parentLayerId: -1,
          defaultVisibility: true,
          subLayerIds: null,
          geometryType: 'esriGeometryPoint',
        },
      ],
      tables: [{ id: 1, name: 'inspections' }],
    };
  }

  private describeLayer(layer: number): unknown {
    const common = {
      currentVersion: 10.91,
      id: layer,
      maxRecordCount: this.max,
      objectIdField: 'OBJECTID',
      supportsAdvancedQueries: true,
      advancedQueryCapabilities: {
        supportsPagination: true,
        supportsOrderBy: true,
        supportsReturningQueryExtent: true,
      },
    };
    if (layer === 1) return { ...common, name: 'inspections', type: 'Table', fields: TABLE_FIELDS };
    const xs = this.sites.map((r) => r.geometry?.x ?? 0);
    const ys = this.sites.map((r) => r.geometry?.y ?? 0);
    return {
      ...common,
      name: 'sites',
      type: 'Feature Layer',
      geometryType: 'esriGeometryPoint',
      fields: SITE_FIELDS,
      extent: {
        xmin: Math.min(...xs),
        ymin: Math.min(...ys),
        xmax: Math.max(...xs),
        ymax: Math.max(...ys),
        spatialReference: SR,
      },
    };
  }

  private query(layer: number, q: URLSearchParams): unknown {
    const where = (q.get('where') ?? '').replace(/\s+/g, '');
    if (where !== '1=1' && where !== '') {
      return { error: { code: 400, message: 'Unable to complete operation.', details: ['Unsupported where clause'] } };
    }
    let rows = layer === 0 ? this.sites : this.table;
    const fields = layer === 0 ? SITE_FIELDS : TABLE_FIELDS;
    if (q.get('returnCountOnly') === 'true') return { count: rows.length };
    if (q.get('returnIdsOnly') === 'true')
      return { objectIdFieldName: 'OBJECTID', objectIds: rows.map((r) => r.attributes.OBJECTID) };
    if (q.get('returnExtentOnly') === 'true') {
      const d = this.describeLayer(0) as { extent: { xmin: number; ymin: number; xmax: number; ymax: number } };
      if (q.get('f') === 'geojson') return { bbox: [d.extent.xmin, d.extent.ymin, d.extent.xmax, d.extent.ymax] };
      return { extent: d.extent };
    }
    const order = q.get('orderByFields');
    if (order) {
      const [field = 'OBJECTID', dir = 'ASC'] = order.trim().split(/\s+/);
      const sign = dir.toUpperCase() === 'DESC' ? -1 : 1;
      rows = [...rows].sort((a, b) => sign * (Number(a.attributes[field]) - Number(b.attributes[field])));
    }
    const offset = Number(q.get('resultOffset') ?? 0);
    const asked = Number(q.get('resultRecordCount') ?? this.max);
    const size = Math.min(asked > 0 ? asked : this.max, this.max);
    const page = rows.slice(offset, offset + size);
    const exceeded = offset + page.length < rows.length;
    const out = q.get('outFields') ?? '';
    const wanted =
      out === '*'
        ? null
        : new Set(
            out
              .split(',')
              .map((s) => s.trim())
              .concat('OBJECTID'),
          );
    const pick = (a: Row['attributes']): Row['attributes'] =>
      wanted ? Object.fromEntries(Object.entries(a).filter(([k]) => wanted.has(k))) : a;
    if (q.get('f') === 'geojson') {
      return {
        type: 'FeatureCollection',
        features: page.map((r) => ({
          type: 'Feature',
          id: r.attributes.OBJECTID,
          properties: pick(r.attributes),
          geometry: null,
        })),
        ...(exceeded ? { properties: { exceededTransferLimit: true } } : {}),
      };
    }
    return {
      objectIdFieldName: 'OBJECTID',
      globalIdFieldName: '',
      ...(layer === 0 ? { geometryType: 'esriGeometryPoint', spatialReference: SR } : {}),
      fields: fields.filter((f) => !wanted || wanted.has(f.name)),
      features: page.map((r) =>
        r.geometry ? { attributes: pick(r.attributes), geometry: r.geometry } : { attributes: pick(r.attributes) },
      ),
      ...(exceeded ? { exceededTransferLimit: true } : {}),
    };
  }
}
