import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { xxeDoctype } from './hostile-corpus.js';

/**
 * A WFS 2.0 server on 127.0.0.1 whose every XML answer (capabilities, schema, features) carries a DOCTYPE
 * with external entities: `file:///etc/passwd`, and URLs on a recording listener (an entity and a
 * parameter entity, which a resolving parser fetches while reading the DOCTYPE). Its features use them in
 * their text. A safe reader never fetches them and never shows the file.
 */
export interface XxeWfs {
  url: string;
  /** Requests the WFS itself saw (`REQUEST=` values). */
  requests: string[];
  close(): Promise<void>;
}

const NS =
  'xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xxe="http://example.org/xxe" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:fes="http://www.opengis.net/fes/2.0"';

function capabilities(base: string, listener: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
${xxeDoctype('wfs:WFS_Capabilities', listener)}<wfs:WFS_Capabilities version="2.0.0" ${NS}>
<ows:ServiceIdentification><ows:Title>&xxe;&net;</ows:Title><ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>
<ows:OperationsMetadata>
${['GetCapabilities', 'DescribeFeatureType', 'GetFeature']
  .map(
    (op) =>
      `<ows:Operation name="${op}"><ows:DCP><ows:HTTP><ows:Get xlink:href="${base}?" xmlns:xlink="http://www.w3.org/1999/xlink"/></ows:HTTP></ows:DCP></ows:Operation>`,
  )
  .join('\n')}
<ows:Constraint name="ImplementsResultPaging"><ows:NoValues/><ows:DefaultValue>FALSE</ows:DefaultValue></ows:Constraint>
</ows:OperationsMetadata>
<wfs:FeatureTypeList><wfs:FeatureType><wfs:Name>xxe:things</wfs:Name><wfs:Title>&xxe;</wfs:Title><wfs:DefaultCRS>urn:ogc:def:crs:EPSG::4326</wfs:DefaultCRS>
<ows:WGS84BoundingBox><ows:LowerCorner>0 0</ows:LowerCorner><ows:UpperCorner>20 60</ows:UpperCorner></ows:WGS84BoundingBox></wfs:FeatureType></wfs:FeatureTypeList>
</wfs:WFS_Capabilities>`;
}

function schema(listener: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
${xxeDoctype('xsd:schema', listener)}<xsd:schema ${NS} targetNamespace="http://example.org/xxe" elementFormDefault="qualified">
<xsd:import namespace="http://www.opengis.net/gml/3.2" schemaLocation="${listener}/gml.xsd"/>
<xsd:element name="things" type="xxe:thingsType" substitutionGroup="gml:AbstractFeature"/>
<xsd:complexType name="thingsType"><xsd:complexContent><xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>
<xsd:element name="code" type="xsd:string"/><xsd:element name="name" type="xsd:string"/><xsd:element name="geom" type="gml:PointPropertyType"/>
</xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>
</xsd:schema>`;
}

function features(listener: string, hits: boolean): string {
  const members = hits
    ? ''
    : [1, 2]
        .map(
          (i) =>
            `<wfs:member><xxe:things gml:id="things.${i}"><xxe:code>T${i}</xxe:code><xxe:name>&xxe;&net;</xxe:name><xxe:geom><gml:Point gml:id="p${i}" srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>50 ${10 + i}</gml:pos></gml:Point></xxe:geom></xxe:things></wfs:member>`,
        )
        .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
${xxeDoctype('wfs:FeatureCollection', listener)}<wfs:FeatureCollection ${NS} numberMatched="2" numberReturned="${hits ? 0 : 2}" timeStamp="2026-01-01T00:00:00Z">
${members}
</wfs:FeatureCollection>`;
}

export async function startXxeWfs(listener: string): Promise<XxeWfs> {
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = new Map([...url.searchParams].map(([k, v]) => [k.toUpperCase(), v]));
    const request = (params.get('REQUEST') ?? '').toLowerCase();
    requests.push(request || url.pathname);
    const xml = (body: string): void => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
    };
    if (request === 'getcapabilities') xml(capabilities(base, listener));
    else if (request === 'describefeaturetype') xml(schema(listener));
    else if (request === 'getfeature')
      xml(features(listener, (params.get('RESULTTYPE') ?? '').toLowerCase() === 'hits'));
    else res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown request');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wfs`;
  return {
    url: base,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
