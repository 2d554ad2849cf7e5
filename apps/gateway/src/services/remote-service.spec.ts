import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { DomainError } from '@app/common';
import { remoteServiceSource, type ServiceLayerRequest } from './remote-service.js';

const layer = (over: Partial<ServiceLayerRequest> = {}): ServiceLayerRequest => ({
  serviceType: 'wfs',
  layerName: 'ns:a',
  layerId: null,
  objectIdField: null,
  version: '2.0.0',
  ...over,
});

describe('remoteServiceSource', () => {
  it('WFS: the endpoint without protocol parameters, with its version and sort field', () => {
    const url = new URL('https://x.test/wfs?map=a&SERVICE=WFS&REQUEST=GetCapabilities&version=1.1.0');
    expect(remoteServiceSource(url, layer({ objectIdField: 'gid' }))).toEqual({
      type: 'remote-service',
      url: 'https://x.test/wfs?map=a',
      service_type: 'wfs',
      layer: 'ns:a',
      layer_id: null,
      object_id_field: 'gid',
      version: '2.0.0',
    });
  });

  it('OGC API Features: the landing page', () => {
    const url = new URL('https://x.test/ogc/collections/things/items?f=json');
    expect(remoteServiceSource(url, layer({ serviceType: 'oapif', layerName: 'things', version: null }))).toMatchObject(
      { url: 'https://x.test/ogc', service_type: 'oapif', layer: 'things', layer_id: null, version: null },
    );
  });

  it('ArcGIS: the service root; the layer id given, else the one the URL names', () => {
    const root = 'https://x.test/arcgis/rest/services/S/FeatureServer';
    const arc = (href: string, layerId: string | null) =>
      remoteServiceSource(new URL(href), layer({ serviceType: 'arcgis', layerName: 'sites', layerId, version: null }));
    expect(arc(root, '2')).toMatchObject({ url: root, service_type: 'arcgis', layer_id: '2', version: null });
    expect(arc(`${root}/4/query?where=1%3D1`, null)).toMatchObject({ url: root, layer_id: '4' });
    expect(() => arc(root, null)).toThrow(DomainError);
    expect(() => arc('https://x.test/arcgis/rest/services/S', '1')).toThrow(/FeatureServer or \/MapServer/);
  });
});
