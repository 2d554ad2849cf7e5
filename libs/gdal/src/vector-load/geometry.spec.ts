import gdal from 'gdal-async';
import { describe, expect, it } from 'vitest';
import { promotedLabel, promotesToMulti, wkbName } from './geometry.js';
import { renamingVrt, vrtFieldType, xmlEscape } from './vrt.js';

describe('promote-to-multi rule', () => {
  it('promotes lines, polygons, unknown and multi types; keeps points and no-geometry', () => {
    expect(promotesToMulti(gdal.wkbPolygon)).toBe(true);
    expect(promotesToMulti(gdal.wkbMultiPolygon)).toBe(true);
    expect(promotesToMulti(gdal.wkbLineString25D)).toBe(true);
    expect(promotesToMulti(gdal.wkbUnknown)).toBe(true);
    expect(promotesToMulti(gdal.wkbMultiPoint)).toBe(true);
    expect(promotesToMulti(gdal.wkbPoint)).toBe(false);
    expect(promotesToMulti(gdal.wkbPoint25D)).toBe(false);
    expect(promotesToMulti(gdal.wkbNone)).toBe(false);
  });

  it('names the promotion only for declared single-part lines and polygons', () => {
    expect(promotedLabel(gdal.wkbPolygon)).toEqual({ from: 'Polygon', to: 'MultiPolygon' });
    expect(promotedLabel(gdal.wkbLineString)).toEqual({ from: 'LineString', to: 'MultiLineString' });
    expect(promotedLabel(gdal.wkbMultiPolygon)).toBeNull();
    expect(promotedLabel(gdal.wkbUnknown)).toBeNull();
  });

  it('maps geometry type codes to OGR VRT names', () => {
    expect(wkbName(gdal.wkbMultiPolygon)).toBe('wkbMultiPolygon');
    expect(wkbName(gdal.wkbPoint25D)).toBe('wkbPoint25D');
    expect(wkbName(gdal.wkbUnknown)).toBe('wkbUnknown');
  });
});

describe('renaming VRT', () => {
  it('escapes names, paths and open options as XML', () => {
    expect(xmlEscape(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const xml = renamingVrt({
      sourcePath: '/vsizip//tmp/a&b.zip/x.csv',
      layerName: 'x<y',
      openOptions: ['AUTODETECT_TYPE=YES'],
      fields: [
        { source: 'gid', name: 'src_gid', type: 'integer64' },
        { source: 'a"b', name: 'a_b', type: 'dateTime' },
      ],
      geometryType: 'wkbNone',
    });
    expect(xml).toContain('<SrcDataSource relativeToVRT="0">/vsizip//tmp/a&amp;b.zip/x.csv</SrcDataSource>');
    expect(xml).toContain('<OGRVRTLayer name="x&lt;y">');
    expect(xml).toContain('<OOI key="AUTODETECT_TYPE">YES</OOI>');
    expect(xml).toContain('<Field name="src_gid" src="gid" type="Integer64"/>');
    expect(xml).toContain('<Field name="a_b" src="a&quot;b" type="DateTime"/>');
    expect(xml).toContain('<GeometryType>wkbNone</GeometryType>');
  });

  it('maps gdal-async field types, defaulting to String', () => {
    expect(vrtFieldType('integer')).toBe('Integer');
    expect(vrtFieldType('real[]')).toBe('RealList');
    expect(vrtFieldType('date')).toBe('Date');
    expect(vrtFieldType('mystery')).toBe('String');
  });
});
