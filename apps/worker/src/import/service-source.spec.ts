import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ImportFailure, ReaderFailure, RemoteFailure } from '@app/common';
import { ServiceTimeoutError, ServiceUnreachableError, SsrfRefusedError } from '@app/security';
import { RemoteAccessRefusedError } from '../remote/remote-source.js';
import { inSourceCrs } from './import-run.service.js';
import { ImportRunError } from './import.errors.js';
import { ReaderError, isoFromEpochMs } from './readers/index.js';
import { serviceReadError } from './service-source.js';

describe('serviceReadError', () => {
  it('a guard refusal or a refused token fails the run at once with their message', () => {
    const refused = serviceReadError(new SsrfRefusedError('loopback', '127.0.0.2'), null, 'things');
    expect(refused).toBeInstanceOf(ImportRunError);
    expect(refused).toMatchObject({
      code: ImportFailure.SourceRejected,
      message: expect.stringContaining('(rule: loopback)'),
    });
    expect(serviceReadError(new RemoteAccessRefusedError(), null, 'things')).toMatchObject({
      code: ImportFailure.SourceRejected,
      message: 'The remote service refused access; check the token.',
    });
  });

  it('an unreachable or slow service is a remote outage (retried), its message naming no address', () => {
    for (const error of [new ServiceUnreachableError(), new ServiceTimeoutError()]) {
      const mapped = serviceReadError(error, null, 'things');
      expect(mapped).toMatchObject({ code: RemoteFailure.Unavailable });
      expect((mapped as Error).message).not.toMatch(/\d+\.\d+\.\d+\.\d+|https?:/);
    }
  });

  it("a missing layer names the service's layer, not a file", () => {
    const mapped = serviceReadError(
      new ReaderError(ReaderFailure.LayerNotFound, "The file has no layer named 'x'. Its layers: a, b."),
      null,
      'ns:x',
    );
    expect(mapped).toMatchObject({
      failure: ReaderFailure.LayerNotFound,
      message: "The service has no layer named 'ns:x'.",
    });
  });

  it('anything else goes up as it is (the failure classifier decides)', () => {
    const other = new Error('boom');
    expect(serviceReadError(other, null, 'things')).toBe(other);
  });
});

describe('isoFromEpochMs', () => {
  it('reads epoch milliseconds (number or numeric text) as ISO; leaves the rest', () => {
    expect(isoFromEpochMs(Date.UTC(2024, 0, 2))).toBe('2024-01-02T00:00:00.000Z');
    expect(isoFromEpochMs(String(Date.UTC(2024, 0, 2, 3)))).toBe('2024-01-02T03:00:00.000Z');
    expect(isoFromEpochMs(null)).toBeNull();
    expect(isoFromEpochMs('2024-01-02')).toBe('2024-01-02');
    expect(isoFromEpochMs(1e20)).toBe(1e20);
  });
});

describe('inSourceCrs', () => {
  const row = (geometry: Parameters<typeof inSourceCrs>[0]['geometry']) => ({
    ok: true as const,
    row_number: 1,
    values: {},
    geometry,
  });

  it("labels a source geometry with the layer's CRS (the merge transforms it to the target's)", () => {
    expect(inSourceCrs(row({ geojson: '{}', srid: 4326 }), 3857).geometry).toEqual({ geojson: '{}', srid: 3857 });
  });

  it('leaves other geometries, and a source without a known CRS, alone', () => {
    const ewkt = row({ ewkt: 'SRID=4326;POINT(1 2)' });
    expect(inSourceCrs(ewkt, 3857)).toBe(ewkt);
    const geojson = row({ geojson: '{}', srid: 4326 });
    expect(inSourceCrs(geojson, null)).toBe(geojson);
    expect(inSourceCrs(row(null), 3857).geometry).toBeNull();
  });
});
