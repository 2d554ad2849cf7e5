import { describe, expect, it } from 'vitest';
import { geometryTypeLabel, sharedGeometryType } from './geometry-types.js';

describe('sharedGeometryType', () => {
  it('finds the column type rows of mixed types can share', () => {
    expect(sharedGeometryType(['POINT'])).toEqual({ type: 'Point', multi: false });
    expect(sharedGeometryType(['POINT', 'MULTIPOINT'])).toEqual({ type: 'MultiPoint', multi: true });
    expect(sharedGeometryType(['POLYGON'])).toEqual({ type: 'MultiPolygon', multi: true });
    expect(sharedGeometryType(['POLYGON', 'MULTIPOLYGON'])).toEqual({ type: 'MultiPolygon', multi: true });
    expect(sharedGeometryType(['LINESTRING'])).toEqual({ type: 'MultiLineString', multi: true });
    expect(sharedGeometryType(['GEOMETRYCOLLECTION'])).toEqual({ type: 'GEOMETRYCOLLECTION', multi: false });
    expect(sharedGeometryType(['POINT', 'POLYGON'])).toBeNull();
    expect(sharedGeometryType([])).toBeNull();
  });
});

describe('geometryTypeLabel', () => {
  it('maps PostGIS names to the usual spelling', () => {
    expect(geometryTypeLabel('MULTIPOLYGON')).toBe('MultiPolygon');
    expect(geometryTypeLabel('POINT')).toBe('Point');
    expect(geometryTypeLabel('MULTILINESTRING')).toBe('MultiLineString');
    expect(geometryTypeLabel('GEOMETRYCOLLECTION')).toBe('GeometryCollection');
    expect(geometryTypeLabel('POINTM')).toBe('PointM');
    expect(geometryTypeLabel('POINT', true)).toBe('PointZ');
    expect(geometryTypeLabel('GEOMETRY')).toBe('Geometry');
  });
});
