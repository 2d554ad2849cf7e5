import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { InvalidJobDocumentError } from './job-kind.js';
import { isBoundFile, isSourceReady, parseJobSource, type JobSource, type UploadState } from './job-source.js';

const PRESIGNED: Extract<UploadState, { mode: 'presigned' }> = {
  mode: 'presigned',
  incoming_key: 'staging/j1/incoming/roads.gpkg',
  upload_id: 'mpu-1',
  part_size: 8_388_608,
  part_count: 3,
  content_type: 'application/geopackage+sqlite3',
  completion_digest: null,
  completing: null,
};

/** The message of the error `run` throws; fails unless it is an InvalidJobDocumentError. */
function refusal(run: () => unknown): string {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidJobDocumentError);
  return (caught as Error).message;
}

describe('parseJobSource', () => {
  describe('accepts each source type and returns exactly its fields', () => {
    it.each<[string, JobSource]>([
      [
        'a bound direct upload',
        { type: 'stored-file', key: 'staging/j1/roads.gpkg', size: 1234, upload: { mode: 'direct' } },
      ],
      ['an unbound presigned upload', { type: 'stored-file', key: null, size: 20_000_000, upload: PRESIGNED }],
      [
        'a bound presigned upload under a completion lease',
        {
          type: 'stored-file',
          key: 'staging/j1/incoming/roads.gpkg',
          size: 0,
          upload: {
            ...PRESIGNED,
            upload_id: null,
            part_size: null,
            part_count: 1,
            completion_digest: 'ab12',
            completing: { token: 't-1', until: '2030-01-01 00:00:00+00' },
          },
        },
      ],
      [
        'a remote service layer',
        {
          type: 'remote-service',
          url: 'https://example.org/wfs',
          service_type: 'wfs',
          layer: 'roads',
          layer_id: null,
          object_id_field: null,
          version: '2.0.0',
        },
      ],
      [
        'an ArcGIS layer with ids',
        {
          type: 'remote-service',
          url: 'https://example.org/arcgis/rest/services/x/FeatureServer',
          service_type: 'arcgis',
          layer: 'Parcels',
          layer_id: '3',
          object_id_field: 'OBJECTID',
          version: null,
        },
      ],
      ['datasets', { type: 'datasets', ids: ['d1', 'd2'] }],
      ['no datasets', { type: 'datasets', ids: [] }],
      ['a file fetched from a URL', { type: 'remote-file', url: 'https://data.example.org/stations.csv' }],
      ['an object read in place', { type: 'storage-object', key: 'incoming/stations.csv' }],
      ['the failed rows of a run', { type: 'failed-rows', job_id: '7d0f4c1e-2b1a-4c55-9a7e-1f3b2c4d5e6f' }],
      ['nothing', { type: 'none' }],
    ])('%s', (_name, source) => {
      expect(parseJobSource(structuredClone(source))).toStrictEqual(source);
    });

    it('fills absent optional fields with null (and the default content type)', () => {
      expect(parseJobSource({ type: 'stored-file', upload: { mode: 'direct' } })).toStrictEqual({
        type: 'stored-file',
        key: null,
        size: null,
        upload: { mode: 'direct' },
      });
      expect(
        parseJobSource({
          type: 'stored-file',
          key: null,
          size: 5,
          upload: { mode: 'presigned', incoming_key: 'in/k', part_count: 1 },
        }),
      ).toStrictEqual({
        type: 'stored-file',
        key: null,
        size: 5,
        upload: {
          mode: 'presigned',
          incoming_key: 'in/k',
          upload_id: null,
          part_size: null,
          part_count: 1,
          content_type: 'application/octet-stream',
          completion_digest: null,
          completing: null,
        },
      });
      expect(
        parseJobSource({ type: 'remote-service', url: 'https://x.test/ogc', service_type: 'oapif', layer: 'l' }),
      ).toStrictEqual({
        type: 'remote-service',
        url: 'https://x.test/ogc',
        service_type: 'oapif',
        layer: 'l',
        layer_id: null,
        object_id_field: null,
        version: null,
      });
    });

    it('drops fields a source type does not have', () => {
      expect(parseJobSource({ type: 'none', key: 'leftover' })).toStrictEqual({ type: 'none' });
      expect(
        parseJobSource({ type: 'stored-file', key: 'k', size: 1, upload: { mode: 'direct', incoming_key: 'x' } }),
      ).toStrictEqual({ type: 'stored-file', key: 'k', size: 1, upload: { mode: 'direct' } });
    });
  });

  describe('refuses', () => {
    it.each<[string, unknown, string]>([
      ['null', null, 'source is not an object'],
      ['a string', 'stored-file', 'source is not an object'],
      ['an array', [{ type: 'none' }], 'source is not an object'],
      ['a URL source without its url', { type: 'remote-file' }, 'url must be a non-empty string'],
      ['a retry source without its run', { type: 'failed-rows', job_id: '' }, 'job_id must be a non-empty string'],
      ['a missing type', { key: 'k' }, "type 'undefined' is unknown"],
      ['an unknown type', { type: 'ftp' }, "type 'ftp' is unknown"],
      ['a type in the wrong case', { type: 'Stored-File' }, "type 'Stored-File' is unknown"],
    ])('%s', (_name, value, problem) => {
      expect(refusal(() => parseJobSource(value))).toBe(`Invalid stored job source: ${problem}.`);
    });

    const file = (fields: Record<string, unknown>): unknown => ({
      type: 'stored-file',
      key: 'k',
      size: 1,
      upload: { mode: 'direct' },
      ...fields,
    });
    const presigned = (fields: Record<string, unknown>): unknown =>
      file({ key: null, upload: { ...PRESIGNED, ...fields } });

    it.each<[string, unknown, string]>([
      ['an empty key', file({ key: '' }), 'key must be a non-empty string'],
      ['a numeric key', file({ key: 7 }), 'key must be a non-empty string'],
      ['a string size', file({ size: '1234' }), 'size must be a non-negative integer'],
      ['a negative size', file({ size: -1 }), 'size must be a non-negative integer'],
      ['a fractional size', file({ size: 1.5 }), 'size must be a non-negative integer'],
      ['a missing upload', file({ upload: undefined }), 'upload is not an object'],
      ['an upload that is a string', file({ upload: 'direct' }), 'upload is not an object'],
      ['an unknown upload mode', file({ upload: { mode: 'ftp' } }), "upload.mode 'ftp' is unknown"],
      ['a missing upload mode', file({ upload: {} }), "upload.mode 'undefined' is unknown"],
      [
        'a presigned upload without its incoming key',
        presigned({ incoming_key: undefined }),
        'incoming_key must be a non-empty string',
      ],
      ['a presigned upload without a part count', presigned({ part_count: undefined }), 'part_count is required'],
      [
        'a presigned upload with a negative part count',
        presigned({ part_count: -2 }),
        'part_count must be a non-negative integer',
      ],
      [
        'a presigned upload with a numeric upload id',
        presigned({ upload_id: 12 }),
        'upload_id must be a non-empty string',
      ],
      ['a lease that is not an object', presigned({ completing: 'yes' }), 'completing is not an object'],
      [
        'a lease without a token',
        presigned({ completing: { until: '2030-01-01' } }),
        'token must be a non-empty string',
      ],
      ['a lease without an end', presigned({ completing: { token: 't' } }), 'until must be a non-empty string'],
    ])('a stored file with %s', (_name, value, problem) => {
      expect(refusal(() => parseJobSource(value))).toBe(`Invalid stored job source: ${problem}.`);
    });

    const service = (fields: Record<string, unknown>): unknown => ({
      type: 'remote-service',
      url: 'https://example.org/wfs',
      service_type: 'wfs',
      layer: 'roads',
      ...fields,
    });

    it.each<[string, unknown, string]>([
      ['without a url', service({ url: undefined }), 'url must be a non-empty string'],
      ['with an unknown service type', service({ service_type: 'wms' }), 'service_type is unknown'],
      ['without a service type', service({ service_type: undefined }), 'service_type is unknown'],
      ['without a layer', service({ layer: undefined }), 'layer must be a non-empty string'],
      ['with a numeric layer id', service({ layer_id: 3 }), 'layer_id must be a non-empty string'],
    ])('a remote service %s', (_name, value, problem) => {
      expect(refusal(() => parseJobSource(value))).toBe(`Invalid stored job source: ${problem}.`);
    });

    it.each<[string, unknown, string]>([
      ['without ids', { type: 'datasets' }, 'ids must be an array'],
      ['with ids that are an object', { type: 'datasets', ids: { 0: 'a' } }, 'ids must be an array'],
      ['with a non-string id', { type: 'datasets', ids: ['a', 2] }, 'ids must be strings'],
    ])('datasets %s', (_name, value, problem) => {
      expect(refusal(() => parseJobSource(value))).toBe(`Invalid stored job source: ${problem}.`);
    });
  });
});

