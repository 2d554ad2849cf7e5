import { describe, expect, it } from 'vitest';
import { commitOptionsOf, defaultDatasetTitle } from './commit-options.js';

describe('commitOptionsOf', () => {
  it('reads vector options', () => {
    expect(
      commitOptionsOf({
        source_kind: 'vector',
        commit: { title: 'Roads', srid_override: 3857, x_column: 'lon', y_column: 'lat' },
      }),
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

  it('reads raster options and drops values outside the allowed sets', () => {
    expect(
      commitOptionsOf({
        source_kind: 'raster',
        commit: { title: 'DEM', compression: 'JPEG', resampling: 'cubic', nodata_override: -9999, strict_cog: 'yes' },
      }),
    ).toEqual({
      kind: 'raster',
      title: 'DEM',
      summary: null,
      srid_override: null,
      compression: undefined,
      resampling: 'cubic',
      nodata_override: -9999,
      strict_cog: false,
    });
  });

  it('treats a job without a preview or commit as a vector job with no options', () => {
    expect(commitOptionsOf({})).toMatchObject({ kind: 'vector', title: undefined, srid_override: null });
    expect(commitOptionsOf({ commit: 'nonsense', source_kind: 'raster' })).toMatchObject({ kind: 'raster' });
  });

  it('ignores non-finite and non-numeric numbers', () => {
    expect(commitOptionsOf({ commit: { srid_override: '4326' } }).srid_override).toBeNull();
    expect(commitOptionsOf({ source_kind: 'raster', commit: { nodata_override: Number.NaN } })).toMatchObject({
      nodata_override: null,
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
