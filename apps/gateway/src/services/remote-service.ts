import { UnprocessableError } from '@app/common';
import type { RemoteServiceSource, RemoteServiceType } from '@app/jobs';

/** The service types probe answers and preview takes back (the values seed 001 names). */
export enum ServiceType {
  Wfs100 = 'WFS 1.0.0',
  Wfs110 = 'WFS 1.1.0',
  Wfs200 = 'WFS 2.0.0',
  OgcApiFeatures = 'OGC API Features',
  ArcGisFeatureServer = 'ArcGIS FeatureServer',
  ArcGisMapServer = 'ArcGIS MapServer',
}

export const SERVICE_TYPES = Object.values(ServiceType);

export function isArcGis(type: ServiceType): boolean {
  return type === ServiceType.ArcGisFeatureServer || type === ServiceType.ArcGisMapServer;
}

export function wfsVersionOf(type: ServiceType): string | null {
  return type.startsWith('WFS ') ? type.slice(4) : null;
}

const ARCGIS_PATH = /^(.*\/(?:FeatureServer|MapServer))(?:\/(\d+))?(?:\/query)?\/?$/i;

/** An ArcGIS service URL reduced to the service root, and the layer id a layer URL named. */
export function arcgisRoot(url: URL): { root: URL; layerId: string | null; kind: ServiceType } | null {
  const m = ARCGIS_PATH.exec(url.pathname);
  if (!m?.[1]) return null;
  const root = new URL(url.href);
  root.pathname = m[1];
  root.search = '';
  root.hash = '';
  const kind = /FeatureServer$/i.test(m[1]) ? ServiceType.ArcGisFeatureServer : ServiceType.ArcGisMapServer;
  return { root, layerId: m[2] ?? null, kind };
}

const WFS_PROTOCOL_PARAMS = new Set([
  'service',
  'request',
  'version',
  'acceptversions',
  'typename',
  'typenames',
  'outputformat',
]);

/** A WFS endpoint without the protocol parameters of a GetCapabilities (or other) request. */
export function wfsBase(url: URL): URL {
  const base = new URL(url.href);
  base.hash = '';
  for (const key of [...base.searchParams.keys()]) {
    if (WFS_PROTOCOL_PARAMS.has(key.toLowerCase())) base.searchParams.delete(key);
  }
  return base;
}

/** An OGC API landing page URL: no `f`, no trailing `/collections[/…]`, no trailing slash. */
export function oapifBase(url: URL): URL {
  const base = new URL(url.href);
  base.hash = '';
  base.searchParams.delete('f');
  base.pathname = base.pathname.replace(/\/collections(\/.*)?$/, '').replace(/\/+$/, '') || '/';
  return base;
}

export const ESRI_GEOMETRY: Record<string, string> = {
  esriGeometryPoint: 'Point',
  esriGeometryMultipoint: 'MultiPoint',
  esriGeometryPolyline: 'MultiLineString',
  esriGeometryPolygon: 'MultiPolygon',
  esriGeometryEnvelope: 'Polygon',
};

/** What a remote-service job reads, before the URL is reduced to the service's base. */
export interface ServiceLayerRequest {
  serviceType: RemoteServiceType;
  layerName: string;
  layerId: string | null;
  objectIdField: string | null;
  /** WFS: the protocol version; null for other services. */
  version: string | null;
}

/**
 * A job's remote-service source (previews and importer triggers alike): the URL reduced to the WFS
 * endpoint, the OGC API landing page or the ArcGIS service root (whose layer URL may name the layer id).
 */
export function remoteServiceSource(url: URL, layer: ServiceLayerRequest): RemoteServiceSource {
  const common = { type: 'remote-service' as const, layer: layer.layerName };
  switch (layer.serviceType) {
    case 'arcgis': {
      const root = arcgisRoot(url);
      if (!root)
        throw new UnprocessableError('An ArcGIS URL must end in /FeatureServer or /MapServer (or a layer of one).');
      const layerId = layer.layerId ?? root.layerId;
      if (layerId === null) throw new UnprocessableError('ArcGIS services need `layer_id` (see the probe).');
      return {
        ...common,
        url: root.root.href,
        service_type: 'arcgis',
        layer_id: layerId,
        object_id_field: layer.objectIdField,
        version: null,
      };
    }
    case 'oapif':
      return {
        ...common,
        url: oapifBase(url).href,
        service_type: 'oapif',
        layer_id: null,
        object_id_field: null,
        version: null,
      };
    case 'wfs':
      return {
        ...common,
        url: wfsBase(url).href,
        service_type: 'wfs',
        layer_id: null,
        object_id_field: layer.objectIdField,
        version: layer.version,
      };
    default: {
      const unknown: never = layer.serviceType;
      throw new UnprocessableError(`Unknown service type '${String(unknown)}'.`);
    }
  }
}
