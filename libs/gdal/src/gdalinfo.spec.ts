import { describe, expect, it } from 'vitest';
import { parseNodata, rasterInspection, type GdalInfoJson } from './gdalinfo.js';

const info = (noDataValue?: number | string): GdalInfoJson => ({
  driverShortName: 'GTiff',
  size: [10, 10],
  geoTransform: [0, 1, 0, 10, 0, -1],
  bands: [{ type: 'Float32', block: [10, 1], ...(noDataValue === undefined ? {} : { noDataValue }) }],
});

describe('rasterInspection', () => {
  it('reads nodata as the COG conversion does, infinities included', () => {
    // gdalinfo -json prints non-finite nodata as strings; Number('-inf') would give NaN.
    expect(rasterInspection(info('-inf'), null).nodata).toBe(-Infinity);
    expect(rasterInspection(info('inf'), null).nodata).toBe(Infinity);
    expect(rasterInspection(info('nan'), null).nodata).toBeNaN();
    expect(rasterInspection(info(-9999), null).nodata).toBe(-9999);
    expect(rasterInspection(info(), null).nodata).toBeNull();
    for (const value of ['-inf', '+inf', 'Infinity', '-Infinity', 'nan', '-9999', 0])
      expect(rasterInspection(info(value), null).nodata).toBe(parseNodata(value));
  });

  it('describes size, resolution and the COG rules a striped GeoTIFF breaks', () => {
    expect(rasterInspection(info(0), 32633)).toMatchObject({
      kind: 'raster',
      crs: 32633,
      width: 10,
      height: 10,
      band_count: 1,
      dtype: 'Float32',
      res_x: 1,
      res_y: -1,
      is_cog: false,
      cog_issues: ['not tiled (stored in strips)', 'not in COG layout (headers and tiles not ordered for range reads)'],
    });
  });
});
