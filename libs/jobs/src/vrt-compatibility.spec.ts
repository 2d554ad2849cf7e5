import { describe, expect, it } from 'vitest';
import type { RasterInfo } from '@app/contracts';
import { vrtIncompatibilities, type VrtCandidate } from './vrt-compatibility.js';

const raster = (over: Partial<RasterInfo> = {}): RasterInfo => ({
  width: 64,
  height: 64,
  band_count: 1,
  dtype: 'Byte',
  nodata: 0,
  res_x: 10,
  res_y: -10,
  geo_transform: [300000, 10, 0, 5800640, 0, -10],
  ...over,
});
const source = (id: string, over: Partial<RasterInfo> = {}, crs: number | null = 32633): VrtCandidate => ({
  id,
  kind: 'raster',
  crs,
  raster: raster(over),
});
const codes = (list: { source_id: string; code: string }[]): string[] => list.map((p) => `${p.source_id}:${p.code}`);

describe('vrtIncompatibilities', () => {
  it('accepts adjacent tiles of one CRS, type, band count and nodata, also at another resolution', () => {
    const tiles = [
      source('a'),
      source('b', { geo_transform: [300640, 10, 0, 5800640, 0, -10] }),
      source('c', { res_x: 20, res_y: -20, geo_transform: [301280, 20, 0, 5800640, 0, -20] }),
    ];
    expect(vrtIncompatibilities('mosaic', tiles)).toEqual([]);
  });

  it('lists every problem of every source at once, naming the source and not the reference', () => {
    const problems = vrtIncompatibilities('mosaic', [
      source('ref'),
      source('crs', {}, 4326),
      source('bands', { band_count: 3 }),
      source('dtype', { dtype: 'UInt16' }),
      source('many', { dtype: 'Float32', nodata: -9999, band_count: 2 }, 3857),
    ]);
    expect(codes(problems)).toEqual([
      'crs:crs_mismatch',
      'bands:band_count_mismatch',
      'dtype:dtype_mismatch',
      'many:crs_mismatch',
      'many:band_count_mismatch',
      'many:dtype_mismatch',
      'many:nodata_mismatch',
    ]);
    expect(problems[0]?.message).toBe('Dataset crs is in EPSG:4326, the mosaic in EPSG:32633.');
  });

  it('compares nodata by value, not by presence; NaN equals NaN', () => {
    expect(codes(vrtIncompatibilities('mosaic', [source('a', { nodata: 0 }), source('b', { nodata: 255 })]))).toEqual([
      'b:nodata_mismatch',
    ]);
    expect(codes(vrtIncompatibilities('mosaic', [source('a', { nodata: null }), source('b', { nodata: 0 })]))).toEqual([
      'b:nodata_mismatch',
    ]);
    expect(vrtIncompatibilities('mosaic', [source('a', { nodata: NaN }), source('b', { nodata: NaN })])).toEqual([]);
  });

  it('refuses rotated rasters, unknown pixel geometry, unknown CRS and non-rasters', () => {
    const problems = vrtIncompatibilities('mosaic', [
      source('a'),
      source('rot', { geo_transform: [300000, 10, 0.5, 5800640, 0.5, -10] }),
      source('legacy', { geo_transform: undefined }),
      source('nocrs', {}, null),
      { id: 'vec', kind: 'vector', crs: 4326, raster: null },
    ]);
    expect(codes(problems)).toEqual([
      'rot:rotated_raster',
      'legacy:unknown_pixel_geometry',
      'nocrs:crs_unknown',
      'vec:not_raster',
    ]);
  });

  it('band stacks: single-band sources on one grid; band counts of mosaics do not apply', () => {
    expect(vrtIncompatibilities('band_stack', [source('a'), source('b', { nodata: 0 }), source('c')])).toEqual([]);
    const problems = vrtIncompatibilities('band_stack', [
      source('a'),
      source('rgb', { band_count: 3 }),
      source('shifted', { geo_transform: [300005, 10, 0, 5800640, 0, -10] }),
      source('bigger', { width: 65 }),
      source('coarser', { res_x: 20, res_y: -20, geo_transform: [300000, 20, 0, 5800640, 0, -20] }),
    ]);
    expect(codes(problems)).toEqual([
      'rgb:single_band_required',
      'shifted:grid_misaligned',
      'bigger:grid_misaligned',
      'coarser:grid_misaligned',
    ]);
  });

  it('tolerates floating-point noise in the grid well below a pixel', () => {
    const noisy = source('b', { geo_transform: [300000 + 1e-9, 10, 0, 5800640 - 1e-9, 0, -10] });
    expect(vrtIncompatibilities('band_stack', [source('a'), noisy])).toEqual([]);
  });
});
