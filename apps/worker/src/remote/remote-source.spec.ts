import { describe, expect, it } from 'vitest';
import type { RemoteServiceSource } from '@app/jobs';
import {
  REMOTE_PAGE_SIZE,
  RemoteLayerMissingError,
  describedFields,
  gdalDatasetOf,
  oapifVrt,
  remoteRefusal,
  wfsSortCandidate,
} from './remote-source.js';

const wfs: RemoteServiceSource = {
  type: 'remote-service',
  url: 'http://wfs.example/ows?map=geo',
  service_type: 'wfs',
  layer: 'ms:sites',
  layer_id: null,
  object_id_field: null,
  version: '2.0.0',
};

describe('gdalDatasetOf', () => {
  it("sorts WFS pages server-side when a sort field is known, keeping the URL's own parameters", () => {
    const { path, layerName } = gdalDatasetOf(wfs, null, { sortBy: 'id' });
    expect(layerName).toBe('ms:sites');
    const url = new URL(path.replace(/^WFS:/, ''));
    expect(url.searchParams.get('map')).toBe('geo');
    expect(url.searchParams.get('VERSION')).toBe('2.0.0');
    expect(url.searchParams.get('SORTBY')).toBe('id ASC');
  });

  it('asks for no sort when the server cannot sort', () => {
    expect(gdalDatasetOf(wfs, null, { sortBy: null }).path).not.toMatch(/SORTBY/i);
  });

  it('reads OGC API Features through a VRT that sets the page size (gdal-async drops open options)', () => {
    const { path, layerName } = gdalDatasetOf(
      { ...wfs, service_type: 'oapif', url: 'http://api.example/ogc?a=1&b=2', layer: 'sites', version: null },
      null,
    );
    expect(layerName).toBe('sites');
    expect(path).toContain(`<OOI key="PAGE_SIZE">${REMOTE_PAGE_SIZE}</OOI>`);
    expect(path).toContain('<SrcDataSource relativeToVRT="0">OAPIF:http://api.example/ogc?a=1&amp;b=2</SrcDataSource>');
    expect(path).toContain('<SrcLayer>sites</SrcLayer>');
  });

  it('escapes layer names in the VRT', () => {
    expect(oapifVrt('http://x/', 'a"<b>&c', 50)).toContain('<OGRVRTLayer name="a&quot;&lt;b&gt;&amp;c">');
  });
});

describe('WFS sort field', () => {
  const schema = `<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:gml="http://www.opengis.net/gml/3.2">
  <element name="sites" type="ms:sitesType" substitutionGroup="gml:AbstractFeature" />
  <complexType name="sitesType"><complexContent><extension base="gml:AbstractFeatureType"><sequence>
    <element name="geom" type="gml:PointPropertyType" minOccurs="0" maxOccurs="1"/>
    <element name="ID" minOccurs="0" type="long"/>
    <element name="name" minOccurs="0" type="string"/>
  </sequence></extension></complexContent></complexType>
</schema>`;

  it('lists the declared fields, not the feature element', () => {
    expect(describedFields(schema)).toEqual(['geom', 'ID', 'name']);
    expect(describedFields(schema.replace(/<element/g, '<xsd:element'))).toEqual(['geom', 'ID', 'name']);
  });

  it('prefers the field the user named, then an id-like field, else none', () => {
    expect(wfsSortCandidate(['geom', 'ID', 'name'], 'name')).toBe('name');
    expect(wfsSortCandidate(['geom', 'ID', 'name'], 'missing')).toBe('ID');
    expect(wfsSortCandidate(['geom', 'OBJECTID'], null)).toBe('OBJECTID');
    expect(wfsSortCandidate(['geom', 'name'], null)).toBeNull();
  });
});

describe('remoteRefusal', () => {
  // What a GDAL task's internal failure looks like to the worker: a generic message, GDAL's words inside.
  const gdalFailure = (message: string): Error =>
    Object.assign(new Error('GDAL step failed (internal)'), {
      failure: { kind: 'internal', code: 'internal', message },
    });

  it("reads GDAL's wording from a task failure: timeouts (also the proxy's 504), refused tokens", () => {
    expect(remoteRefusal(gdalFailure('Error: Error returned by server : HTTP error code : 504 (0)'), null)?.code).toBe(
      'remote-timeout',
    );
    expect(
      remoteRefusal(
        gdalFailure('Error: Error returned by server : Operation timed out after 2003 milliseconds (28)'),
        null,
      )?.code,
    ).toBe('remote-timeout');
    expect(remoteRefusal(gdalFailure('Error: HTTP error code : 401'), null)?.code).toBe('remote-forbidden');
    expect(remoteRefusal(gdalFailure('Error: HTTP error code : 503'), null)).toBeNull();
  });

  it('names a missing OGC API collection', () => {
    expect(remoteRefusal(new RemoteLayerMissingError('x'), null)).toEqual({
      code: 'unknown-layer',
      message: "The service has no layer named 'x'.",
    });
  });
});
