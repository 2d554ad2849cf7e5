import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { assertCoordinatePair, assertOptionsApply, commitOptionsIn, misplacedFields } from './commit-options.checks.js';
import { duplicateLayers, unknownLayers } from './commit.service.js';

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

  it('refuses options of the other kind wherever a fan-out gives them, in one answer', () => {
    const refusal = (): unknown => {
      try {
        assertOptionsApply('vector', [
          { options: { srid_override: 4326, strict_cog: true }, loc: ['body'] },
          { options: { layer_name: 'a', x_column: 'lon', y_column: 'lat' }, loc: ['body', 'layers', 0] },
          { options: { layer_name: 'b', compression: 'LZW' }, loc: ['body', 'layers', 1] },
        ]);
      } catch (error) {
        return error;
      }
      return null;
    };
    expect(refusal()).toMatchObject({
      message: 'This file is a vector; these fields do not apply to it: strict_cog, compression.',
      extensions: {
        errors: [
          { loc: ['body', 'strict_cog'], type: 'not_applicable' },
          { loc: ['body', 'layers', 1, 'compression'], type: 'not_applicable' },
        ],
      },
    });
    expect(() => assertOptionsApply('raster', [{ options: { srid_override: 3857 }, loc: ['body'] }])).not.toThrow();
  });

  it('takes the commit options out of a request, keeping nulls (they clear a stored option)', () => {
    expect(
      commitOptionsIn({ layer_name: 'a', layers: [], title: 'T', srid_override: null, strict_cog: false }),
    ).toEqual({ title: 'T', srid_override: null, strict_cog: false });
  });

  it('wants x_column and y_column together', () => {
    expect(() => assertCoordinatePair({ x_column: 'lon' }, ['body', 'layers', 3])).toThrow(/together/);
    expect(() => assertCoordinatePair({ x_column: 'lon', y_column: 'lat' })).not.toThrow();
    expect(() => assertCoordinatePair({ x_column: null, y_column: null })).not.toThrow();
  });
});
