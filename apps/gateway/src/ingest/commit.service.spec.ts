import { describe, expect, it } from 'vitest';
import { duplicateLayers, misplacedFields, unknownLayers } from './commit.service.js';

describe('commit validation helpers', () => {
  it('names the fields that belong to the other kind of file', () => {
    expect(misplacedFields('vector', { title: 't', compression: 'DEFLATE', strict_cog: false })).toEqual([
      'compression',
      'strict_cog',
    ]);
    expect(misplacedFields('raster', { title: 't', layer_name: 'a', x_column: 'lon', srid_override: 3857 })).toEqual([
      'layer_name',
      'x_column',
    ]);
    expect(misplacedFields('raster', { title: 't', srid_override: 3857, nodata_override: 0 })).toEqual([]);
  });

  it('lists every unknown layer once, in request order', () => {
    expect(unknownLayers(['roads', 'x', 'sites', 'y', 'x'], ['sites', 'roads', 'parcels'])).toEqual(['x', 'y']);
    expect(unknownLayers(['roads'], ['roads'])).toEqual([]);
    expect(unknownLayers(['Roads'], ['roads'])).toEqual(['Roads']);
  });

  it('finds repeated layer names', () => {
    expect(duplicateLayers(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual(['a', 'b']);
    expect(duplicateLayers(['a', 'b'])).toEqual([]);
  });
});