describe('isSourceReady and isBoundFile', () => {
  const cases: [string, JobSource, boolean][] = [
    ['a bound direct upload', { type: 'stored-file', key: 'k', size: 1, upload: { mode: 'direct' } }, true],
    ['a bound presigned upload', { type: 'stored-file', key: 'k', size: 1, upload: PRESIGNED }, true],
    ['an unbound presigned upload', { type: 'stored-file', key: null, size: 1, upload: PRESIGNED }, false],
    ['an unbound direct upload', { type: 'stored-file', key: null, size: null, upload: { mode: 'direct' } }, false],
  ];

  it.each(cases)('%s: ready and bound only when its bytes are (%s)', (_name, source, bound) => {
    expect(isSourceReady(source)).toBe(bound);
    expect(isBoundFile(source)).toBe(bound);
  });

  it.each<JobSource>([
    {
      type: 'remote-service',
      url: 'https://example.org/wfs',
      service_type: 'wfs',
      layer: 'roads',
      layer_id: null,
      object_id_field: null,
      version: null,
    },
    { type: 'datasets', ids: ['d1'] },
    { type: 'none' },
  ])('a $type source is ready but is not a bound file', (source) => {
    expect(isSourceReady(source)).toBe(true);
    expect(isBoundFile(source)).toBe(false);
  });
});
