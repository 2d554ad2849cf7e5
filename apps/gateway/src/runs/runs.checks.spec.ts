import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '@app/common';
import type { ImporterSummary } from './importer-lookup.js';
import { acceptImporterFile, checkOverrides, formatFor } from './runs.checks.js';

const importer = (source: Partial<ImporterSummary['source']> = {}): ImporterSummary => ({
  slug: 'stations',
  title: 'Stations',
  source: {
    type: 'upload',
    formats: ['csv', 'xlsx'],
    url: null,
    key: null,
    service: null,
    overridable: [],
    max_size_bytes: 1000,
    ...source,
  },
});

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('formatFor / acceptImporterFile', () => {
  it('maps extensions to the importer’s formats', () => {
    expect(formatFor('a.CSV', ['csv'])).toBe('csv');
    expect(formatFor('a.jsonl', ['ndjson'])).toBe('ndjson');
    expect(formatFor('a.json', ['geojson'])).toBe('geojson');
    expect(formatFor('a.json', ['json', 'geojson'])).toBe('json');
    expect(formatFor('a.xlsx', ['csv'])).toBeNull();
  });

  it('keeps a safe basename of an accepted type', () => {
    expect(acceptImporterFile('../../etc/stations.csv', importer())).toBe('stations.csv');
  });

  it('refuses another type with 415 listing the accepted formats', () => {
    const error = errorOf(() => acceptImporterFile('stations.gpkg', importer()));
    expect(error.code).toBe(ErrorCode.UnsupportedMediaType);
    expect(error.extensions).toEqual({ accepted_formats: ['csv', 'xlsx'] });
  });

  it('refuses a nameless file with 422', () => {
    expect(errorOf(() => acceptImporterFile('', importer())).code).toBe(ErrorCode.Unprocessable);
  });
});

describe('checkOverrides', () => {
  const url = importer({ type: 'url', url: 'https://example.org/a.csv', overridable: ['url'] });
  const storage = importer({ type: 'storage', key: 'incoming/stations.csv', overridable: ['key'] });

  it('takes only the keys the importer lists', () => {
    expect(checkOverrides(url, { url: 'https://example.org/b.csv' })).toEqual({ url: 'https://example.org/b.csv' });
    expect(checkOverrides(url, {})).toEqual({});
    const error = errorOf(() => checkOverrides(url, { key: 'x.csv', url: 'https://example.org/b.csv' }));
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.extensions.errors).toEqual([
      { loc: ['body', 'source', 'key'], msg: 'key cannot be overridden for this importer', type: 'not_overridable' },
    ]);
    expect(errorOf(() => checkOverrides(importer({ type: 'url' }), { url: 'https://x' })).code).toBe(
      ErrorCode.Unprocessable,
    );
  });

  it('refuses empty or non-string values', () => {
    expect(errorOf(() => checkOverrides(url, { url: '' })).code).toBe(ErrorCode.Unprocessable);
    expect(errorOf(() => checkOverrides(url, { url: 5 })).code).toBe(ErrorCode.Unprocessable);
  });

  it('keeps a storage key in the directory of the importer’s key', () => {
    expect(checkOverrides(storage, { key: 'incoming/stations-2.csv' })).toEqual({ key: 'incoming/stations-2.csv' });
    for (const key of [
      'staging/other/secret.csv',
      'incoming/../staging/x.csv',
      'incoming/sub/x.csv',
      '/incoming/x.csv',
      'incoming/',
    ]) {
      expect(errorOf(() => checkOverrides(storage, { key })).code).toBe(ErrorCode.Unprocessable);
    }
  });

  const service = importer({
    type: 'service',
    formats: [],
    service: {
      url: 'https://example.org/wfs',
      service_type: 'wfs',
      layer_name: 'ns:a',
      layer_id: null,
      version: '2.0.0',
      object_id_field: null,
    },
    overridable: ['service.url', 'service.layer_name'],
  });

  it('service: takes `service` keys the importer lists, and a token for the run', () => {
    expect(
      checkOverrides(service, { service: { url: 'https://example.org/wfs2', layer_name: 'ns:b' }, token: 'abc' }),
    ).toEqual({ service: { url: 'https://example.org/wfs2', layer_name: 'ns:b' }, token: 'abc' });
    expect(checkOverrides(importer({ ...service.source, overridable: [] }), { token: 't' })).toEqual({ token: 't' });
  });

  it('service: refuses keys it does not list, values that are not layer names, and flat keys', () => {
    const error = errorOf(() =>
      checkOverrides(service, { service: { layer_id: '3', layer_name: '-x', url: '' }, url: 'https://e.org/x' }),
    );
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.extensions.errors).toEqual([
      expect.objectContaining({ loc: ['body', 'source', 'service', 'layer_id'], type: 'not_overridable' }),
      expect.objectContaining({ loc: ['body', 'source', 'service', 'layer_name'], type: 'layer' }),
      expect.objectContaining({ loc: ['body', 'source', 'service', 'url'], type: 'isString' }),
      expect.objectContaining({ loc: ['body', 'source', 'url'], type: 'not_overridable' }),
    ]);
    expect(errorOf(() => checkOverrides(service, { service: 'https://e.org/wfs' })).extensions.errors).toEqual([
      expect.objectContaining({ loc: ['body', 'source', 'service'], type: 'isObject' }),
    ]);
    expect(errorOf(() => checkOverrides(service, { token: 'a\nb' })).code).toBe(ErrorCode.Unprocessable);
    // Only service importers take a token.
    expect(errorOf(() => checkOverrides(url, { token: 'abc' })).extensions.errors).toEqual([
      expect.objectContaining({ loc: ['body', 'source', 'token'], type: 'not_overridable' }),
    ]);
  });
});
