import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { commitOptionsOf, defaultDatasetTitle } from './commit-options.js';
import { InvalidJobDocumentError } from './job-kind.js';
import { parseCommitRequest } from './job-params.js';

describe('commitOptionsOf', () => {
  it('reads vector options', () => {
    expect(
      commitOptionsOf('vector', { title: 'Roads', srid_override: 3857, x_column: 'lon', y_column: 'lat' }),
    ).toEqual({
      kind: 'vector',
      title: 'Roads',
      summary: null,
      srid_override: 3857,
      x_column: 'lon',
      y_column: 'lat',
      geom_column: null,
    });
  });

  it('reads raster options, leaving out a codec or resampling nobody chose', () => {
    expect(
      commitOptionsOf('raster', { title: 'DEM', resampling: 'cubic', nodata_override: -9999, strict_cog: true }),
    ).toStrictEqual({
      kind: 'raster',
      title: 'DEM',
      summary: null,
      srid_override: null,
      resampling: 'cubic',
      nodata_override: -9999,
      strict_cog: true,
    });
    expect(commitOptionsOf('raster', { compression: 'ZSTD' })).toStrictEqual({
      kind: 'raster',
      summary: null,
      srid_override: null,
      compression: 'ZSTD',
      nodata_override: null,
      strict_cog: false,
    });
  });

  it('keeps only the fields of the kind the preview found', () => {
    const commit = {
      title: 'Both',
      summary: 'S',
      srid_override: 4326,
      x_column: 'x',
      y_column: 'y',
      geom_column: 'wkt',
      compression: 'LZW',
      resampling: 'mode',
      nodata_override: 0,
      strict_cog: true,
    } as const;
    expect(commitOptionsOf('vector', commit)).toStrictEqual({
      kind: 'vector',
      title: 'Both',
      summary: 'S',
      srid_override: 4326,
      x_column: 'x',
      y_column: 'y',
      geom_column: 'wkt',
    });
    expect(commitOptionsOf('raster', commit)).toStrictEqual({
      kind: 'raster',
      title: 'Both',
      summary: 'S',
      srid_override: 4326,
      compression: 'LZW',
      resampling: 'mode',
      nodata_override: 0,
      strict_cog: true,
    });
  });

  it('treats a job without a preview or commit as a vector job with no options', () => {
    expect(commitOptionsOf(null, null)).toStrictEqual({
      kind: 'vector',
      summary: null,
      srid_override: null,
      x_column: null,
      y_column: null,
      geom_column: null,
    });
    expect(commitOptionsOf(null, { title: 'T', x_column: 'lon' })).toMatchObject({ kind: 'vector', x_column: 'lon' });
    expect(commitOptionsOf('raster', null)).toStrictEqual({
      kind: 'raster',
      summary: null,
      srid_override: null,
      nodata_override: null,
      strict_cog: false,
    });
  });

  it.each([
    { compression: 'JPEG' },
    { strict_cog: 'yes' },
    { srid_override: '4326' },
    { nodata_override: Number.NaN },
    { resampling: 'lanczos' },
  ])('never sees a stored value outside the allowed sets: reading %j refuses it', (commit) => {
    expect(() => commitOptionsOf('raster', parseCommitRequest(commit))).toThrow(InvalidJobDocumentError);
  });

  it('keeps explicit nulls as null and a nodata of 0 as 0', () => {
    expect(commitOptionsOf('vector', { summary: null, srid_override: null, geom_column: null })).toMatchObject({
      summary: null,
      srid_override: null,
      geom_column: null,
    });
    expect(commitOptionsOf('raster', { nodata_override: 0, strict_cog: false })).toMatchObject({
      nodata_override: 0,
      strict_cog: false,
    });
  });
});

describe('defaultDatasetTitle', () => {
  it('names the file without its extension, then the layer', () => {
    expect(defaultDatasetTitle('layers3.gpkg', 'roads')).toBe('layers3: roads');
    expect(defaultDatasetTitle('scan.tif', null)).toBe('scan');
    expect(defaultDatasetTitle('archive.shp.zip', 'parcels')).toBe('archive.shp: parcels');
    expect(defaultDatasetTitle(null, null)).toBe('dataset');
  });
});
