import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import { DomainError } from '@app/common';
import { GuardedHttpClient, SsrfAllowlist, SsrfGuard } from '@app/security';
import { ArcGisServer } from '../../../../test/services/arcgis/arcgis-server.js';
import { MapServerHost } from '../../../../test/services/mapserver/mapserver.js';
import { ServiceProbeService } from './probe.service.js';

/** The status and problem type a probe failed with. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the probe succeeded');
}

describe('ServiceProbeService against real servers on loopback', () => {
  const config = parseConfig({ REMOTE_TIMEOUT_MS: '3000' });
  // Loopback is allowlisted here only, as an operator would allow an internal service.
  const probes = new ServiceProbeService(
    new GuardedHttpClient(new SsrfGuard(SsrfAllowlist.parse('127.0.0.1'))),
    config,
  );
  const strict = new ServiceProbeService(new GuardedHttpClient(new SsrfGuard(SsrfAllowlist.parse(''))), config);
  const mapserver = new MapServerHost('.tmp/services/mapserver-probe', [
    { name: 'sites', count: 1234 },
    { name: 'wells', count: 40 },
  ]);
  const arcgis = new ArcGisServer({ count: 1234 });
  const secured = new ArcGisServer({ count: 10, token: 'good-token' });
  let slow: Server;
  let html: Server;
  let slowPort = 0;
  let htmlPort = 0;

  beforeAll(async () => {
    await Promise.all([mapserver.start(), arcgis.start(), secured.start()]);
    slow = createServer(() => undefined);
    html = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((ok) => slow.listen(0, '127.0.0.1', ok));
    await new Promise<void>((ok) => html.listen(0, '127.0.0.1', ok));
    slowPort = (slow.address() as AddressInfo).port;
    htmlPort = (html.address() as AddressInfo).port;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([mapserver.stop(), arcgis.stop(), secured.stop()]);
    slow.closeAllConnections();
    await new Promise((ok) => slow.close(ok));
    await new Promise((ok) => html.close(ok));
  });

  it('detects WFS 2.0.0 (the highest MapServer offers) from the base URL and lists its feature types', async () => {
    const result = await probes.probe(mapserver.wfsUrl, undefined);
    expect(result.service_type).toBe('WFS 2.0.0');
    expect(result.url).toBe(mapserver.wfsUrl);
    expect(result.layers.map((l) => [l.name, l.title])).toEqual([
      ['ms:sites', 'sites (points)'],
      ['ms:wells', 'wells (points)'],
    ]);
  });

  it('detects WFS from a full GetCapabilities URL and normalises it', async () => {
    const result = await probes.probe(
      `${mapserver.wfsUrl}?service=WFS&request=GetCapabilities&version=1.1.0`,
      undefined,
    );
    expect(result.service_type).toBe('WFS 2.0.0');
    expect(result.url).toBe(mapserver.wfsUrl);
  });

  it.each(['1.1.0', '1.0.0'])('detects a server that offers only WFS %s', async (version) => {
    // Real MapServer capabilities of that version, replayed whatever version the client asks for.
    const caps = await (
      await fetch(`${mapserver.wfsUrl}?SERVICE=WFS&REQUEST=GetCapabilities&VERSION=${version}`)
    ).text();
    const only = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(caps));
    await new Promise<void>((ok) => only.listen(0, '127.0.0.1', ok));
    try {
      const result = await probes.probe(
        `http://127.0.0.1:${(only.address() as AddressInfo).port}/ows?service=WFS`,
        undefined,
      );
      expect(result.service_type).toBe(`WFS ${version}`);
      expect(result.layers.map((l) => l.name)).toEqual(['sites', 'wells']);
    } finally {
      await new Promise((ok) => only.close(ok));
    }
  });

  it('detects OGC API Features from the landing page and lists its collections', async () => {
    const result = await probes.probe(mapserver.oapifUrl, undefined);
    expect(result).toMatchObject({ service_type: 'OGC API Features', url: mapserver.oapifUrl });
    expect(result.layers.map((l) => l.name).sort()).toEqual(['sites', 'wells']);
  });

  it('detects an ArcGIS FeatureServer and MapServer with layers, tables and counts', async () => {
    const fs = await probes.probe(`${arcgis.serviceUrl('FeatureServer')}/0/query?where=1%3D1`, undefined);
    expect(fs).toEqual({
      service_type: 'ArcGIS FeatureServer',
      url: arcgis.serviceUrl('FeatureServer'),
      layers: [
        { name: 'sites', title: 'sites', id: '0', geometry_type: 'Point', feature_count: 1234 },
        { name: 'inspections', title: 'inspections', id: '1', geometry_type: null, feature_count: 7 },
      ],
    });
    const ms = await probes.probe(arcgis.serviceUrl('MapServer'), undefined);
    expect(ms.service_type).toBe('ArcGIS MapServer');
  });

  it('answers 403 for a missing or bad ArcGIS token (errors 499/498), and lists with the right one', async () => {
    expect(await failure(probes.probe(secured.serviceUrl(), undefined))).toMatchObject({ status: 403 });
    expect(await failure(probes.probe(secured.serviceUrl(), 'wrong'))).toMatchObject({ status: 403 });
    const ok = await probes.probe(secured.serviceUrl(), 'good-token');
    expect(ok.layers[0]).toMatchObject({ name: 'sites', feature_count: 10 });
    // The token travelled as a header, never in a URL.
    expect(secured.requests.every((r) => !r.includes('good-token'))).toBe(true);
  });

  it('answers 422 for a server that is not a feature service', async () => {
    expect(await failure(probes.probe(`http://127.0.0.1:${htmlPort}/`, undefined))).toMatchObject({
      status: 422,
      code: 'unprocessable',
    });
  });

  it('answers 504 when the service is too slow and 502 when nothing listens', async () => {
    expect(await failure(probes.probe(`http://127.0.0.1:${slowPort}/wfs`, undefined))).toMatchObject({ status: 504 });
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    expect(await failure(probes.probe(`http://127.0.0.1:${port}/wfs`, undefined))).toMatchObject({ status: 502 });
  });

  it('refuses loopback without the allowlist: 422 ssrf-refused naming the rule, and the server sees nothing', async () => {
    const before = mapserver.requests.length;
    const refused = await failure(strict.probe(mapserver.wfsUrl, undefined));
    expect(refused).toMatchObject({ status: 422, code: 'ssrf-refused' });
    expect(refused.message).toContain('loopback');
    expect(mapserver.requests.length).toBe(before);
  });
});
